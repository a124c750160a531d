package org.parley.verticles.link;

import io.vertx.core.buffer.Buffer;
import org.parley.routing.cell.Cell;

import java.util.function.Consumer;

/**
 * Cuts a link's byte stream into {@link Cell#CELL_LEN}-byte frames. Each frame is copied once,
 * straight from the received buffer into a fresh array that the sink then owns (a TLS record holds
 * many cells: they all come out of one {@link #handle} call); a frame split across buffers waits
 * in a carry array of its own. Replaces Vert.x's {@code RecordParser}, which copied every frame
 * three times (into its own buffer, out as a {@code Buffer}, out as a {@code byte[]}).
 * Single-threaded (the link's event loop). Public for the bench harness
 * ({@code org.parley.bench.load.LinkPathCpu}).
 */
public final class CellFramer {
    private final Consumer<byte[]> sink;
    /** The unfinished frame, or null. */
    private byte[] carry;
    private int carried;

    public CellFramer(Consumer<byte[]> sink) {
        this.sink = sink;
    }

    /** Bytes of an unfinished frame held back. */
    public int pending() {
        return carried;
    }

    public void handle(Buffer buf) {
        int len = buf.length();
        int pos = 0;
        if (carry != null) {
            int take = Math.min(Cell.CELL_LEN - carried, len);
            buf.getBytes(0, take, carry, carried);
            carried += take;
            pos = take;
            if (carried < Cell.CELL_LEN) return;
            byte[] whole = carry;
            carry = null;
            carried = 0;
            sink.accept(whole);
        }
        while (len - pos >= Cell.CELL_LEN) {
            byte[] frame = new byte[Cell.CELL_LEN];
            buf.getBytes(pos, pos + Cell.CELL_LEN, frame, 0);
            pos += Cell.CELL_LEN;
            sink.accept(frame);
        }
        if (pos < len) {
            carry = new byte[Cell.CELL_LEN];
            buf.getBytes(pos, len, carry, 0);
            carried = len - pos;
        }
    }
}
