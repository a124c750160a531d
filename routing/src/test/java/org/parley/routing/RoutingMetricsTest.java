package org.parley.routing;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.ManualClock;
import org.parley.core.time.ManualScheduler;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCodec;
import org.parley.routing.cell.CellCommand;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.CircuitListener;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.circuit.RelayCryptoKind;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.client.EnvelopeSender;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.link.InMemoryLinkNetwork;
import org.parley.routing.link.Link;
import org.parley.routing.link.LinkListener;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@link RoutingMetrics} hook is called where the routing layer builds, relays, drops and stores. */
class RoutingMetricsTest {
    private static final int INBOX = 2;

    /** Records every hook call of one node. */
    static final class Recording implements RoutingMetrics {
        final List<Integer> builtHops = new ArrayList<>();
        final List<Long> buildNanos = new ArrayList<>();
        final List<DestroyReason> buildFailures = new ArrayList<>();
        final Map<String, Integer> dropped = new HashMap<>();
        long relayed;
        long stored;

        public void circuitBuilt(int hops, long nanos) {
            builtHops.add(hops);
            buildNanos.add(nanos);
        }

        public void circuitBuildFailed(int hopsDone, DestroyReason reason) {
            buildFailures.add(reason);
        }

        public void cellRelayed() {
            relayed++;
        }

        public void cellDropped(String reason) {
            assertThat(RoutingMetrics.REASONS).contains(reason);
            dropped.merge(reason, 1, Integer::sum);
        }

        public void inboxEnvelopeStored() {
            stored++;
        }
    }

    private static final CircuitListener IGNORE = new CircuitListener() {
        public void onMessage(int hop, RelayMessage message) {
        }

        public void onClosed(DestroyReason reason) {
        }
    };

    /** Five whole nodes (node 2 an inbox relay) on an in-memory network, each with its own recording hook. */
    static final class Net {
        final ManualClock clock = new ManualClock(5_000_000);
        final ManualScheduler scheduler = new ManualScheduler(clock);
        final InMemoryLinkNetwork network = new InMemoryLinkNetwork();
        final SecureRandom secure = new SecureRandom();
        final List<RoutingNode> nodes = new ArrayList<>();
        final List<Recording> metrics = new ArrayList<>();
        final List<HopSpec> hops = new ArrayList<>();
        final List<InMemoryLinkNetwork.Node> netNodes = new ArrayList<>();

        Net(RoutingConfig config) {
            InMemoryInboxStore store = new InMemoryInboxStore(100, 1 << 20, 3_600_000);
            for (int i = 0; i < 5; i++) {
                NodeId id = NodeIdentity.generate(secure).nodeId();
                OnionKeyPair onion = OnionKeyPair.generate(secure);
                Recording m = new Recording();
                RoutingNode n = new RoutingNode(id, () -> List.of(onion), i == INBOX ? store : null,
                        config, clock, scheduler, secure, m);
                InMemoryLinkNetwork.Node net = network.attach(id, "10." + i + ".0.1:9001", n.linkListener());
                n.attach(net);
                nodes.add(n);
                metrics.add(m);
                netNodes.add(net);
                hops.add(new HopSpec(id, net.address(), onion.publicKey()));
            }
        }

        List<HopSpec> path(int... idx) {
            List<HopSpec> p = new ArrayList<>();
            for (int i : idx) p.add(hops.get(i));
            return p;
        }

        ClientCircuit build(int client, int... idx) {
            CompletableFuture<ClientCircuit> f = nodes.get(client).circuits().build(path(idx), IGNORE).toCompletableFuture();
            network.runUntilIdle();
            return f.join();
        }
    }

    @Test
    void buildsAreTimedAndMiddleRelaysCountEveryCellTheyPassOn() {
        Net t = new Net(RoutingConfig.defaults());
        ClientCircuit c = t.build(4, 0, 1, 3);
        assertThat(t.metrics.get(4).builtHops).containsExactly(3);
        assertThat(t.metrics.get(4).buildNanos.get(0)).isPositive();
        assertThat(t.metrics.get(4).buildFailures).isEmpty();
        // the guard passed on EXTEND2 to the third hop and its EXTENDED2 back; the middle had nothing to pass on yet
        long guardAfterBuild = t.metrics.get(0).relayed;
        assertThat(guardAfterBuild).isEqualTo(2);
        assertThat(t.metrics.get(1).relayed).isZero();

        for (int i = 0; i < 5; i++) c.send(2, new RelayMessage.Data(Bytes.of(new byte[]{(byte) i})));
        t.network.runUntilIdle();
        assertThat(t.metrics.get(0).relayed - guardAfterBuild).isEqualTo(5);
        assertThat(t.metrics.get(1).relayed).isEqualTo(5);
        assertThat(t.metrics.get(3).relayed).isZero(); // the last hop consumes, it relays nothing
        t.metrics.forEach(m -> assertThat(m.dropped).isEmpty());
    }

    @Test
    void aFailedBuildIsReportedOnceWithItsReason() {
        Net t = new Net(RoutingConfig.defaults());
        t.netNodes.get(1).kill();
        CompletableFuture<ClientCircuit> f = t.nodes.get(4).circuits().build(t.path(0, 1, 3), IGNORE).toCompletableFuture();
        t.network.runUntilIdle();
        assertThat(f).isCompletedExceptionally();
        assertThat(t.metrics.get(4).builtHops).isEmpty();
        assertThat(t.metrics.get(4).buildFailures).containsExactly(DestroyReason.CONNECTFAILED);
    }

