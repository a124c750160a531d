package org.parley.routing.cell;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/** Bounds-checked big-endian reader; running past the end is MALFORMED_INPUT. Package-private. */
final class Reader {
    private final byte[] buf;
    private int at;
    private final int end;
    private final String prefix;
    private final Object what;

    Reader(byte[] buf, int from, int end, String what) {
        this(buf, from, end, "", what);
    }

    /**
     * Error context {@code prefix + what}, concatenated only when an error is reported (the
     * readers of every relayed cell should not build a string per cell).
     */
    Reader(byte[] buf, int from, int end, String prefix, Object what) {
        this.buf = buf;
        this.at = from;
        this.end = end;
        this.prefix = prefix;
        this.what = what;
    }

    private String what() {
        return prefix + what;
    }

    private void need(int n) {
        if (n < 0 || end - at < n) {
            throw ParleyException.malformed(what() + ": truncated (need " + n + " bytes at offset " + at + ")");
        }
    }

    int u8() {
        need(1);
        return buf[at++] & 0xff;
    }

    int u16() {
        need(2);
        int v = ((buf[at] & 0xff) << 8) | (buf[at + 1] & 0xff);
        at += 2;
        return v;
    }

    long u32() {
        need(4);
        long v = ((long) (buf[at] & 0xff) << 24) | ((buf[at + 1] & 0xff) << 16) | ((buf[at + 2] & 0xff) << 8)
                | (buf[at + 3] & 0xff);
        at += 4;
        return v;
    }

    Bytes bytes(int n) {
        need(n);
        Bytes b = Bytes.of(buf, at, n);
        at += n;
        return b;
    }

    Bytes rest() {
        return bytes(end - at);
    }

    int remaining() {
        return end - at;
    }

    void expectEnd() {
        if (at != end) {
            throw ParleyException.malformed(what() + ": " + (end - at) + " trailing bytes");
        }
    }
}
