package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;

import java.security.SecureRandom;
import java.util.Comparator;
import java.util.Random;

/** XOR metric on 256-bit ids. */
public final class Distance {
    public static final int BITS = 256;

    private Distance() {
    }

    public static Bytes xor(Bytes a, Bytes b) {
        byte[] out = new byte[32];
        for (int i = 0; i < 32; i++) out[i] = (byte) (a.get(i) ^ b.get(i));
        return Bytes.wrap(out);
    }

    public static Bytes xor(NodeId a, NodeId b) {
        return xor(a.value(), b.value());
    }

    /** Compares |a - target| with |b - target| in the XOR metric, without allocating. */
    public static int compare(Bytes a, Bytes b, Bytes target) {
        for (int i = 0; i < 32; i++) {
            int t = target.get(i) & 0xff;
            int da = (a.get(i) & 0xff) ^ t;
            int db = (b.get(i) & 0xff) ^ t;
            if (da != db) return Integer.compare(da, db);
        }
        return 0;
    }

    public static Comparator<NodeId> closerTo(Bytes target) {
        return (x, y) -> compare(x.value(), y.value(), target);
    }

    /** Number of leading bits {@code a} and {@code b} share (256 when equal). */
    public static int commonPrefixLength(Bytes a, Bytes b) {
        for (int i = 0; i < 32; i++) {
            int x = (a.get(i) ^ b.get(i)) & 0xff;
            if (x != 0) return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
        }
        return BITS;
    }

    /** A random id sharing exactly {@code prefixBits} leading bits with {@code base} (prefixBits < 256). */
    public static Bytes randomWithPrefix(Bytes base, int prefixBits, Random random) {
        byte[] out = new byte[32];
        random.nextBytes(out);
        byte[] b = base.toArray();
        for (int bit = 0; bit <= prefixBits && bit < BITS; bit++) {
            int i = bit / 8;
            int mask = 0x80 >>> (bit % 8);
            int want = (b[i] & mask);
            if (bit == prefixBits) want ^= mask; // first differing bit
            out[i] = (byte) ((out[i] & ~mask) | want);
        }
        return Bytes.wrap(out);
    }

    public static Bytes random(Random random) {
        byte[] out = new byte[32];
        random.nextBytes(out);
        return Bytes.wrap(out);
    }

    static SecureRandom secure() {
        return new SecureRandom();
    }
}
