package org.parley.routing.hostile;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.ManualClock;
import org.parley.core.time.ManualScheduler;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.RoutingNode;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.CircuitListener;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.link.InMemoryLinkNetwork;
import org.parley.routing.link.Link;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * Whole {@link RoutingNode}s on an {@link InMemoryLinkNetwork} (every frame decoded and re-encoded
 * in flight), each with its own config and a {@link Counting} metrics hook. Relays that are not
 * the inbox relay echo every DATA message back on the same circuit and remember what they got.
 */
final class HostileNet {
    final ManualClock clock = new ManualClock(5_000_000);
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final InMemoryLinkNetwork network = new InMemoryLinkNetwork();
    final SecureRandom secure = new SecureRandom();
    final List<RoutingNode> nodes = new ArrayList<>();
    final List<Counting> metrics = new ArrayList<>();
    final List<HopSpec> hops = new ArrayList<>();
    final List<InMemoryLinkNetwork.Node> netNodes = new ArrayList<>();
    final List<List<Bytes>> received = new ArrayList<>();
    final InMemoryInboxStore inboxStore;
    /** Every node's identity seed and onion private key, for tests that look for leaks. */
    final List<Bytes> secrets = new ArrayList<>();

    /** Counts every hook call; also checks each reason is a declared one. */
    static final class Counting implements RoutingMetrics {
        final Map<String, Integer> dropped = new HashMap<>();
        long relayed;
        long stored;

        @Override
        public void cellDropped(String reason) {
            if (!RoutingMetrics.REASONS.contains(reason)) throw new AssertionError("undeclared reason " + reason);
            dropped.merge(reason, 1, Integer::sum);
        }

        @Override
        public void cellRelayed() {
            relayed++;
        }

        @Override
        public void inboxEnvelopeStored() {
            stored++;
        }

        int count(String reason) {
            return dropped.getOrDefault(reason, 0);
        }
    }

    /** {@code n} nodes; node {@code inboxIndex} (or none if negative) is an inbox relay on {@code inboxStore}. */
    HostileNet(int n, IntFunction<RoutingConfig> config, int inboxIndex, InMemoryInboxStore inboxStore) {
        this.inboxStore = inboxStore;
        for (int i = 0; i < n; i++) {
            byte[] seed = new byte[32];
            byte[] onionPrivate = new byte[32];
            secure.nextBytes(seed);
            secure.nextBytes(onionPrivate);
            secrets.add(Bytes.wrap(seed));
            secrets.add(Bytes.wrap(onionPrivate));
            NodeId id = NodeIdentity.fromSeed(Bytes.wrap(seed)).nodeId();
            OnionKeyPair onion = OnionKeyPair.fromPrivate(Bytes.wrap(onionPrivate));
            Counting m = new Counting();
            RoutingNode node = new RoutingNode(id, () -> List.of(onion), i == inboxIndex ? inboxStore : null,
                    config.apply(i), clock, scheduler, secure, m);
            InMemoryLinkNetwork.Node net = network.attach(id, "10." + i + ".0.1:9001", node.linkListener());
            node.attach(net);
            List<Bytes> got = new ArrayList<>();
            received.add(got);
            if (i != inboxIndex) {
                node.relay().setLocalHandler((circuit, msg) -> {
                    if (msg instanceof RelayMessage.Data d) {
                        got.add(d.data());
                        circuit.send(new RelayMessage.Data(d.data()));
                    }
                });
            }
            nodes.add(node);
            metrics.add(m);
            netNodes.add(net);
            hops.add(new HopSpec(id, net.address(), onion.publicKey()));
        }
    }

    HostileNet(int n, RoutingConfig config) {
        this(n, i -> config, -1, null);
    }

    List<HopSpec> path(int... idx) {
        List<HopSpec> p = new ArrayList<>();
        for (int i : idx) p.add(hops.get(i));
        return p;
    }

    CompletableFuture<ClientCircuit> buildAsync(int client, Recorder rec, int... idx) {
        CompletableFuture<ClientCircuit> f = nodes.get(client).circuits().build(path(idx), rec).toCompletableFuture();
        network.runUntilIdle();
        return f;
    }

    ClientCircuit build(int client, Recorder rec, int... idx) {
        return buildAsync(client, rec, idx).join();
    }

    /** The open link from {@code from} to {@code to} (opened if there is none). */
    Link link(int from, int to) {
        CompletableFuture<Link> f = nodes.get(from).circuitSwitch().connect(hops.get(to).id(), hops.get(to).address())
                .toCompletableFuture();
        network.runUntilIdle();
        return f.join();
    }

    static Bytes bytes(int n, int seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return Bytes.wrap(b);
    }

    /** What a client circuit reports. */
    static final class Recorder implements CircuitListener {
        final List<RelayMessage> messages = new ArrayList<>();
        final List<DestroyReason> closed = new ArrayList<>();

        @Override
        public void onMessage(int hop, RelayMessage message) {
            messages.add(message);
        }

        @Override
        public void onClosed(DestroyReason reason) {
            closed.add(reason);
        }
    }
}
