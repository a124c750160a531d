package org.parley.delivery.identity;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.Ed25519Sig;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

/**
 * A user's public identity: an Ed25519 signing key and an X25519 key for X3DH/PQXDH, bound to
 * it by an Ed25519 signature over {@code "parley-identity-dh-v1" | dhKey}. Encoded as
 * {@code signingKey (32) | dhKey (32) | binding (64)}. {@link #decode} only parses;
 * {@link #validate()} checks the binding.
 */
public record IdentityKey(Bytes signingKey, Bytes dhKey, Bytes binding) {
    public static final int ENCODED_SIZE = 128;
    static final Bytes BINDING_CONTEXT = Bytes.wrap("parley-identity-dh-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    public IdentityKey {
        if (signingKey.length() != 32 || dhKey.length() != 32 || binding.length() != 64) {
            throw ParleyException.malformed("identity key has wrong field sizes");
        }
    }

    /** Throws PROTOCOL_VIOLATION unless the signing key signed the DH key. */
    public IdentityKey validate() {
        if (!Ed25519Sig.verify(signingKey, Bytes.concat(BINDING_CONTEXT, dhKey), binding)) {
            throw ParleyException.protocol("identity key: the X25519 key is not signed by the Ed25519 key");
        }
        return this;
    }

    /** Verifies a signature made by this identity's signing key. */
    public boolean verify(Bytes message, Bytes signature) {
        return Ed25519Sig.verify(signingKey, message, signature);
    }

    public Bytes encode() {
        return new WireWriter(ENCODED_SIZE).raw(signingKey).raw(dhKey).raw(binding).toBytes();
    }

    public static IdentityKey decode(Bytes b) {
        WireReader r = new WireReader(b.toArray(), "identity key");
        IdentityKey k = read(r);
        r.expectEnd();
        return k;
    }

    public static IdentityKey read(WireReader r) {
        return new IdentityKey(r.raw(32), r.raw(32), r.raw(64));
    }

    public void write(WireWriter w) {
        w.raw(signingKey).raw(dhKey).raw(binding);
    }
}
