package org.parley.discovery.internal;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.Arrays;

/** Growable big-endian writer. */
public final class WireWriter {
    private byte[] buf;
    private int len;

    public WireWriter(int initialCapacity) {
        this.buf = new byte[Math.max(16, initialCapacity)];
    }

    public WireWriter() {
        this(128);
    }

    private void ensure(int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }

    public WireWriter u8(int v) {
        if (v < 0 || v > 0xff) throw new ParleyException(ParleyException.Kind.INTERNAL, "u8 out of range: " + v);
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    public WireWriter u16(int v) {
        if (v < 0 || v > 0xffff) throw new ParleyException(ParleyException.Kind.INTERNAL, "u16 out of range: " + v);
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public WireWriter u32(long v) {
        if (v < 0 || v > 0xffffffffL) throw new ParleyException(ParleyException.Kind.INTERNAL, "u32 out of range: " + v);
        ensure(4);
        for (int i = 3; i >= 0; i--) buf[len++] = (byte) (v >>> (8 * i));
        return this;
    }

    public WireWriter u64(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) buf[len++] = (byte) (v >>> (8 * i));
        return this;
    }

    public WireWriter bytes(Bytes b) {
        ensure(b.length());
        b.copyTo(buf, len);
        len += b.length();
        return this;
    }

    public WireWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    public WireWriter lengthPrefixed16(Bytes b) {
        u16(b.length());
        return bytes(b);
    }

    public int length() {
        return len;
    }

    public Bytes toBytes() {
        return Bytes.wrap(Arrays.copyOf(buf, len));
    }
}
