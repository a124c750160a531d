package org.parley.routing.hostile;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCodec;
import org.parley.routing.cell.CellCommand;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.CircuitRelay;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.RelayCryptoKind;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.client.EnvelopeSender;
import org.parley.routing.client.InboxSubscription;
import org.parley.routing.crypto.NtorV3;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.link.Link;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One test per routing resource limit: a hostile peer pushes past it, the limit holds (the cell
 * or circuit is refused, state stays bounded), the hit is counted under
 * {@code parley_routing_cells_dropped_total{reason}}, and honest traffic through the same relay
 * is still served.
 */
class ResourceLimitsTest {
    private static RoutingConfig config(int window, int increment, int maxQueued, int maxMessage, int maxCircuits) {
        return new RoutingConfig(window, increment, maxQueued, maxMessage, 30_000, 10_000, 3_600_000, 10_000,
                maxCircuits, RelayCryptoKind.CGO);
    }

    private static final RoutingConfig DEFAULTS = RoutingConfig.defaults();

    @Test
    void aCreate2FloodOnOneLinkStopsAtMaxCircuitsPerLinkAndOthersAreStillServed() {
        int limit = 8;
        // node 0 is the guard under attack; node 3 floods it; node 2 is an honest client
        HostileNet net = new HostileNet(4, i -> i == 0 ? config(1000, 100, 4096, 256 * 1024, limit) : DEFAULTS, -1, null);
        List<CompletableFuture<ClientCircuit>> builds = new ArrayList<>();
        for (int i = 0; i < 50; i++) { // one after the other, so all go over the attacker's one link
            builds.add(net.buildAsync(3, new HostileNet.Recorder(), 0));
        }
        assertThat(builds).allMatch(CompletableFuture::isDone);
        assertThat(builds.stream().filter(f -> !f.isCompletedExceptionally()).count()).isEqualTo(limit);
        assertThat(net.network.openLinkCount()).isEqualTo(1);
        assertThat(net.metrics.get(0).count(RoutingMetrics.CIRCUIT_LIMIT)).isEqualTo(50 - limit);
        assertThat(net.nodes.get(0).relay().openCircuits()).isEqualTo(limit);
        assertThat(net.nodes.get(0).circuitSwitch().circuitCount()).isEqualTo(limit);

        // CREATE2s with garbage handshakes cost no state either
        Link flood = net.link(3, 0);
        for (int i = 0; i < 100; i++) {
            net.nodes.get(3).circuitSwitch().send(flood, new Cell.Create2(0x80000000 | (1_000 + i), NtorV3.HTYPE, HostileNet.bytes(200, i)));
        }
        net.network.runUntilIdle();
        assertThat(net.nodes.get(0).circuitSwitch().circuitCount()).isEqualTo(limit);

        // an honest client on its own link still gets a circuit through the same guard
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit honest = net.build(2, rec, 0, 1);
        honest.send(1, new RelayMessage.Data(HostileNet.bytes(20, 9)));
        net.network.runUntilIdle();
        assertThat(rec.messages).containsExactly(new RelayMessage.Data(HostileNet.bytes(20, 9)));
        assertThat(net.nodes.get(0).relay().openCircuits()).isEqualTo(limit + 1);
    }

    @Test
    void aNinthRelayEarlyCellIsCountedAndClosesTheCircuit() {
        HostileNet net = new HostileNet(3, DEFAULTS);
        List<Integer> createIds = new ArrayList<>();
        net.network.setTamper(frame -> {
            if (frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == CellCommand.CREATE2.code()) {
                createIds.add(CellCodec.decode(frame).circId());
            }
            return frame;
        });
        HostileNet.Recorder rec = new HostileNet.Recorder();
        net.build(2, rec, 0, 1);
        net.network.setTamper(f -> f);
        Link link = net.link(2, 0);
        for (int i = 0; i <= CircuitRelay.MAX_RELAY_EARLY; i++) {
            net.nodes.get(2).circuitSwitch().send(link, new Cell.RelayEarly(createIds.get(0), HostileNet.bytes(Cell.PAYLOAD_LEN, i)));
        }
        net.network.runUntilIdle();
        assertThat(net.metrics.get(0).count(RoutingMetrics.RELAY_EARLY)).isEqualTo(1);
        assertThat(net.nodes.get(0).relay().relayEarlyRefused()).isEqualTo(1);
        assertThat(rec.closed).containsExactly(DestroyReason.PROTOCOL);
    }

