package org.parley.delivery.crypto;

import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/** Ed25519 (RFC 8032) through Bouncy Castle's low-level constant-time code. */
public final class Ed25519Sig {
    private Ed25519Sig() {
    }

    public static Bytes publicKey(Bytes seed) {
        if (seed.length() != Ed25519.SECRET_KEY_SIZE) throw ParleyException.malformed("Ed25519 seed must be 32 bytes");
        byte[] pk = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(seed.toArray(), 0, pk, 0);
        return Bytes.wrap(pk);
    }

    public static Bytes sign(Bytes seed, Bytes publicKey, Bytes message) {
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        byte[] m = message.toArray();
        Ed25519.sign(seed.toArray(), 0, publicKey.toArray(), 0, m, 0, m.length, sig, 0);
        return Bytes.wrap(sig);
    }

    /** False for any malformed key or signature; never throws. */
    public static boolean verify(Bytes publicKey, Bytes message, Bytes signature) {
        if (publicKey.length() != Ed25519.PUBLIC_KEY_SIZE || signature.length() != Ed25519.SIGNATURE_SIZE) return false;
        byte[] m = message.toArray();
        try {
            return Ed25519.verify(signature.toArray(), 0, publicKey.toArray(), 0, m, 0, m.length);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
