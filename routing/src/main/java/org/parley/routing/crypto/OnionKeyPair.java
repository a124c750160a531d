package org.parley.routing.crypto;

import org.parley.core.Bytes;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A relay's X25519 onion key pair (the {@code b}/{@code B} of ntor). The private half stays in
 * this object; {@link #toString()} never shows it.
 */
public final class OnionKeyPair {
    private final byte[] privateKey;
    private final Bytes publicKey;

    private OnionKeyPair(byte[] privateKey) {
        this.privateKey = privateKey;
        this.publicKey = Bytes.wrap(X25519Ops.publicKey(privateKey));
    }

    public static OnionKeyPair generate(SecureRandom random) {
        return new OnionKeyPair(X25519Ops.generatePrivate(random));
    }

    /** From a known private key (tests and vectors). */
    public static OnionKeyPair fromPrivate(Bytes privateKey) {
        return new OnionKeyPair(privateKey.toArray());
    }

    public Bytes publicKey() {
        return publicKey;
    }

    /** A copy of the private key, for the relay's key file only (Tor keeps its onion keys on disk the same way). */
    public Bytes privateKeyForStorage() {
        return Bytes.wrap(privateKey.clone());
    }

    byte[] exp(byte[] point) {
        return X25519Ops.exp(point, privateKey);
    }

    public void destroy() {
        Arrays.fill(privateKey, (byte) 0);
    }

    @Override
    public String toString() {
        return "OnionKeyPair[" + publicKey.hex().substring(0, 8) + "]";
    }
}