    @Test
    void storedEnvelopesAreCountedOnceDuplicatesAreNot() {
        Net t = new Net(RoutingConfig.defaults());
        // an inbox must exist (bound key) before DELIVER is accepted: register one through a subscription
        NodeIdentity auth = NodeIdentity.generate(t.secure);
        Bytes inboxId = Bytes.wrap(new byte[32]);
        t.nodes.get(4).subscribe(new org.parley.routing.client.InboxSubscription.Params(() -> t.path(0, INBOX), inboxId, auth, 1_000),
                new org.parley.routing.client.InboxSubscription.Listener() {
                    public void onEstablished(long pending, List<NodeId> path) {
                    }

                    public void onEnvelope(Bytes messageId, Bytes envelope) {
                    }

                    public void onError(org.parley.routing.cell.InboxErrorKind kind) {
                    }

                    public void onDown(DestroyReason reason) {
                    }
                });
        t.network.runUntilIdle();
        EnvelopeSender sender = t.nodes.get(3).sender();
        Bytes id = Bytes.fromHex("11".repeat(16));
        CompletableFuture<EnvelopeSender.Sent> first = sender.send(t.path(1, INBOX), inboxId, id, Bytes.fromHex("abcd")).toCompletableFuture();
        t.network.runUntilIdle();
        CompletableFuture<EnvelopeSender.Sent> again = sender.send(t.path(1, INBOX), inboxId, id, Bytes.fromHex("abcd")).toCompletableFuture();
        t.network.runUntilIdle();
        assertThat(first.join().outcome()).isEqualTo(EnvelopeSender.Outcome.STORED);
        assertThat(again.join().outcome()).isEqualTo(EnvelopeSender.Outcome.DUPLICATE);
        assertThat(t.metrics.get(INBOX).stored).isEqualTo(1);
        assertThat(t.metrics.get(1).stored).isZero();
    }

    @Test
    void garbageAndUnknownCircuitCellsAreDroppedWithTheirReason() {
        Net t = new Net(RoutingConfig.defaults());
        Recording target = t.metrics.get(0);
        List<Link> opened = new ArrayList<>();
        NodeId probeId = NodeIdentity.generate(t.secure).nodeId();
        InMemoryLinkNetwork.Node probe = t.network.attach(probeId, "10.9.0.1:9001", new LinkListener() {
            public void onLinkOpened(Link link) {
                opened.add(link);
            }

            public void onFrame(Link link, Bytes frame) {
            }

            public void onLinkClosed(Link link) {
            }
        });
        CompletableFuture<Link> connected = probe.connect(t.hops.get(0).id(), t.hops.get(0).address()).toCompletableFuture();
        t.network.runUntilIdle();
        Link link = connected.join();
        assertThat(opened).containsExactly(link);
        link.send(Bytes.wrap(CellCodec.encode(new Cell.Relay(0x80000001, Bytes.wrap(new byte[Cell.PAYLOAD_LEN])))));
        t.network.runUntilIdle();
        assertThat(target.dropped).containsExactly(Map.entry(RoutingMetrics.UNKNOWN_CIRCUIT, 1));

        byte[] garbage = new byte[Cell.CELL_LEN];
        garbage[4] = (byte) CellCommand.CREATE2.code();
        garbage[5] = (byte) 0xff; // HLEN far beyond the payload
        garbage[7] = (byte) 0xff;
        garbage[8] = (byte) 0xff;
        link.send(Bytes.wrap(garbage));
        t.network.runUntilIdle();
        assertThat(target.dropped).containsEntry(RoutingMetrics.MALFORMED, 1);
    }

    @Test
    void aTamperedCellFailsTheDigestAtItsLastHopAndIsCounted() {
        for (RelayCryptoKind kind : RelayCryptoKind.values()) {
            Net t = new Net(RoutingConfig.defaults().withRelayCrypto(kind));
            ClientCircuit c = t.build(4, 0);
            t.network.setTamper(frame -> {
                if (frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == CellCommand.RELAY.code()) frame[100] ^= 1;
                return frame;
            });
            c.send(0, new RelayMessage.Data(Bytes.fromHex("00")));
            t.network.runUntilIdle();
            assertThat(t.metrics.get(0).dropped).as(kind.name()).containsExactly(Map.entry(RoutingMetrics.DIGEST, 1));
            assertThat(c.isOpen()).isFalse();
        }
    }

    @Test
    void aFullSendQueueIsCountedAsQueueFull() {
        RoutingConfig small = new RoutingConfig(2, 1, 3, 256 * 1024, 30_000, 10_000, 3_600_000, 1_000, 64,
                RelayCryptoKind.CGO);
        Net t = new Net(small);
        ClientCircuit c = t.build(4, 0);
        // nothing runs the network, so no SENDME comes back: 2 cells go out, 3 wait, the 6th overflows
        for (int i = 0; i < 5; i++) c.send(0, new RelayMessage.Data(Bytes.fromHex("01")));
        assertThat(t.metrics.get(4).dropped).isEmpty();
        assertThatThrownBy(() -> c.send(0, new RelayMessage.Data(Bytes.fromHex("01"))))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.RESOURCE_LIMIT));
        assertThat(t.metrics.get(4).dropped).containsExactly(Map.entry(RoutingMetrics.QUEUE_FULL, 1));
    }

    @Test
    void theOldConstructorReportsNowhereAndStillWorks() {
        Net t = new Net(RoutingConfig.defaults());
        NodeId id = NodeIdentity.generate(t.secure).nodeId();
        OnionKeyPair onion = OnionKeyPair.generate(t.secure);
        RoutingNode plain = new RoutingNode(id, () -> List.of(onion), null, RoutingConfig.defaults(), t.clock, t.scheduler, t.secure);
        assertThat(plain.circuitSwitch().metrics()).isSameAs(RoutingMetrics.NONE);
        assertThat(plain.relay().openCircuits()).isZero();
    }
}
