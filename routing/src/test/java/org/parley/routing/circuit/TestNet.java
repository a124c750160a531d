package org.parley.routing.circuit;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.ManualClock;
import org.parley.core.time.ManualScheduler;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.link.InMemoryLinkNetwork;
import org.parley.routing.link.Link;
import org.parley.routing.link.LinkListener;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** N nodes on an {@link InMemoryLinkNetwork} with a manual clock; every node can relay and build circuits. */
final class TestNet {
    final ManualClock clock = new ManualClock(1_000_000);
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final InMemoryLinkNetwork network = new InMemoryLinkNetwork();
    final RoutingConfig config;
    final List<Peer> peers = new ArrayList<>();
    private final SecureRandom secure = new SecureRandom();
    private final Random random = new Random(7);

    TestNet(int n, RoutingConfig config) {
        this.config = config;
        for (int i = 0; i < n; i++) peers.add(new Peer(i));
    }

    final class Peer {
        final NodeIdentity identity = NodeIdentity.generate(secure);
        final OnionKeyPair onion = OnionKeyPair.generate(secure);
        final CircuitSwitch sw;
        final CircuitRelay relay;
        final CircuitBuilder builder;
        final InMemoryLinkNetwork.Node node;

        Peer(int i) {
            LinkListener[] target = new LinkListener[1];
            node = network.attach(identity.nodeId(), "10." + i + ".0.1:9001", new LinkListener() {
                public void onLinkOpened(Link link) {
                    target[0].onLinkOpened(link);
                }

                public void onFrame(Link link, Bytes frame) {
                    target[0].onFrame(link, frame);
                }

                public void onLinkClosed(Link link) {
                    target[0].onLinkClosed(link);
                }
            });
            sw = new CircuitSwitch(node, random, config.maxCircuitsPerLink());
            target[0] = sw;
            relay = new CircuitRelay(identity.nodeId(), () -> List.of(onion), sw, config, clock, scheduler, secure);
            builder = new CircuitBuilder(sw, config, clock, scheduler, secure);
        }

        HopSpec hop() {
            return new HopSpec(identity.nodeId(), node.address(), onion.publicKey());
        }
    }

    List<HopSpec> path(int... indexes) {
        List<HopSpec> p = new ArrayList<>();
        for (int i : indexes) p.add(peers.get(i).hop());
        return p;
    }

    /** Builds and runs the network until the build settles; returns the (completed or failed) stage. */
    <T> T settle(CompletionStage<T> stage) {
        network.runUntilIdle();
        CompletableFuture<T> f = stage.toCompletableFuture();
        if (!f.isDone()) throw new AssertionError("not settled");
        return f.join();
    }

    /** Records what a client circuit reports. */
    static final class Recorder implements CircuitListener {
        final List<Integer> hops = new ArrayList<>();
        final List<RelayMessage> messages = new ArrayList<>();
        final List<DestroyReason> closed = new ArrayList<>();

        public void onMessage(int hop, RelayMessage message) {
            hops.add(hop);
            messages.add(message);
        }

        public void onClosed(DestroyReason reason) {
            closed.add(reason);
        }
    }
}
