package org.parley.routing.hostile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.core.Bytes;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCommand;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.RelayCryptoKind;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.link.Link;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A relay (here: the link between the client and its guard, or between two relays) that flips
 * bits in cells, drops, reorders or replays them. Every such cell is rejected where it is meant
 * to be read (the last hop forward, the client backward), counted under
 * {@code parley_routing_cells_dropped_total{reason="digest"}}, and the circuit closes at every
 * hop; nothing tampered reaches a local service.
 */
class HostileRelayTest {
    enum Fault { FLIP, DROP, REORDER, REPLAY }

    static Stream<Arguments> faults() {
        List<Arguments> all = new ArrayList<>();
        for (RelayCryptoKind kind : RelayCryptoKind.values()) {
            for (Fault f : Fault.values()) all.add(Arguments.of(kind, f));
        }
        return all.stream();
    }

    private static boolean isRelay(byte[] frame) {
        return frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == CellCommand.RELAY.code();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("faults")
    void aForwardCellTamperedOnTheWayIsRejectedAtTheLastHopAndTheCircuitCloses(RelayCryptoKind kind, Fault fault) {
        HostileNet net = new HostileNet(4, RoutingConfig.defaults().withRelayCrypto(kind));
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(3, rec, 0, 1, 2);
        Link toGuard = net.link(3, 0);

        // capture the client's two cells instead of sending them
        List<byte[]> captured = new ArrayList<>();
        net.network.setTamper(frame -> {
            if (isRelay(frame)) {
                captured.add(frame.clone());
                return null;
            }
            return frame;
        });
        Bytes m1 = HostileNet.bytes(40, 1);
        Bytes m2 = HostileNet.bytes(40, 2);
        c.send(2, new RelayMessage.Data(m1));
        c.send(2, new RelayMessage.Data(m2));
        net.network.setTamper(f -> f);
        assertThat(captured).hasSize(2);
        byte[] f1 = captured.get(0);
        byte[] f2 = captured.get(1);

        List<byte[]> onWire = switch (fault) {
            case FLIP -> {
                byte[] flipped = f1.clone();
                flipped[100] ^= 0x04;
                yield List.of(flipped, f2);
            }
            case DROP -> List.of(f2);
            case REORDER -> List.of(f2, f1);
            case REPLAY -> List.of(f1, f1.clone(), f2);
        };
        for (byte[] frame : onWire) toGuard.send(Bytes.wrap(frame));
        net.network.runUntilIdle();

        // only an untouched first cell is accepted; the first bad cell closes the circuit
        List<Bytes> expected = fault == Fault.REPLAY ? List.of(m1) : List.of();
        assertThat(net.received.get(2)).containsExactlyElementsOf(expected);
        assertThat(net.metrics.get(2).count(RoutingMetrics.DIGEST)).isEqualTo(1);
        assertThat(net.metrics.get(0).count(RoutingMetrics.DIGEST)).isZero(); // relays pass on what is not theirs
        assertThat(net.metrics.get(1).count(RoutingMetrics.DIGEST)).isZero();
        assertThat(rec.closed).containsExactly(DestroyReason.PROTOCOL);
        assertThat(c.isOpen()).isFalse();
        for (int i = 0; i < 3; i++) assertThat(net.nodes.get(i).relay().openCircuits()).as("relay %d", i).isZero();
        // whatever came back before the DESTROY is the untouched echo only
        assertThat(rec.messages).allSatisfy(m -> assertThat(m).isEqualTo(new RelayMessage.Data(m1)));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(RelayCryptoKind.class)
    void aBackwardCellFlippedByTheMiddleRelayIsRejectedByTheClient(RelayCryptoKind kind) {
        HostileNet net = new HostileNet(4, RoutingConfig.defaults().withRelayCrypto(kind));
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(3, rec, 0, 1, 2);
        // relay cells in order: client->guard, guard->middle, middle->last, last->middle, middle->guard (4th after the first)
        int[] n = {0};
        net.network.setTamper(frame -> {
            if (isRelay(frame) && ++n[0] == 5) frame[60] ^= 0x10;
            return frame;
        });
        c.send(2, new RelayMessage.Data(HostileNet.bytes(30, 3)));
        net.network.runUntilIdle();
        assertThat(n[0]).isGreaterThanOrEqualTo(5);
        assertThat(net.received.get(2)).containsExactly(HostileNet.bytes(30, 3));
        assertThat(rec.messages).isEmpty();
        assertThat(net.metrics.get(3).count(RoutingMetrics.DIGEST)).isEqualTo(1);
        assertThat(rec.closed).containsExactly(DestroyReason.PROTOCOL);
        for (int i = 0; i < 3; i++) assertThat(net.nodes.get(i).relay().openCircuits()).as("relay %d", i).isZero();
    }

    @Test
    void aTamperedCircuitDoesNotDisturbAnotherCircuitOnTheSameLinks() {
        HostileNet net = new HostileNet(4, RoutingConfig.defaults());
        HostileNet.Recorder bad = new HostileNet.Recorder();
        HostileNet.Recorder good = new HostileNet.Recorder();
        ClientCircuit a = net.build(3, bad, 0, 1, 2);
        ClientCircuit b = net.build(3, good, 0, 1, 2);
        boolean[] once = {false};
        net.network.setTamper(frame -> {
            if (!once[0] && isRelay(frame)) {
                once[0] = true;
                frame[200] ^= 1;
            }
            return frame;
        });
        a.send(2, new RelayMessage.Data(HostileNet.bytes(10, 1)));
        net.network.runUntilIdle();
        b.send(2, new RelayMessage.Data(HostileNet.bytes(10, 2)));
        net.network.runUntilIdle();
        assertThat(bad.closed).containsExactly(DestroyReason.PROTOCOL);
        assertThat(good.closed).isEmpty();
        assertThat(good.messages).containsExactly(new RelayMessage.Data(HostileNet.bytes(10, 2)));
        assertThat(net.network.openLinkCount()).isEqualTo(3); // no link was closed for a bad cell on one circuit
    }
}