    @Test
    void unsolicitedSendmesThatWouldOpenAWindowPastItsBoundCloseTheCircuitAtTheRelay() {
        HostileNet net = new HostileNet(3, DEFAULTS);
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(2, rec, 0, 1);
        c.send(0, new RelayMessage.Sendme());
        c.send(0, new RelayMessage.Sendme());
        net.network.runUntilIdle();
        assertThat(net.metrics.get(0).count(RoutingMetrics.SENDME_UNEXPECTED)).isEqualTo(1);
        assertThat(rec.closed).containsExactly(DestroyReason.PROTOCOL);
        assertThat(net.nodes.get(0).relay().openCircuits()).isZero();
        assertThat(net.nodes.get(1).relay().openCircuits()).isZero();
    }

    @Test
    void unsolicitedSendmesFromARelayCloseTheCircuitAtTheClient() {
        HostileNet net = new HostileNet(3, DEFAULTS);
        net.nodes.get(1).relay().setLocalHandler((circuit, m) -> {
            for (int i = 0; i < 3; i++) circuit.send(new RelayMessage.Sendme());
        });
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(2, rec, 0, 1);
        c.send(1, new RelayMessage.Data(HostileNet.bytes(5, 1)));
        net.network.runUntilIdle();
        assertThat(net.metrics.get(2).count(RoutingMetrics.SENDME_UNEXPECTED)).isEqualTo(1);
        assertThat(rec.closed).containsExactly(DestroyReason.PROTOCOL);
        assertThat(c.isOpen()).isFalse();
    }

    @Test
    void coverTrafficEchoesStayInsideTheFlowWindowSoTheSendmeBoundNeverTrips() {
        HostileNet net = new HostileNet(3, config(8, 4, 64, 256 * 1024, 64));
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(2, rec, 0, 1);
        for (int i = 0; i < 200; i++) {
            c.sendToLast(new RelayMessage.Drop(true));
            if (i % 4 == 3) net.network.runUntilIdle();
        }
        net.network.runUntilIdle();
        assertThat(rec.closed).isEmpty();
        assertThat(c.isOpen()).isTrue();
        for (HostileNet.Counting m : net.metrics) assertThat(m.dropped).isEmpty();
        c.send(1, new RelayMessage.Data(HostileNet.bytes(10, 1)));
        net.network.runUntilIdle();
        assertThat(rec.messages).containsExactly(new RelayMessage.Data(HostileNet.bytes(10, 1)));
    }

    @Test
    void aFarEndThatNeverAcknowledgesFillsTheBoundedSendQueueAndTheCircuitCloses() {
        RoutingConfig small = config(8, 4, 16, 256 * 1024, 64);
        HostileNet net = new HostileNet(3, small);
        // the relay answers one request with 30 cells at once: 8 fit the window, 16 wait, the 25th overflows
        int[] sent = {0};
        net.nodes.get(0).relay().setLocalHandler((circuit, m) -> {
            for (int i = 0; i < 30 && circuit.isOpen(); i++) {
                circuit.send(new RelayMessage.Data(HostileNet.bytes(10, i)));
                sent[0]++;
            }
        });
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(2, rec, 0);
        c.send(0, new RelayMessage.Data(HostileNet.bytes(5, 1)));
        net.network.runUntilIdle();
        assertThat(sent[0]).isEqualTo(8 + 16 + 1);
        assertThat(net.metrics.get(0).count(RoutingMetrics.QUEUE_FULL)).isEqualTo(1);
        assertThat(rec.closed).containsExactly(DestroyReason.RESOURCELIMIT);
        assertThat(rec.messages.size()).isLessThanOrEqualTo(8);
        assertThat(net.nodes.get(0).relay().openCircuits()).isZero();
    }

