package org.parley.delivery.crypto;

import org.bouncycastle.math.ec.rfc7748.X25519;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/** X25519 agreement through Bouncy Castle's low-level RFC 7748 code. */
public final class Dh {
    private Dh() {
    }

    /**
     * X25519(priv, pub). Throws PROTOCOL_VIOLATION when the result is all zero (a small-order
     * public key), as X3DH and the Double Ratchet require contributory DH.
     */
    public static byte[] agree(Bytes privateKey, Bytes publicKey) {
        if (privateKey.length() != X25519.SCALAR_SIZE || publicKey.length() != X25519.POINT_SIZE) {
            throw ParleyException.malformed("X25519 keys must be 32 bytes");
        }
        byte[] out = new byte[X25519.POINT_SIZE];
        if (!X25519.calculateAgreement(privateKey.toArray(), 0, publicKey.toArray(), 0, out, 0)) {
            throw ParleyException.protocol("X25519 agreement gave the all-zero value (small-order public key)");
        }
        return out;
    }
}
