package org.parley.routing.circuit;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCodec;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.link.Link;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The switch's relay-cell fast path gives endpoints and the wire exactly what the record path gives. */
class CircuitSwitchTest {

    private static final class FakeLink implements Link {
        final List<Bytes> sent = new ArrayList<>();
        boolean closed;

        @Override public Optional<NodeId> peer() { return Optional.empty(); }
        @Override public boolean initiator() { return true; }
        @Override public void send(Bytes frame) { sent.add(frame); }
        @Override public void close() { closed = true; }
    }

    /** Records what reaches it through onCell only (onRelay is the interface default). */
    private static final class RecordEnd implements CircuitSwitch.Endpoint {
        final List<Cell> cells = new ArrayList<>();
        @Override public void onCell(Cell cell) { cells.add(cell); }
        @Override public void onLinkClosed() { }
    }

    private static byte[] body(Random rnd) {
        byte[] b = new byte[Cell.PAYLOAD_LEN];
        rnd.nextBytes(b);
        return b;
    }

    @Test
    void relayCellsReachTheirEndpointAsTheSameCellByEitherEntry() {
        Random rnd = new Random(7);
        CircuitSwitch sw = new CircuitSwitch(rnd, 16);
        FakeLink link = new FakeLink();
        sw.onLinkOpened(link);
        RecordEnd end = new RecordEnd();
        int id = sw.allocate(link, end);
        byte[] b1 = body(rnd);
        byte[] b2 = body(rnd);
        Cell relay = new Cell.Relay(id, Bytes.of(b1));
        Cell early = new Cell.RelayEarly(id, Bytes.of(b2));
        sw.onFrame(link, CellCodec.encode(relay));             // owned array: fast path
        sw.onFrame(link, Bytes.wrap(CellCodec.encode(early))); // Bytes entry
        assertThat(end.cells).containsExactly(relay, early);
        assertThat(link.closed).isFalse();
    }

    @Test
    void anOverridingEndpointGetsTheBodyAndItsKind() {
        Random rnd = new Random(8);
        CircuitSwitch sw = new CircuitSwitch(rnd, 16);
        FakeLink link = new FakeLink();
        sw.onLinkOpened(link);
        List<String> got = new ArrayList<>();
        int id = sw.allocate(link, new CircuitSwitch.Endpoint() {
            @Override public void onCell(Cell cell) { got.add("cell " + cell.getClass().getSimpleName()); }
            @Override public void onRelay(int circId, boolean early, byte[] body) {
                got.add((early ? "early " : "relay ") + (circId == 0 ? "?" : "id") + " " + Bytes.wrap(body).hex());
            }
            @Override public void onLinkClosed() { }
        });
        byte[] b = body(rnd);
        sw.onFrame(link, CellCodec.encode(new Cell.RelayEarly(id, Bytes.of(b))));
        sw.onFrame(link, CellCodec.encode(new Cell.Destroy(id, DestroyReason.FINISHED)));
        assertThat(got).containsExactly("early id " + Bytes.of(b).hex(), "cell Destroy");
    }

    @Test
    void sendRelayWritesTheSameFrameAsTheRecordPath() {
        Random rnd = new Random(9);
        CircuitSwitch sw = new CircuitSwitch(rnd, 16);
        FakeLink link = new FakeLink();
        sw.onLinkOpened(link);
        byte[] b = body(rnd);
        for (int id : new int[] {1, 0x7fffffff, 0x80000001, -1}) {
            link.sent.clear();
            sw.sendRelay(link, id, false, b.clone());
            sw.sendRelay(link, id, true, b.clone());
            sw.send(link, new Cell.Relay(id, Bytes.of(b)));
            sw.send(link, new Cell.RelayEarly(id, Bytes.of(b)));
            assertThat(link.sent.get(0)).isEqualTo(link.sent.get(2));
            assertThat(link.sent.get(1)).isEqualTo(link.sent.get(3));
            assertThat(link.sent.get(0)).isNotEqualTo(link.sent.get(1));
        }
        assertThat(sw.cellsSent()).isEqualTo(16);
    }

    @Test
    void aRelayCellOnCircuitZeroOrOfTheWrongLengthClosesTheLink() {
        Random rnd = new Random(10);
        CircuitSwitch sw = new CircuitSwitch(rnd, 16);
        FakeLink zero = new FakeLink();
        FakeLink shortFrame = new FakeLink();
        sw.onLinkOpened(zero);
        sw.onLinkOpened(shortFrame);
        byte[] frame = CellCodec.encode(new Cell.Relay(5, Bytes.of(body(rnd))));
        frame[0] = frame[1] = frame[2] = frame[3] = 0;
        sw.onFrame(zero, frame);
        sw.onFrame(shortFrame, new byte[Cell.CELL_LEN - 1]);
        assertThat(zero.closed).isTrue();
        assertThat(shortFrame.closed).isTrue();
        assertThat(sw.malformedFrames()).isEqualTo(2);
    }

    @Test
    void aRelayCellForAnUnknownCircuitIsIgnoredAndTheLinkStays() {
        Random rnd = new Random(11);
        CircuitSwitch sw = new CircuitSwitch(rnd, 16);
        FakeLink link = new FakeLink();
        sw.onLinkOpened(link);
        RecordEnd end = new RecordEnd();
        int id = sw.allocate(link, end);
        sw.onFrame(link, CellCodec.encode(new Cell.Relay(id ^ 1, Bytes.of(body(rnd)))));
        sw.unregister(link, id);
        sw.onFrame(link, CellCodec.encode(new Cell.Relay(id, Bytes.of(body(rnd)))));
        assertThat(end.cells).isEmpty();
        assertThat(link.closed).isFalse();
        assertThat(sw.malformedFrames()).isZero();
    }
}