    @Test
    void aFragmentedMessageOverMaxMessageBytesIsRefusedAtEitherEnd() {
        int max = 4096;
        // forward: the relay's bound
        HostileNet net = new HostileNet(3, i -> i == 0 ? config(1000, 100, 4096, max, 64) : DEFAULTS, -1, null);
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(2, rec, 0);
        c.send(0, new RelayMessage.Data(HostileNet.bytes(max + 1_000, 1)));
        net.network.runUntilIdle();
        assertThat(net.metrics.get(0).count(RoutingMetrics.REASSEMBLY_LIMIT)).isEqualTo(1);
        assertThat(net.received.get(0)).isEmpty();
        assertThat(rec.closed).containsExactly(DestroyReason.PROTOCOL);

        // backward: the client's bound against a relay that answers with too much
        HostileNet net2 = new HostileNet(3, i -> i == 2 ? config(1000, 100, 4096, max, 64) : DEFAULTS, -1, null);
        net2.nodes.get(0).relay().setLocalHandler((circuit, m) -> circuit.send(new RelayMessage.Data(HostileNet.bytes(max * 3, 2))));
        HostileNet.Recorder rec2 = new HostileNet.Recorder();
        ClientCircuit c2 = net2.build(2, rec2, 0);
        c2.send(0, new RelayMessage.Data(HostileNet.bytes(10, 1)));
        net2.network.runUntilIdle();
        assertThat(net2.metrics.get(2).count(RoutingMetrics.REASSEMBLY_LIMIT)).isEqualTo(1);
        assertThat(rec2.messages).isEmpty();
        assertThat(rec2.closed).containsExactly(DestroyReason.PROTOCOL);
    }

    @Test
    void anEnvelopeFloodToOneInboxStopsAtItsQuotaAndOtherInboxesStillTakeMail() {
        int quota = 10;
        InMemoryInboxStore store = new InMemoryInboxStore(quota, 1 << 20, 3_600_000);
        // 0 guard, 1 middle, 2 inbox relay, 3 recipient, 4 flooding sender, 5 another sender
        HostileNet net = new HostileNet(6, i -> DEFAULTS, 2, store);
        Bytes victim = HostileNet.bytes(32, 100);
        Bytes other = HostileNet.bytes(32, 200);
        List<Bytes> pushed = new ArrayList<>();
        for (Bytes inbox : List.of(victim, other)) {
            // the recipient registers but never acknowledges (offline-like): what is stored stays stored
            net.nodes.get(3).subscribe(new InboxSubscription.Params(() -> net.path(0, 2), inbox,
                    NodeIdentity.generate(net.secure), 1_000), new InboxSubscription.Listener() {
                public void onEstablished(long pending, List<NodeId> path) {
                }

                public void onEnvelope(Bytes messageId, Bytes envelope) {
                    pushed.add(messageId);
                }

                public void onError(InboxErrorKind kind) {
                }

                public void onDown(DestroyReason reason) {
                }
            });
        }
        net.network.runUntilIdle();

        EnvelopeSender flooder = net.nodes.get(4).sender();
        List<CompletableFuture<EnvelopeSender.Sent>> sends = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sends.add(flooder.send(net.path(1, 2), victim, HostileNet.bytes(16, i), HostileNet.bytes(300, i)).toCompletableFuture());
            net.network.runUntilIdle();
        }
        long stored = sends.stream().filter(f -> !f.isCompletedExceptionally()).count();
        assertThat(stored).isEqualTo(quota);
        assertThat(sends.stream().filter(CompletableFuture::isCompletedExceptionally)).allSatisfy(f ->
                assertThat(f.handle((v, e) -> e.getCause() != null ? e.getCause() : e).join())
                        .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.RESOURCE_LIMIT)));
        assertThat(net.metrics.get(2).count(RoutingMetrics.INBOX_QUOTA)).isEqualTo(30 - quota);
        assertThat(net.metrics.get(2).stored).isEqualTo(quota);
        assertThat(store.list(victim, net.clock.nowMillis(), Integer.MAX_VALUE).toCompletableFuture().join()).hasSize(quota);

        CompletableFuture<EnvelopeSender.Sent> fine = net.nodes.get(5).sender()
                .send(net.path(0, 2), other, HostileNet.bytes(16, 999), HostileNet.bytes(300, 999)).toCompletableFuture();
        net.network.runUntilIdle();
        assertThat(fine.join().outcome()).isEqualTo(EnvelopeSender.Outcome.STORED);
        assertThat(pushed).contains(HostileNet.bytes(16, 999));
    }
}
