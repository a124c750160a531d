package org.parley.routing.crypto;

/**
 * POLYVAL (RFC 8452 §3): the universal hash of AES-GCM-SIV, over GF(2^128) with
 * {@code x^128 + x^127 + x^126 + x^121 + 1}, little-endian field elements, and
 * {@code dot(a, b) = a·b·x^-128}. Constant-time software carry-less multiplication (no tables,
 * no secret-dependent branches) and Montgomery reduction. A fresh instance per hash; not thread-safe.
 */
final class Polyval {
    private final long hLo;
    private final long hHi;
    private final long hMid;
    private final long hLoRev;
    private final long hHiRev;
    private final long hMidRev;
    /**
     * For four blocks at a time: {@code g[k-1] = H^k·x^-128(k-1)} (k = 1..4) as lo, hi, mid and their
     * bit reversals, so {@code S' = ((S+X1)·G4 + X2·G3 + X3·G2 + X4·G1)·x^-128}: the four raw products
     * are summed (XOR is linear, and so are Karatsuba's recombination and bit reversal) and
     * recombined, reversed and reduced once.
     */
    private final long[] g;
    private long sLo;
    private long sHi;

    Polyval(byte[] key, int off) {
        this(le64(key, off), le64(key, off + 8));
    }

    private Polyval(long hLo, long hHi) {
        this.hLo = hLo;
        this.hHi = hHi;
        this.hMid = hLo ^ hHi;
        this.hLoRev = Long.reverse(hLo);
        this.hHiRev = Long.reverse(hHi);
        this.hMidRev = Long.reverse(hMid);
        this.g = new long[24];
        long pLo = hLo;
        long pHi = hHi;
        for (int k = 0; k < 4; k++) {
            if (k > 0) { // G(k+1) = dot(G(k), H)
                sLo = pLo;
                sHi = pHi;
                block(0, 0);
                pLo = sLo;
                pHi = sHi;
            }
            int o = 6 * k;
            g[o] = pLo;
            g[o + 1] = pHi;
            g[o + 2] = pLo ^ pHi;
            g[o + 3] = Long.reverse(pLo);
            g[o + 4] = Long.reverse(pHi);
            g[o + 5] = Long.reverse(pLo ^ pHi);
        }
        sLo = 0;
        sHi = 0;
    }

    /** A new hash with the same key and an empty state. */
    Polyval fresh() {
        return new Polyval(hLo, hHi);
    }

    /** Empties the state, keeping the key (reuse instead of {@link #fresh()} on hot paths). */
    void reset() {
        sLo = 0;
        sHi = 0;
    }

    /** Writes the 16-byte hash into {@code out[off..off+16]}. */
    void digestInto(byte[] out, int off) {
        put64(out, off, sLo);
        put64(out, off + 8, sHi);
    }

    /** Absorbs {@code len} bytes; a final partial block is zero-padded. */
    void update(byte[] data, int off, int len) {
        int at = off;
        int end = off + len;
        while (end - at >= 64) {
            blocks4(data, at);
            at += 64;
        }
        while (end - at >= 16) {
            block(le64(data, at), le64(data, at + 8));
            at += 16;
        }
        if (at < end) {
            long lo = 0;
            long hi = 0;
            int n = end - at;
            for (int i = n - 1; i >= 0; i--) {
                if (i >= 8) hi = (hi << 8) | (data[at + i] & 0xff);
                else lo = (lo << 8) | (data[at + i] & 0xff);
            }
            block(lo, hi); // zero-padded partial block
        }
    }

    byte[] digest() {
        byte[] out = new byte[16];
        put64(out, 0, sLo);
        put64(out, 8, sHi);
        return out;
    }

