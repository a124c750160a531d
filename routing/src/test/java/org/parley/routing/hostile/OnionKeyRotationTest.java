package org.parley.routing.hostile;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.RoutingNode;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.crypto.OnionKeyRing;
import org.parley.routing.link.InMemoryLinkNetwork;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A relay rotates its onion key with an overlap: a client holding the previous key (an older
 * descriptor) still builds circuits during the overlap; after it, the build fails cleanly
 * (DESTROY, counted as a refused CREATE2, no circuit state) while the new key works and circuits
 * built earlier stay up.
 */
class OnionKeyRotationTest {
    private static final long LIFETIME = 7 * 24 * 3_600_000L;
    private static final long OVERLAP = 24 * 3_600_000L;

    @Test
    void thePreviousKeyWorksDuringTheOverlapAndFailsCleanlyAfterIt() {
        HostileNet net = new HostileNet(1, RoutingConfig.defaults()); // node 0: the client
        OnionKeyRing ring = new OnionKeyRing(net.clock, net.secure, LIFETIME, OVERLAP);
        NodeIdentity id = NodeIdentity.generate(net.secure);
        HostileNet.Counting metrics = new HostileNet.Counting();
        RoutingNode relay = new RoutingNode(id.nodeId(), ring::keys, null, RoutingConfig.defaults(), net.clock, net.scheduler,
                net.secure, metrics);
        InMemoryLinkNetwork.Node at = net.network.attach(id.nodeId(), "10.50.0.1:9001", relay.linkListener());
        relay.attach(at);
        relay.relay().setLocalHandler((c, m) -> {
            if (m instanceof RelayMessage.Data d) c.send(new RelayMessage.Data(d.data()));
        });
        Bytes oldKey = ring.current().publicKey();
        HopSpec withOld = new HopSpec(id.nodeId(), at.address(), oldKey);

        HostileNet.Recorder early = new HostileNet.Recorder();
        ClientCircuit before = build(net, withOld, early).join();

        // one lifetime later the relay publishes a new key; the old one is in its overlap
        net.clock.advance(LIFETIME);
        Bytes newKey = ring.current().publicKey();
        assertThat(newKey).isNotEqualTo(oldKey);
        assertThat(ring.rotations()).isEqualTo(1);
        assertThat(ring.publishUntilMillis()).isEqualTo(net.clock.nowMillis() + LIFETIME + OVERLAP);
        HostileNet.Recorder during = new HostileNet.Recorder();
        ClientCircuit overlap = build(net, withOld, during).join();
        assertEcho(net, overlap, during, 1);
        assertThat(metrics.count(RoutingMetrics.CREATE_REFUSED)).isZero();

        // after the overlap the old key is gone: a clean refusal, no state left at the relay
        net.clock.advance(OVERLAP);
        int open = relay.relay().openCircuits();
        HostileNet.Recorder late = new HostileNet.Recorder();
        CompletableFuture<ClientCircuit> refused = build(net, withOld, late);
        assertThat(refused).isCompletedExceptionally();
        assertThat(late.closed).containsExactly(DestroyReason.PROTOCOL);
        assertThat(metrics.count(RoutingMetrics.CREATE_REFUSED)).isEqualTo(1);
        assertThat(relay.relay().openCircuits()).isEqualTo(open);
        assertThat(ring.keys()).hasSize(1);

        // the new key works, and circuits built before the rotation are unaffected
        HostileNet.Recorder fresh = new HostileNet.Recorder();
        ClientCircuit now = build(net, new HopSpec(id.nodeId(), at.address(), newKey), fresh).join();
        assertEcho(net, now, fresh, 2);
        assertEcho(net, before, early, 3);
        assertEcho(net, overlap, during, 4);
    }

    private static CompletableFuture<ClientCircuit> build(HostileNet net, HopSpec hop, HostileNet.Recorder rec) {
        CompletableFuture<ClientCircuit> f = net.nodes.get(0).circuits().build(List.of(hop), rec).toCompletableFuture();
        net.network.runUntilIdle();
        assertThat(f).isDone();
        return f;
    }

    private static void assertEcho(HostileNet net, ClientCircuit c, HostileNet.Recorder rec, int seed) {
        int before = rec.messages.size();
        c.send(0, new RelayMessage.Data(HostileNet.bytes(24, seed)));
        net.network.runUntilIdle();
        assertThat(rec.closed).isEmpty();
        assertThat(rec.messages.subList(before, rec.messages.size())).containsExactly(new RelayMessage.Data(HostileNet.bytes(24, seed)));
    }
}
