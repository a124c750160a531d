package org.parley.delivery.handshake;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.MlKem;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What a user publishes so others can start a session (PQXDH spec §3.2): identity key, a signed
 * X25519 prekey, a signed ML-KEM-768 prekey and optionally a one-time X25519 prekey.
 * {@link #decode} parses; {@link #validate()} checks the identity binding and both signatures.
 */
public record PreKeyBundle(IdentityKey identity, SignedPreKey signedPreKey, KemPreKey kemPreKey,
                           Optional<OneTimePreKey> oneTimePreKey) {

    static final Bytes SPK_CONTEXT = ascii("parley-signed-prekey-v1");
    static final Bytes KEM_CONTEXT = ascii("parley-kem-prekey-v1");

    /** A medium-term X25519 prekey signed by the identity. */
    public record SignedPreKey(long id, Bytes publicKey, Bytes signature) {
        public SignedPreKey {
            if (id < 0 || id > 0xFFFFFFFFL || publicKey.length() != 32 || signature.length() != 64) {
                throw ParleyException.malformed("signed prekey has wrong field sizes");
            }
        }

        public Bytes signedBytes() {
            return signedBytes(id, publicKey);
        }

        /** What the identity signs: {@code "parley-signed-prekey-v1" | id u32 | public key}. */
        public static Bytes signedBytes(long id, Bytes publicKey) {
            return Bytes.concat(SPK_CONTEXT, new WireWriter(4).u32(id).toBytes(), publicKey);
        }
    }

    /** A (last-resort) ML-KEM-768 prekey signed by the identity. */
    public record KemPreKey(long id, Bytes publicKey, Bytes signature) {
        public KemPreKey {
            if (id < 0 || id > 0xFFFFFFFFL || publicKey.length() != MlKem.PUBLIC_KEY_SIZE || signature.length() != 64) {
                throw ParleyException.malformed("ML-KEM prekey has wrong field sizes");
            }
        }

        public Bytes signedBytes() {
            return signedBytes(id, publicKey);
        }

        /** What the identity signs: {@code "parley-kem-prekey-v1" | id u32 | public key}. */
        public static Bytes signedBytes(long id, Bytes publicKey) {
            return Bytes.concat(KEM_CONTEXT, new WireWriter(4).u32(id).toBytes(), publicKey);
        }
    }

    /** A one-time X25519 prekey (unsigned, used once). */
    public record OneTimePreKey(long id, Bytes publicKey) {
        public OneTimePreKey {
            if (id < 0 || id > 0xFFFFFFFFL || publicKey.length() != 32) {
                throw ParleyException.malformed("one-time prekey has wrong field sizes");
            }
        }
    }

    public PreKeyBundle validate() {
        identity.validate();
        if (!identity.verify(signedPreKey.signedBytes(), signedPreKey.signature())) {
            throw ParleyException.protocol("prekey bundle: signed prekey signature invalid");
        }
        if (!identity.verify(kemPreKey.signedBytes(), kemPreKey.signature())) {
            throw ParleyException.protocol("prekey bundle: ML-KEM prekey signature invalid");
        }
        return this;
    }

    public void write(WireWriter w) {
        identity.write(w);
        w.u32(signedPreKey.id()).raw(signedPreKey.publicKey()).raw(signedPreKey.signature());
        w.u32(kemPreKey.id()).raw(kemPreKey.publicKey()).raw(kemPreKey.signature());
        if (oneTimePreKey.isPresent()) {
            w.u8(1).u32(oneTimePreKey.get().id()).raw(oneTimePreKey.get().publicKey());
        } else {
            w.u8(0);
        }
    }

    public static PreKeyBundle read(WireReader r) {
        IdentityKey ik = IdentityKey.read(r);
        SignedPreKey spk = new SignedPreKey(r.u32(), r.raw(32), r.raw(64));
        KemPreKey kem = new KemPreKey(r.u32(), r.raw(MlKem.PUBLIC_KEY_SIZE), r.raw(64));
        int flag = r.u8();
        Optional<OneTimePreKey> opk = switch (flag) {
            case 0 -> Optional.empty();
            case 1 -> Optional.of(new OneTimePreKey(r.u32(), r.raw(32)));
            default -> throw ParleyException.malformed("prekey bundle: bad one-time prekey flag " + flag);
        };
        return new PreKeyBundle(ik, spk, kem, opk);
    }

    public Bytes encode() {
        WireWriter w = new WireWriter(1500);
        write(w);
        return w.toBytes();
    }

    public static PreKeyBundle decode(Bytes b) {
        WireReader r = new WireReader(b.toArray(), "prekey bundle");
        PreKeyBundle bundle = read(r);
        r.expectEnd();
        return bundle;
    }

    private static Bytes ascii(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
