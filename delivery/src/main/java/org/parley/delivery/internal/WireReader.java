package org.parley.delivery.internal;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/**
 * Reads what {@link WireWriter} writes. Every read is bounds-checked: running out of input is a
 * MALFORMED_INPUT {@link ParleyException} naming {@code what} is being decoded.
 */
public final class WireReader {
    private final byte[] buf;
    private int pos;
    private final int end;
    private final String what;

    public WireReader(byte[] buf, String what) {
        this(buf, 0, buf.length, what);
    }

    public WireReader(byte[] buf, int off, int len, String what) {
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
        this.what = what;
    }

    private void need(int n) {
        if (n < 0 || end - pos < n) {
            throw ParleyException.malformed(what + ": truncated (need " + n + " bytes, have " + (end - pos) + ")");
        }
    }

    public int u8() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public int u16() {
        need(2);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    public long u32() {
        need(4);
        long v = ((long) (buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    /** A u32 that must fit in a non-negative int no larger than {@code max}. */
    public int u32Bounded(int max, String field) {
        long v = u32();
        if (v > max) throw ParleyException.malformed(what + ": " + field + " = " + v + " exceeds " + max);
        return (int) v;
    }

    public long u64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (buf[pos++] & 0xFF);
        return v;
    }

    public Bytes raw(int n) {
        need(n);
        Bytes b = Bytes.of(buf, pos, n);
        pos += n;
        return b;
    }

    public byte[] rawArray(int n) {
        need(n);
        byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return b;
    }

    public Bytes bytes16() {
        return raw(u16());
    }

    public Bytes bytes32(int max) {
        return raw(u32Bounded(max, "length"));
    }

    public int remaining() {
        return end - pos;
    }

    public int position() {
        return pos;
    }

    public Bytes rest() {
        return raw(remaining());
    }

    public void expectEnd() {
        if (pos != end) throw ParleyException.malformed(what + ": " + (end - pos) + " trailing bytes");
    }
}