    /** Four full blocks at {@code data[at..at+64]}: one Karatsuba recombination, three bit reversals and one reduction for all four. */
    private void blocks4(byte[] data, int at) {
        long z0 = 0, z1 = 0, z2 = 0, z0h = 0, z1h = 0, z2h = 0;
        long[] gg = g;
        for (int i = 0; i < 4; i++) {
            long aLo = le64(data, at + 16 * i);
            long aHi = le64(data, at + 16 * i + 8);
            if (i == 0) {
                aLo ^= sLo;
                aHi ^= sHi;
            }
            int o = 6 * (3 - i); // block i is multiplied by G(4 - i)
            long aMid = aLo ^ aHi;
            long rLo = Long.reverse(aLo);
            long rHi = Long.reverse(aHi);
            z0 ^= bmul64(aLo, gg[o]);
            z1 ^= bmul64(aHi, gg[o + 1]);
            z2 ^= bmul64(aMid, gg[o + 2]);
            z0h ^= bmul64(rLo, gg[o + 3]);
            z1h ^= bmul64(rHi, gg[o + 4]);
            z2h ^= bmul64(rLo ^ rHi, gg[o + 5]);
        }
        reduce(z0, z1, z2, z0h, z1h, z2h);
    }

    private void block(long xLo, long xHi) {
        long aLo = sLo ^ xLo;
        long aHi = sHi ^ xHi;
        // 256-bit carry-less product a·H as four 64-bit words p0 (low) .. p3, Karatsuba: three
        // 64×64 products for the low halves and three on bit-reversed operands for the high halves
        // (the high half of a carry-less product is the reversed low half of the reversed operands).
        long aMid = aLo ^ aHi;
        long rLo = Long.reverse(aLo);
        long rHi = Long.reverse(aHi);
        reduce(bmul64(aLo, hLo), bmul64(aHi, hHi), bmul64(aMid, hMid),
                bmul64(rLo, hLoRev), bmul64(rHi, hHiRev), bmul64(rLo ^ rHi, hMidRev)); // reverse(aMid) = rLo ^ rHi
    }

    /** Karatsuba recombination of the low-half products (z) and the bit-reversed high-half ones (zh), then Montgomery reduction into the state. */
    private void reduce(long z0, long z1, long z2, long z0h, long z1h, long z2h) {
        z2 ^= z0 ^ z1;
        z2h ^= z0h ^ z1h;
        z0h = Long.reverse(z0h) >>> 1;
        z1h = Long.reverse(z1h) >>> 1;
        z2h = Long.reverse(z2h) >>> 1;
        long p0 = z0;
        long p1 = z0h ^ z2;
        long p2 = z1 ^ z2h;
        long p3 = z1h;
        // Montgomery reduction by x^128 with p = x^128 + x^127 + x^126 + x^121 + 1 (p = 1 mod x^64):
        // add p0·p, then p1·x^64·p; the low 128 bits cancel and the high 128 bits are a·H·x^-128.
        p1 ^= (p0 << 63) ^ (p0 << 62) ^ (p0 << 57);
        p2 ^= p0 ^ (p0 >>> 1) ^ (p0 >>> 2) ^ (p0 >>> 7);
        p2 ^= (p1 << 63) ^ (p1 << 62) ^ (p1 << 57);
        p3 ^= p1 ^ (p1 >>> 1) ^ (p1 >>> 2) ^ (p1 >>> 7);
        sLo = p2;
        sHi = p3;
    }

    /** Carry-less 64×64 → 128-bit product {low, high}, constant-time. */
    static long[] clmul(long x, long y) {
        long lo = bmul64(x, y);
        long hi = Long.reverse(bmul64(Long.reverse(x), Long.reverse(y))) >>> 1;
        return new long[] {lo, hi};
    }

    /**
     * Low 64 bits of the carry-less product, with integer multiplications on operands whose set
     * bits are 4 apart, so that sums never carry into a kept bit (no secret-dependent branches
     * or table lookups).
     */
    private static long bmul64(long x, long y) {
        final long m0 = 0x1111111111111111L;
        final long m1 = 0x2222222222222222L;
        final long m2 = 0x4444444444444444L;
        final long m3 = 0x8888888888888888L;
        long x0 = x & m0;
        long x1 = x & m1;
        long x2 = x & m2;
        long x3 = x & m3;
        long y0 = y & m0;
        long y1 = y & m1;
        long y2 = y & m2;
        long y3 = y & m3;
        long z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
        long z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
        long z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
        long z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
        return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
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
