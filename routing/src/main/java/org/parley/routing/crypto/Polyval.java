package org.parley.routing.crypto;

/**
 * POLYVAL (RFC 8452 §3): the universal hash of AES-GCM-SIV, over GF(2^128) with
 * {@code x^128 + x^127 + x^126 + x^121 + 1}, little-endian field elements, and
 * {@code dot(a, b) = a·b·x^-128}. Bitwise implementation (constant-time, not table-driven):
 * adequate for CGO's few blocks per cell, not tuned. A fresh instance per hash; not thread-safe.
 */
final class Polyval {
    private final long hLo;
    private final long hHi;
    private long sLo;
    private long sHi;

    Polyval(byte[] key, int off) {
        hLo = le64(key, off);
        hHi = le64(key, off + 8);
    }

    private Polyval(long hLo, long hHi) {
        this.hLo = hLo;
        this.hHi = hHi;
    }

    /** A new hash with the same key and an empty state. */
    Polyval fresh() {
        return new Polyval(hLo, hHi);
    }

    /** Absorbs {@code len} bytes; a final partial block is zero-padded. */
    void update(byte[] data, int off, int len) {
        int at = off;
        int end = off + len;
        while (end - at >= 16) {
            block(le64(data, at), le64(data, at + 8));
            at += 16;
        }
        if (at < end) {
            byte[] pad = new byte[16];
            System.arraycopy(data, at, pad, 0, end - at);
            block(le64(pad, 0), le64(pad, 8));
        }
    }

    byte[] digest() {
        byte[] out = new byte[16];
        put64(out, 0, sLo);
        put64(out, 8, sHi);
        return out;
    }

    private void block(long xLo, long xHi) {
        long aLo = sLo ^ xLo;
        long aHi = sHi ^ xHi;
        // acc = sum over bits b_i of H: b_i * a * x^(i-128), by adding then dividing by x 128 times
        long accLo = 0;
        long accHi = 0;
        for (int i = 0; i < 128; i++) {
            long bit = i < 64 ? (hLo >>> i) & 1 : (hHi >>> (i - 64)) & 1;
            long mask = -bit;
            accLo ^= aLo & mask;
            accHi ^= aHi & mask;
            long carry = accLo & 1;
            long cm = -carry;
            accLo ^= cm & 1L;
            accHi ^= cm & ((1L << 63) | (1L << 62) | (1L << 57));
            accLo = (accLo >>> 1) | (accHi << 63);
            accHi = (accHi >>> 1) | (carry << 63);
        }
        sLo = accLo;
        sHi = accHi;
    }

    private static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xff);
        return v;
    }

    private static void put64(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) b[off + i] = (byte) (v >>> (8 * i));
    }
}
