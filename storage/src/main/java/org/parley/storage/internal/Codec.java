package org.parley.storage.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/** Key layout helpers and a tiny length-prefixed value format. */
public final class Codec {
    private Codec() {
    }

    /** Checks that an id fits a one-byte length prefix. */
    public static Bytes id(Bytes id, String what) {
        if (id == null || id.isEmpty() || id.length() > 255) {
            throw ParleyException.malformed(what + " must be 1..255 bytes");
        }
        return id;
    }

    public static byte[] name(String name, String what) {
        if (name == null || name.isEmpty()) throw ParleyException.malformed(what + " must not be empty");
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length > 1024) throw ParleyException.malformed(what + " longer than 1024 bytes");
        return b;
    }

    public static void putLong(byte[] dst, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            dst[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    public static long getLong(byte[] src, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (src[at + i] & 0xff);
        return v;
    }

    public static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        putLong(b, 0, v);
        return b;
    }

    /** len(id) id. */
    public static byte[] prefix(Bytes id) {
        byte[] out = new byte[1 + id.length()];
        out[0] = (byte) id.length();
        id.copyTo(out, 1);
        return out;
    }

    /** len(id) id n(8). */
    public static byte[] prefixed(Bytes id, long n) {
        byte[] out = new byte[1 + id.length() + 8];
        out[0] = (byte) id.length();
        id.copyTo(out, 1);
        putLong(out, 1 + id.length(), n);
        return out;
    }

    /** The smallest key greater than every key starting with {@code prefix}, or null if none. */
    public static byte[] successor(byte[] prefix) {
        byte[] s = prefix.clone();
        for (int i = s.length - 1; i >= 0; i--) {
            if (s[i] != (byte) 0xff) {
                s[i]++;
                return java.util.Arrays.copyOf(s, i + 1);
            }
        }
        return null;
    }

    /** Expiry index key: expiresAt(8) cfId(1) key. */
    public static byte[] expiryKey(long expiresAt, Cf cf, byte[] key) {
        byte[] out = new byte[9 + key.length];
        putLong(out, 0, Math.max(0, expiresAt));
        out[8] = (byte) cf.id();
        System.arraycopy(key, 0, out, 9, key.length);
        return out;
    }

    /** Writes length-prefixed fields. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

        public Writer u8(int v) {
            out.write(v);
            return this;
        }

        public Writer i64(long v) {
            out.writeBytes(longBytes(v));
            return this;
        }

        public Writer bytes(Bytes b) {
            int n = b.length();
            out.write(n >>> 24);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
            out.writeBytes(b.toArray());
            return this;
        }

        public Writer str(String s) {
            return bytes(Bytes.wrap(s.getBytes(StandardCharsets.UTF_8)));
        }

        public byte[] toArray() {
            return out.toByteArray();
        }
    }

    /** Reads what {@link Writer} wrote; a short or inconsistent value is an INTERNAL error (corruption). */
    public static final class Reader {
        private final byte[] src;
        private int at;

        public Reader(byte[] src) {
            this.src = src;
        }

        private void need(int n) {
            if (n < 0 || src.length - at < n) {
                throw new ParleyException(ParleyException.Kind.INTERNAL, "corrupt stored value");
            }
        }

        public int u8() {
            need(1);
            return src[at++] & 0xff;
        }

        public long i64() {
            need(8);
            long v = getLong(src, at);
            at += 8;
            return v;
        }

        public Bytes bytes() {
            need(4);
            int n = ((src[at] & 0xff) << 24) | ((src[at + 1] & 0xff) << 16) | ((src[at + 2] & 0xff) << 8)
                    | (src[at + 3] & 0xff);
            at += 4;
            need(n);
            Bytes b = Bytes.of(src, at, n);
            at += n;
            return b;
        }

        public String str() {
            return new String(bytes().toArray(), StandardCharsets.UTF_8);
        }

        public void end() {
            if (at != src.length) throw new ParleyException(ParleyException.Kind.INTERNAL, "corrupt stored value");
        }
    }
}
