package org.parley.routing.circuit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCodec;
import org.parley.routing.cell.CellCommand;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.link.Link;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CircuitTest {
    private static Bytes rnd(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return Bytes.wrap(b);
    }

    /** Every relay echoes DATA back to the client on the same circuit. */
    private static void echoEverywhere(TestNet net) {
        for (TestNet.Peer p : net.peers) {
            p.relay.setLocalHandler((circuit, m) -> {
                if (m instanceof RelayMessage.Data d) circuit.send(new RelayMessage.Data(d.data()));
            });
        }
    }

    @ParameterizedTest
    @EnumSource(RelayCryptoKind.class)
    void buildsOneToFourHopsAndEachHopAnswersByteExact(RelayCryptoKind kind) {
        TestNet net = new TestNet(6, RoutingConfig.defaults().withRelayCrypto(kind));
        echoEverywhere(net);
        TestNet.Peer client = net.peers.get(5);
        for (int hops = 1; hops <= 4; hops++) {
            int[] idx = new int[hops];
            for (int i = 0; i < hops; i++) idx[i] = i;
            TestNet.Recorder rec = new TestNet.Recorder();
            ClientCircuit c = net.settle(client.builder.build(net.path(idx), rec));
            assertThat(c.isOpen()).isTrue();
            for (int hop = 0; hop < hops; hop++) {
                Bytes small = rnd(100 + hop, hop);
                Bytes large = rnd(6000 + hop, 100 + hop);
                c.send(hop, new RelayMessage.Data(small));
                c.send(hop, new RelayMessage.Data(large));
            }
            net.network.runUntilIdle();
            assertThat(rec.closed).isEmpty();
            assertThat(rec.messages).hasSize(2 * hops);
            for (int hop = 0; hop < hops; hop++) {
                assertThat(rec.hops.get(2 * hop)).isEqualTo(hop);
                assertThat(((RelayMessage.Data) rec.messages.get(2 * hop)).data()).isEqualTo(rnd(100 + hop, hop));
                assertThat(((RelayMessage.Data) rec.messages.get(2 * hop + 1)).data()).isEqualTo(rnd(6000 + hop, 100 + hop));
            }
        }
        // the guard handled four CREATE2s; the first relay never saw plaintext it was not meant to see
        assertThat(net.peers.get(0).relay.circuitsCreated()).isEqualTo(4);
        assertThat(net.peers.get(3).relay.circuitsCreated()).isEqualTo(1);
    }

    /**
     * The client starts the next hop's handshake in a later turn while the current hop's answer
     * travels; here every scheduled task runs between two network steps, so each EXTEND2 carries a
     * handshake prepared ahead. The circuit must work byte-exact at every hop and leave no task behind.
     */
    @ParameterizedTest
    @EnumSource(RelayCryptoKind.class)
    void aHandshakePreparedWhileWaitingBuildsAWorkingCircuit(RelayCryptoKind kind) {
        TestNet net = new TestNet(4, RoutingConfig.defaults().withRelayCrypto(kind));
        echoEverywhere(net);
        TestNet.Recorder rec = new TestNet.Recorder();
        int before = net.scheduler.pending();
        CompletableFuture<ClientCircuit> f = net.peers.get(3).builder.build(net.path(0, 1, 2), rec).toCompletableFuture();
        int prepareRuns = 0;
        for (int step = 0; step < 10_000 && net.network.runUntilIdle(1) == 1; step++) {
            int pendingBefore = net.scheduler.pending();
            net.scheduler.runDue();
            if (net.scheduler.pending() < pendingBefore) prepareRuns++;
        }
        assertThat(prepareRuns).as("hops 2 and 3 prepared ahead").isEqualTo(2);
        ClientCircuit c = f.join();
        for (int hop = 0; hop < 3; hop++) c.send(hop, new RelayMessage.Data(rnd(300 + hop, hop)));
        net.network.runUntilIdle();
        assertThat(rec.closed).isEmpty();
        assertThat(rec.hops).containsExactly(0, 1, 2);
        for (int hop = 0; hop < 3; hop++) {
            assertThat(((RelayMessage.Data) rec.messages.get(hop)).data()).isEqualTo(rnd(300 + hop, hop));
        }
        assertThat(net.scheduler.pending()).as("build timer and prepare tasks all gone").isEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(RelayCryptoKind.class)
    void replayedCreate2DoesNotYieldACircuit(RelayCryptoKind kind) {
        TestNet net = new TestNet(3, RoutingConfig.defaults().withRelayCrypto(kind));
        List<byte[]> creates = new ArrayList<>();
        net.network.setTamper(frame -> {
            if (frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == CellCommand.CREATE2.code()) creates.add(frame.clone());
            return frame;
        });
        net.settle(net.peers.get(2).builder.build(net.path(0), new TestNet.Recorder()));
        assertThat(creates).hasSize(1);
        long before = net.peers.get(0).relay.circuitsCreated();

        // an attacker (peer 1) replays the captured CREATE2 on its own link to the guard
        TestNet.Peer attacker = net.peers.get(1);
        Link link = net.settle(attacker.sw.connect(net.peers.get(0).identity.nodeId(), net.peers.get(0).node.address()));
        List<Cell> answers = new ArrayList<>();
        Cell.Create2 original = (Cell.Create2) CellCodec.decode(creates.get(0));
        int id = attacker.sw.allocate(link, new CircuitSwitch.Endpoint() {
            public void onCell(Cell cell) {
                answers.add(cell);
            }

            public void onLinkClosed() {
            }
        });
        attacker.sw.send(link, new Cell.Create2(id, original.htype(), original.hdata()));
        net.network.runUntilIdle();

        assertThat(answers).containsExactly(new Cell.Destroy(id, DestroyReason.PROTOCOL));
        assertThat(net.peers.get(0).relay.circuitsCreated()).isEqualTo(before);
        assertThat(net.peers.get(0).relay.replaysRefused()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(RelayCryptoKind.class)
    void killingTheMiddleRelayTellsTheClientWhichCanRebuild(RelayCryptoKind kind) {
        TestNet net = new TestNet(5, RoutingConfig.defaults().withRelayCrypto(kind));
        echoEverywhere(net);
        TestNet.Peer client = net.peers.get(4);
        TestNet.Recorder rec = new TestNet.Recorder();
        ClientCircuit c = net.settle(client.builder.build(net.path(0, 1, 2), rec));
        net.peers.get(1).node.kill();
        net.network.runUntilIdle();
        assertThat(rec.closed).containsExactly(DestroyReason.CHANNEL_CLOSED);
        assertThat(c.isOpen()).isFalse();
        assertThat(net.peers.get(0).relay.openCircuits()).isZero();
        assertThat(net.peers.get(2).relay.openCircuits()).isZero();

        TestNet.Recorder rec2 = new TestNet.Recorder();
        ClientCircuit again = net.settle(client.builder.build(net.path(0, 3, 2), rec2));
        again.send(2, new RelayMessage.Data(rnd(10, 1)));
        net.network.runUntilIdle();
        assertThat(rec2.messages).containsExactly(new RelayMessage.Data(rnd(10, 1)));

        // extending through the dead relay fails the build instead of hanging
        CompletableFuture<ClientCircuit> dead = client.builder.build(net.path(0, 1), new TestNet.Recorder())
                .toCompletableFuture();
        net.network.runUntilIdle();
        assertThat(dead).isCompletedExceptionally();
    }

    @ParameterizedTest
    @EnumSource(RelayCryptoKind.class)
    void aTamperedCellClosesOnlyItsCircuit(RelayCryptoKind kind) {
        TestNet net = new TestNet(4, RoutingConfig.defaults().withRelayCrypto(kind));
        echoEverywhere(net);
        TestNet.Peer client = net.peers.get(3);
        TestNet.Recorder recA = new TestNet.Recorder();
        TestNet.Recorder recB = new TestNet.Recorder();
        ClientCircuit a = net.settle(client.builder.build(net.path(0, 1, 2), recA));
        ClientCircuit b = net.settle(client.builder.build(net.path(0, 1, 2), recB));
        int[] flipped = {0};
        net.network.setTamper(frame -> {
            if (flipped[0] == 0 && frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == CellCommand.RELAY.code()) {
                flipped[0]++;
                frame[100] ^= 0x01; // the first relay cell after this point: circuit a's, from the client
            }
            return frame;
        });
        a.send(2, new RelayMessage.Data(rnd(50, 1)));
        net.network.runUntilIdle();
        net.network.setTamper(f -> f);
        assertThat(flipped[0]).isEqualTo(1);
        assertThat(net.peers.get(2).relay.digestFailures()).isEqualTo(1);
        assertThat(recA.closed).containsExactly(DestroyReason.PROTOCOL);
        assertThat(recA.messages).isEmpty();

        b.send(2, new RelayMessage.Data(rnd(50, 2)));
        net.network.runUntilIdle();
        assertThat(recB.closed).isEmpty();
        assertThat(recB.messages).containsExactly(new RelayMessage.Data(rnd(50, 2)));
    }

    @ParameterizedTest
    @EnumSource(RelayCryptoKind.class)
    void garbageOnALinkClosesThatLinkWithMalformedInput(RelayCryptoKind kind) {
        TestNet net = new TestNet(2, RoutingConfig.defaults().withRelayCrypto(kind));
        Link link = net.settle(net.peers.get(1).sw.connect(net.peers.get(0).identity.nodeId(), net.peers.get(0).node.address()));
        link.send(Bytes.wrap(new byte[17]));
        net.network.runUntilIdle();
        assertThat(net.peers.get(0).sw.malformedFrames()).isEqualTo(1);
        assertThat(net.network.openLinkCount()).isZero();
        assertThatThrownBy(() -> CellCodec.decode(new byte[17])).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
    }

    @ParameterizedTest
    @EnumSource(RelayCryptoKind.class)
    void buildTimesOutOnASilentGuard(RelayCryptoKind kind) {
        TestNet net = new TestNet(2, RoutingConfig.defaults().withRelayCrypto(kind).withBuildTimeout(5_000));
        // the guard drops every cell: swap its create handler for one that says nothing
        net.peers.get(0).sw.setCreateHandler((link, cell) -> { });
        TestNet.Recorder rec = new TestNet.Recorder();
        CompletableFuture<ClientCircuit> f = net.peers.get(1).builder.build(net.path(0), rec).toCompletableFuture();
        net.network.runUntilIdle();
        assertThat(f).isNotDone();
        net.scheduler.advance(4_999);
        assertThat(f).isNotDone();
        net.scheduler.advance(1);
        net.network.runUntilIdle();
        assertThat(rec.closed).containsExactly(DestroyReason.TIMEOUT);
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(ParleyException.class);
    }

    @ParameterizedTest
    @EnumSource(RelayCryptoKind.class)
    void smallWindowStillDeliversEverythingInOrder(RelayCryptoKind kind) {
        TestNet net = new TestNet(3, RoutingConfig.defaults().withRelayCrypto(kind).withWindow(8, 4));
        echoEverywhere(net);
        TestNet.Recorder rec = new TestNet.Recorder();
        ClientCircuit c = net.settle(net.peers.get(2).builder.build(net.path(0, 1), rec));
        for (int i = 0; i < 60; i++) c.send(1, new RelayMessage.Data(rnd(20, i)));
        net.network.runUntilIdle();
        assertThat(rec.closed).isEmpty();
        assertThat(rec.messages).hasSize(60);
        for (int i = 0; i < 60; i++) assertThat(rec.messages.get(i)).isEqualTo(new RelayMessage.Data(rnd(20, i)));
    }

    @ParameterizedTest
    @EnumSource(RelayCryptoKind.class)
    void anUnfinishedFragmentRunTimesOutAndClosesTheCircuit(RelayCryptoKind kind) {
        TestNet net = new TestNet(3, RoutingConfig.defaults().withRelayCrypto(kind));
        echoEverywhere(net);
        TestNet.Recorder rec = new TestNet.Recorder();
        ClientCircuit c = net.settle(net.peers.get(2).builder.build(net.path(0, 1), rec));
        int[] relayCells = {0};
        net.network.setTamper(frame -> {
            if (frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == CellCommand.RELAY.code()) {
                relayCells[0]++;
                if (relayCells[0] == 2) return null; // drop the second (last) fragment at the first link
            }
            return frame;
        });
        c.send(1, new RelayMessage.Data(rnd(600, 1))); // two fragments
        net.network.runUntilIdle();
        assertThat(rec.closed).isEmpty();
        net.scheduler.advance(net.config.reassemblyTimeoutMillis());
        net.network.runUntilIdle();
        assertThat(rec.closed).containsExactly(DestroyReason.TIMEOUT);
        assertThat(rec.messages).isEmpty();
        assertThat(net.peers.get(1).relay.openCircuits()).isZero();
    }

    @Test
    void aNinthRelayEarlyCellClosesTheCircuitAtTheGuard() {
        TestNet net = new TestNet(3, RoutingConfig.defaults());
        List<Integer> createIds = new ArrayList<>();
        net.network.setTamper(frame -> {
            if (frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == CellCommand.CREATE2.code()) {
                createIds.add(CellCodec.decode(frame).circId());
            }
            return frame;
        });
        TestNet.Recorder rec = new TestNet.Recorder();
        net.settle(net.peers.get(2).builder.build(net.path(0, 1), rec));
        int guardCircuit = createIds.get(0); // the client's CREATE2 to the guard came first
        Link link = net.settle(net.peers.get(2).sw.connect(net.peers.get(0).identity.nodeId(),
                net.peers.get(0).node.address()));
        // the guard forwards cells it does not recognize; it sees all nine before any DESTROY comes back
        for (int i = 0; i < CircuitRelay.MAX_RELAY_EARLY; i++) {
            net.peers.get(2).sw.send(link, new Cell.RelayEarly(guardCircuit, rnd(Cell.PAYLOAD_LEN, i)));
        }
        assertThat(net.peers.get(0).relay.relayEarlyRefused()).isZero();
        net.peers.get(2).sw.send(link, new Cell.RelayEarly(guardCircuit, rnd(Cell.PAYLOAD_LEN, 99)));
        net.network.runUntilIdle();
        assertThat(net.peers.get(0).relay.relayEarlyRefused()).isEqualTo(1);
        assertThat(rec.closed).containsExactly(DestroyReason.PROTOCOL);
    }

    @Test
    void pathRulesAreChecked() {
        TestNet net = new TestNet(5, RoutingConfig.defaults());
        assertThatThrownBy(() -> net.peers.get(4).builder.build(net.path(0, 1, 0), new TestNet.Recorder()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> net.peers.get(4).builder.build(net.path(0, 1, 2, 3, 4), new TestNet.Recorder()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
