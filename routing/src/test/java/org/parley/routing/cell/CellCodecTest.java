package org.parley.routing.cell;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CellCodecTest {
    private static Bytes body(int seed) {
        byte[] b = new byte[Cell.PAYLOAD_LEN];
        new Random(seed).nextBytes(b);
        return Bytes.wrap(b);
    }

    @Test
    void everyCellKindRoundTripsThroughExactly514Bytes() {
        List<Cell> cells = List.of(
                new Cell.Create2(0x80000001, 3, Bytes.fromHex("0102030405")),
                new Cell.Created2(7, Bytes.fromHex("aabb")),
                new Cell.Relay(0xffffffff, body(1)),
                new Cell.RelayEarly(42, body(2)),
                new Cell.Destroy(9, DestroyReason.CHANNEL_CLOSED),
                new Cell.Padding(0),
                new Cell.Unrecognized(5, 77, body(3)));
        for (Cell c : cells) {
            byte[] wire = CellCodec.encode(c);
            assertThat(wire).hasSize(Cell.CELL_LEN);
            Cell back = CellCodec.decode(wire);
            assertThat(back).isEqualTo(c);
            assertThat(CellCodec.encode(back)).isEqualTo(wire);
        }
    }

    @Test
    void knownWireLayout() {
        byte[] wire = CellCodec.encode(new Cell.Create2(0x01020304, 3, Bytes.fromHex("ff")));
        assertThat(Bytes.of(wire, 0, 10).hex()).isEqualTo("010203040a00030001ff");
        assertThat(CellCommand.fromCode(10)).isEqualTo(CellCommand.CREATE2);
        assertThat(CellCommand.fromCode(200)).isNull();
    }

    @Test
    void wrongLengthOrOverlongHandshakeIsMalformed() {
        assertThatThrownBy(() -> CellCodec.decode(new byte[513])).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
        byte[] wire = new byte[Cell.CELL_LEN];
        wire[3] = 1;
        wire[4] = 10; // CREATE2
        wire[7] = (byte) 0xff; // HLEN = 0x00ff... make it 0xffff
        wire[8] = (byte) 0xff;
        assertThatThrownBy(() -> CellCodec.decode(wire)).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
    }

    @Test
    void randomGarbageNeverEscapesAsAnotherExceptionType() {
        Random r = new Random(99);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[r.nextInt(10) == 0 ? r.nextInt(1000) : Cell.CELL_LEN];
            r.nextBytes(junk);
            try {
                CellCodec.validate(CellCodec.decode(junk));
                decoded++;
            } catch (ParleyException e) {
                assertThat(e.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.PROTOCOL_VIOLATION);
            }
        }
        assertThat(decoded).isPositive();
    }

    @Test
    void validationRejectsCircuitIdZero() {
        assertThatThrownBy(() -> CellCodec.validate(new Cell.Relay(0, body(1))))
                .isInstanceOfSatisfying(ParleyException.class,
                        e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
        assertThat(CellCodec.validate(new Cell.Padding(0))).isEqualTo(new Cell.Padding(0));
    }
}
