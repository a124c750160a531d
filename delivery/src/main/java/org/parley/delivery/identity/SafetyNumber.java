package org.parley.delivery.identity;

import org.parley.core.ParleyException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A 60-digit safety number for two identities, computed like Signal's numeric fingerprint
 * (version 0): for each party, {@code H = SHA-512(0x0000 | key | id)} then 5199 times
 * {@code H = SHA-512(H | key)}; the first 30 bytes give six 5-digit groups (each 5-byte chunk,
 * big-endian, mod 100000). The two 30-digit halves are joined smaller first, so both users see
 * the same number. Here {@code key} is {@code Ed25519 key | X25519 key} and {@code id} is empty
 * (Parley has no phone numbers or account ids).
 */
public final class SafetyNumber {
    public static final int ITERATIONS = 5200;
    private final String digits;

    private SafetyNumber(String digits) {
        this.digits = digits;
    }

    public static SafetyNumber of(IdentityKey a, IdentityKey b) {
        String da = half(a);
        String db = half(b);
        return new SafetyNumber(da.compareTo(db) <= 0 ? da + db : db + da);
    }

    /** 60 digits, no spaces. */
    public String digits() {
        return digits;
    }

    /** 12 groups of 5 digits separated by spaces, for display. */
    public String display() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < digits.length(); i += 5) {
            if (i > 0) sb.append(' ');
            sb.append(digits, i, i + 5);
        }
        return sb.toString();
    }

    /** Compares with what the other user read out or typed (spaces ignored), in constant time. */
    public boolean matches(String other) {
        String o = other == null ? "" : other.replace(" ", "");
        return MessageDigest.isEqual(digits.getBytes(), o.getBytes());
    }

    static String half(IdentityKey k) {
        byte[] key = new byte[64];
        k.signingKey().copyTo(key, 0);
        k.dhKey().copyTo(key, 32);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            md.update(new byte[]{0, 0});
            md.update(key);
            byte[] h = md.digest();
            for (int i = 1; i < ITERATIONS; i++) {
                md.update(h);
                md.update(key);
                h = md.digest();
            }
            StringBuilder sb = new StringBuilder(30);
            for (int c = 0; c < 6; c++) {
                long v = 0;
                for (int j = 0; j < 5; j++) v = (v << 8) | (h[c * 5 + j] & 0xFF);
                sb.append(String.format("%05d", v % 100000));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "SHA-512 unavailable", e);
        }
    }

    @Override
    public String toString() {
        return display();
    }
}
