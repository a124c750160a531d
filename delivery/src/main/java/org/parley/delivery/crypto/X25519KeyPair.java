package org.parley.delivery.crypto;

import org.bouncycastle.math.ec.rfc7748.X25519;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.security.SecureRandom;

/**
 * An X25519 key pair (32-byte private scalar, 32-byte public u-coordinate). {@code toString}
 * never shows the private key ({@link Bytes#toString()} shows only a length).
 */
public record X25519KeyPair(Bytes privateKey, Bytes publicKey) {
    public static final int KEY_SIZE = 32;

    public X25519KeyPair {
        if (privateKey.length() != KEY_SIZE || publicKey.length() != KEY_SIZE) {
            throw ParleyException.malformed("X25519 keys are 32 bytes");
        }
    }

    public static X25519KeyPair generate(SecureRandom random) {
        byte[] priv = new byte[KEY_SIZE];
        X25519.generatePrivateKey(random, priv);
        return fromPrivate(Bytes.wrap(priv));
    }

    /** The key pair of a given private scalar (public key = X25519(priv, 9)). */
    public static X25519KeyPair fromPrivate(Bytes privateKey) {
        if (privateKey.length() != KEY_SIZE) {
            throw ParleyException.malformed("X25519 private key must be 32 bytes");
        }
        byte[] pub = new byte[KEY_SIZE];
        X25519.scalarMultBase(privateKey.toArray(), 0, pub, 0);
        return new X25519KeyPair(privateKey, Bytes.wrap(pub));
    }

    /** DH(this private key, their public key); rejects a non-contributory (all-zero) result. */
    public byte[] agree(Bytes theirPublic) {
        return Dh.agree(privateKey, theirPublic);
    }
}
