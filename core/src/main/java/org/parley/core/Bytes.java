package org.parley.core;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable sequence of bytes. Records hold {@code Bytes}, never {@code byte[]}, so that a
 * value once built cannot change under whoever holds it and {@code equals} means content.
 */
public final class Bytes implements Comparable<Bytes> {
    private static final HexFormat HEX = HexFormat.of();
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] data;

    private Bytes(byte[] data) {
        this.data = data;
    }

    /** Copies {@code data}. Also how Jackson reads a {@code Bytes} (bus records travel as CBOR). */
    @com.fasterxml.jackson.annotation.JsonCreator
    public static Bytes of(byte[] data) {
        return data.length == 0 ? EMPTY : new Bytes(data.clone());
    }

    /** Copies {@code length} bytes of {@code data} from {@code offset}. */
    public static Bytes of(byte[] data, int offset, int length) {
        return new Bytes(Arrays.copyOfRange(data, offset, offset + length));
    }

    /**
     * Takes ownership of {@code data} without copying. The caller must not touch the array
     * afterwards; use only for arrays freshly produced and never shared.
     */
    public static Bytes wrap(byte[] data) {
        return new Bytes(data);
    }

    public static Bytes fromHex(String hex) {
        try {
            return new Bytes(HEX.parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new ParleyException(ParleyException.Kind.MALFORMED_INPUT, "not a hex string", e);
        }
    }

    public static Bytes concat(Bytes... parts) {
        int n = 0;
        for (Bytes p : parts) n += p.data.length;
        byte[] out = new byte[n];
        int at = 0;
        for (Bytes p : parts) {
            System.arraycopy(p.data, 0, out, at, p.data.length);
            at += p.data.length;
        }
        return new Bytes(out);
    }

    public int length() {
        return data.length;
    }

    public boolean isEmpty() {
        return data.length == 0;
    }

    public byte get(int index) {
        return data[index];
    }

    /** A copy of the content. Also how Jackson writes a {@code Bytes}. */
    @com.fasterxml.jackson.annotation.JsonValue
    public byte[] toArray() {
        return data.clone();
    }

    /** Copies the content into {@code dest} at {@code offset}. */
    public void copyTo(byte[] dest, int offset) {
        System.arraycopy(data, 0, dest, offset, data.length);
    }

    public Bytes slice(int from, int to) {
        return new Bytes(Arrays.copyOfRange(data, from, to));
    }

    public String hex() {
        return HEX.formatHex(data);
    }

    /** Constant-time comparison, for MACs and secrets. */
    public boolean constantTimeEquals(Bytes other) {
        return MessageDigest.isEqual(data, other.data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && Arrays.equals(data, b.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public int compareTo(Bytes o) {
        return Arrays.compareUnsigned(data, o.data);
    }

    /** Never the content: values may be secret. Use {@link #hex()} deliberately. */
    @Override
    public String toString() {
        return "Bytes[" + data.length + "]";
    }
}
