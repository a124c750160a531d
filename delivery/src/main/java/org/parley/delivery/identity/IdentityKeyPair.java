package org.parley.delivery.identity;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.Ed25519Sig;
import org.parley.delivery.crypto.X25519KeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.security.SecureRandom;

/**
 * A user's identity with its private halves: an Ed25519 seed and an X25519 private key. The
 * private values never leave except through {@link #encodePrivate()} (for encrypted storage).
 */
public final class IdentityKeyPair {
    private static final int CODEC_VERSION = 1;
    private final Bytes signingSeed;
    private final X25519KeyPair dh;
    private final IdentityKey publicKey;

    private IdentityKeyPair(Bytes signingSeed, X25519KeyPair dh) {
        this.signingSeed = signingSeed;
        this.dh = dh;
        Bytes signingPub = Ed25519Sig.publicKey(signingSeed);
        Bytes binding = Ed25519Sig.sign(signingSeed, signingPub, Bytes.concat(IdentityKey.BINDING_CONTEXT, dh.publicKey()));
        this.publicKey = new IdentityKey(signingPub, dh.publicKey(), binding);
    }

    public static IdentityKeyPair generate(SecureRandom random) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        return new IdentityKeyPair(Bytes.wrap(seed), X25519KeyPair.generate(random));
    }

    /** For tests: a deterministic identity from two 32-byte secrets. */
    public static IdentityKeyPair of(Bytes signingSeed, Bytes dhPrivate) {
        if (signingSeed.length() != 32) throw ParleyException.malformed("Ed25519 seed must be 32 bytes");
        return new IdentityKeyPair(signingSeed, X25519KeyPair.fromPrivate(dhPrivate));
    }

    public IdentityKey publicKey() {
        return publicKey;
    }

    /** The X25519 key pair used in X3DH/PQXDH. */
    public X25519KeyPair dhKeyPair() {
        return dh;
    }

    public Bytes sign(Bytes message) {
        return Ed25519Sig.sign(signingSeed, publicKey.signingKey(), message);
    }

    /** {@code version u8 = 1 | Ed25519 seed (32) | X25519 private (32)}: keep encrypted at rest. */
    public Bytes encodePrivate() {
        return new WireWriter(65).u8(CODEC_VERSION).raw(signingSeed).raw(dh.privateKey()).toBytes();
    }

    public static IdentityKeyPair decodePrivate(Bytes b) {
        WireReader r = new WireReader(b.toArray(), "identity key pair");
        int v = r.u8();
        if (v != CODEC_VERSION) throw ParleyException.malformed("identity key pair version " + v);
        Bytes seed = r.raw(32);
        Bytes dhPriv = r.raw(32);
        r.expectEnd();
        return new IdentityKeyPair(seed, X25519KeyPair.fromPrivate(dhPriv));
    }

    @Override
    public String toString() {
        return "IdentityKeyPair[" + publicKey.signingKey().slice(0, 4).hex() + "…]";
    }
}
