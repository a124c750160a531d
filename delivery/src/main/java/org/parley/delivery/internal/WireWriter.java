package org.parley.delivery.internal;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.Arrays;

/** Appends big-endian integers and length-prefixed byte strings to a growing buffer. */
public final class WireWriter {
    private byte[] buf;
    private int len;

    public WireWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }

    public WireWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    public WireWriter u16(int v) {
        if (v < 0 || v > 0xFFFF) throw new ParleyException(ParleyException.Kind.INTERNAL, "u16 out of range: " + v);
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public WireWriter u32(long v) {
        if (v < 0 || v > 0xFFFFFFFFL) throw new ParleyException(ParleyException.Kind.INTERNAL, "u32 out of range: " + v);
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public WireWriter u64(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) buf[len++] = (byte) (v >>> (8 * i));
        return this;
    }

    public WireWriter raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    public WireWriter raw(Bytes b) {
        ensure(b.length());
        b.copyTo(buf, len);
        len += b.length();
        return this;
    }

    /** u16 length then the bytes. */
    public WireWriter bytes16(Bytes b) {
        return u16(b.length()).raw(b);
    }

    /** u32 length then the bytes. */
    public WireWriter bytes32(Bytes b) {
        return u32(b.length()).raw(b);
    }

    public int length() {
        return len;
    }

    public byte[] toArray() {
        return Arrays.copyOf(buf, len);
    }

    public Bytes toBytes() {
        return Bytes.wrap(toArray());
    }
}
