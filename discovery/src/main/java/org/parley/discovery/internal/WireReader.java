package org.parley.discovery.internal;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/** Bounds-checked big-endian reader over a byte array. Every failure is a MALFORMED_INPUT. */
public final class WireReader {
    private final byte[] data;
    private int pos;

    public WireReader(Bytes bytes) {
        this.data = bytes.toArray();
    }

    private void need(int n, String what) {
        if (n < 0 || data.length - pos < n) {
            throw ParleyException.malformed("truncated " + what + " at offset " + pos + " (need " + n + ", have " + (data.length - pos) + ")");
        }
    }

    public int u8(String what) {
        need(1, what);
        return data[pos++] & 0xff;
    }

    public int u16(String what) {
        need(2, what);
        int v = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    public long u32(String what) {
        need(4, what);
        long v = 0;
        for (int i = 0; i < 4; i++) v = (v << 8) | (data[pos + i] & 0xff);
        pos += 4;
        return v;
    }

    public long u64(String what) {
        need(8, what);
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (data[pos + i] & 0xff);
        pos += 8;
        return v;
    }

    public Bytes bytes(int n, String what) {
        need(n, what);
        Bytes b = Bytes.of(data, pos, n);
        pos += n;
        return b;
    }

    /** A u16 length prefix, then that many bytes. */
    public Bytes lengthPrefixed16(int max, String what) {
        int n = u16(what + " length");
        if (n > max) throw ParleyException.malformed(what + " too long: " + n + " > " + max);
        return bytes(n, what);
    }

    public int remaining() {
        return data.length - pos;
    }

    public Bytes rest() {
        return bytes(remaining(), "rest");
    }

    public void expectEnd(String what) {
        if (pos != data.length) {
            throw ParleyException.malformed(what + ": " + (data.length - pos) + " trailing bytes");
        }
    }
}
