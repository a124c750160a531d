package org.parley.verticles.link;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.parley.routing.cell.Cell;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class CellFramerTest {

    @Test
    void anyCutOfTheStreamGivesTheSameFramesInOrderEachInItsOwnArray() {
        Random rnd = new Random(3);
        for (int round = 0; round < 200; round++) {
            int n = 1 + rnd.nextInt(40);
            byte[] stream = new byte[n * Cell.CELL_LEN];
            rnd.nextBytes(stream);
            List<byte[]> out = new ArrayList<>();
            CellFramer framer = new CellFramer(out::add);
            int at = 0;
            while (at < stream.length) {
                // pieces from 1 byte to several frames long, as TLS records and TCP reads cut them
                int len = Math.min(stream.length - at, rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(20) : 1 + rnd.nextInt(3 * Cell.CELL_LEN));
                framer.handle(Buffer.buffer().appendBytes(stream, at, len));
                at += len;
                assertThat(framer.pending()).isEqualTo(at % Cell.CELL_LEN);
                assertThat(out).hasSize(at / Cell.CELL_LEN);
            }
            assertThat(out).hasSize(n);
            IdentityHashMap<byte[], Boolean> distinct = new IdentityHashMap<>();
            for (int i = 0; i < n; i++) {
                byte[] f = out.get(i);
                assertThat(f).hasSize(Cell.CELL_LEN);
                assertThat(f).isEqualTo(java.util.Arrays.copyOfRange(stream, i * Cell.CELL_LEN, (i + 1) * Cell.CELL_LEN));
                distinct.put(f, Boolean.TRUE);
            }
            assertThat(distinct).hasSize(n);
        }
    }

    @Test
    void anEmptyBufferChangesNothing() {
        List<byte[]> out = new ArrayList<>();
        CellFramer framer = new CellFramer(out::add);
        framer.handle(Buffer.buffer(new byte[100]));
        framer.handle(Buffer.buffer());
        assertThat(framer.pending()).isEqualTo(100);
        framer.handle(Buffer.buffer(new byte[Cell.CELL_LEN - 100]));
        assertThat(out).hasSize(1);
        assertThat(framer.pending()).isZero();
    }
}
