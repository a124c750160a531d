package org.parley.delivery.crypto;

import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * XEdDSA over Curve25519 (signal.org XEdDSA spec §2–3): Ed25519-style signatures made with an
 * X25519 private key and checked against the X25519 public key.
 *
 * <p>Follows libsignal where it departs from the text: when {@code E = kB} has sign bit 0 the
 * nonce hash takes the clamped private bytes {@code k} unreduced (the spec says {@code k mod q};
 * the signature verifies either way, only the nonce differs). Verification comes in two forms:
 * {@link #verify} is the spec's (sign bit 0, {@code s < 2^253}); {@link #verifyLibsignal} takes the
 * Edwards sign bit from bit 7 of {@code sig[63]} as libsignal does, so old libsignal identity
 * signatures verify. Verification uses Bouncy Castle's Ed25519.
 *
 * <p>Signing uses a uniform-sequence ladder over {@link BigInteger}, which is not constant-time.
 * Parley's own identities sign with Ed25519 (Bouncy Castle, constant-time); XEdDSA is here for
 * interoperability and the shared vectors.
 */
public final class XEdDsa {
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger Q = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
    private static final BigInteger D = BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger D2 = D.shiftLeft(1).mod(P);
    private static final BigInteger BX = new BigInteger("15112221349535400772501151409588531511454012693041857206046113283949847762202");
    private static final BigInteger BY = new BigInteger("46316835694926478169428394003475163141307993866256225615783033603165251855960");
    private static final BigInteger[] BASE = {BX, BY, BigInteger.ONE, BX.multiply(BY).mod(P)};
    private static final BigInteger TWO_253 = BigInteger.TWO.pow(253);

    private XEdDsa() {
    }

    /** XEdDSA_sign(k, M, Z): k is an X25519 private key (clamped here), Z 64 random bytes. */
    public static Bytes sign(Bytes privateKey, Bytes message, Bytes z) {
        if (privateKey.length() != 32 || z.length() != 64) {
            throw ParleyException.malformed("XEdDSA needs a 32-byte private key and 64-byte Z");
        }
        byte[] k = privateKey.toArray();
        clamp(k);
        BigInteger kInt = le(k);
        BigInteger[] e = mul(kInt, BASE);
        byte[] eEnc = encode(e);
        boolean sign = (eEnc[31] & 0x80) != 0;
        eEnc[31] &= 0x7F; // A: E with sign bit 0
        BigInteger a = sign ? Q.subtract(kInt.mod(Q)).mod(Q) : kInt.mod(Q);
        byte[] aForNonce = sign ? toLe(a) : k; // libsignal: unreduced k when the sign bit is 0
        byte[] prefix = new byte[32];
        Arrays.fill(prefix, (byte) 0xFF);
        prefix[0] = (byte) 0xFE;
        BigInteger r = le(sha512(prefix, aForNonce, message.toArray(), z.toArray())).mod(Q);
        byte[] rEnc = encode(mul(r, BASE));
        BigInteger h = le(sha512(rEnc, eEnc, message.toArray())).mod(Q);
        BigInteger s = r.add(h.multiply(a)).mod(Q);
        byte[] sig = Arrays.copyOf(rEnc, 64);
        System.arraycopy(toLe(s), 0, sig, 32, 32);
        Arrays.fill(k, (byte) 0);
        return Bytes.wrap(sig);
    }

    /** The Edwards public key A of an X25519 private key (sign bit forced to 0). */
    public static Bytes edwardsPublicKey(Bytes privateKey) {
        byte[] k = privateKey.toArray();
        clamp(k);
        byte[] enc = encode(mul(le(k), BASE));
        enc[31] &= 0x7F;
        return Bytes.wrap(enc);
    }

    /** XEdDSA_verify as specified: A from u with sign bit 0; rejects {@code s >= 2^253}. */
    public static boolean verify(Bytes montgomeryU, Bytes message, Bytes signature) {
        if (montgomeryU.length() != 32 || signature.length() != 64) return false;
        byte[] sig = signature.toArray();
        if (le(Arrays.copyOfRange(sig, 32, 64)).compareTo(TWO_253) >= 0) return false;
        return edVerify(montgomeryU, 0, message, sig);
    }

    /** libsignal's verification: the sign bit of A is bit 7 of {@code sig[63]}, cleared before checking. */
    public static boolean verifyLibsignal(Bytes montgomeryU, Bytes message, Bytes signature) {
        if (montgomeryU.length() != 32 || signature.length() != 64) return false;
        byte[] sig = signature.toArray();
        int signBit = (sig[63] >>> 7) & 1;
        sig[63] &= 0x7F;
        return edVerify(montgomeryU, signBit, message, sig);
    }

    private static boolean edVerify(Bytes montgomeryU, int signBit, Bytes message, byte[] sig) {
        byte[] uBytes = montgomeryU.toArray();
        uBytes[31] &= 0x7F; // X25519 ignores the top bit of u
        BigInteger u = le(uBytes);
        if (u.compareTo(P) >= 0) return false;
        BigInteger denom = u.add(BigInteger.ONE).mod(P);
        if (denom.signum() == 0) return false;
        BigInteger y = u.subtract(BigInteger.ONE).multiply(denom.modInverse(P)).mod(P);
        byte[] a = toLe(y);
        a[31] |= (byte) (signBit << 7);
        byte[] m = message.toArray();
        try {
            return Ed25519.verify(sig, 0, a, 0, m, 0, m.length);
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ---- Edwards arithmetic (extended coordinates, a = -1) ---------------------------------------

    private static BigInteger[] add(BigInteger[] p1, BigInteger[] p2) {
        BigInteger a = p1[1].subtract(p1[0]).multiply(p2[1].subtract(p2[0])).mod(P);
        BigInteger b = p1[1].add(p1[0]).multiply(p2[1].add(p2[0])).mod(P);
        BigInteger c = p1[3].multiply(D2).multiply(p2[3]).mod(P);
        BigInteger d = p1[2].shiftLeft(1).multiply(p2[2]).mod(P);
        BigInteger e = b.subtract(a);
        BigInteger f = d.subtract(c);
        BigInteger g = d.add(c);
        BigInteger h = b.add(a);
        return new BigInteger[]{e.multiply(f).mod(P), g.multiply(h).mod(P), f.multiply(g).mod(P), e.multiply(h).mod(P)};
    }

    /** Montgomery ladder: one add and one double per bit whatever the bit. */
    private static BigInteger[] mul(BigInteger n, BigInteger[] pt) {
        BigInteger[] r0 = {BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE, BigInteger.ZERO};
        BigInteger[] r1 = pt;
        for (int i = 255; i >= 0; i--) {
            if (n.testBit(i)) {
                r0 = add(r0, r1);
                r1 = add(r1, r1);
            } else {
                r1 = add(r0, r1);
                r0 = add(r0, r0);
            }
        }
        return r0;
    }

    private static byte[] encode(BigInteger[] pt) {
        BigInteger zi = pt[2].modInverse(P);
        BigInteger x = pt[0].multiply(zi).mod(P);
        BigInteger y = pt[1].multiply(zi).mod(P);
        byte[] out = toLe(y);
        if (x.testBit(0)) out[31] |= (byte) 0x80;
        return out;
    }

    private static void clamp(byte[] k) {
        k[0] &= (byte) 248;
        k[31] &= 127;
        k[31] |= 64;
    }

    private static BigInteger le(byte[] b) {
        byte[] be = new byte[b.length + 1];
        for (int i = 0; i < b.length; i++) be[b.length - i] = b[i];
        return new BigInteger(be);
    }

    private static byte[] toLe(BigInteger v) {
        byte[] be = v.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) out[i] = be[be.length - 1 - i];
        return out;
    }

    private static byte[] sha512(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            for (byte[] p : parts) md.update(p);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "SHA-512 unavailable", e);
        }
    }
}
