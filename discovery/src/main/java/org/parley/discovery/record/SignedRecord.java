package org.parley.discovery.record;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.internal.WireWriter;

/**
 * A signed, versioned, expiring DHT record. The signature (Ed25519 by {@code publisherKey})
 * covers every other field under a domain-separation prefix. Decoding does not check the
 * signature: {@link RecordValidator} does, as a separate step.
 *
 * @param key             32-byte DHT key the record is stored under
 * @param publisherKey    Ed25519 key of the publisher
 * @param version         newer versions replace older ones from the same publisher
 * @param expiresAtMillis absolute expiry, wall-clock millis
 * @param payload         kind-specific content ({@link RelayDescriptorCodec} or an encrypted contact)
 */
public record SignedRecord(RecordKind kind, Bytes key, Bytes publisherKey, long version, long expiresAtMillis,
                           Bytes payload, Bytes signature) {
    public static final int KEY_LENGTH = 32;
    public static final int SIGNATURE_LENGTH = 64;
    static final byte[] DOMAIN = "parley-dht-record-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    public SignedRecord {
        if (key.length() != KEY_LENGTH) throw ParleyException.malformed("record key must be 32 bytes");
        if (publisherKey.length() != 32) throw ParleyException.malformed("publisher key must be 32 bytes");
        if (signature.length() != SIGNATURE_LENGTH) throw ParleyException.malformed("record signature must be 64 bytes");
        if (payload.length() > 0xffff) throw ParleyException.malformed("record payload over 65535 bytes");
        if (version < 0) throw ParleyException.malformed("record version must not be negative");
    }

    /** The bytes the signature covers. */
    public static Bytes signedPart(RecordKind kind, Bytes key, Bytes publisherKey, long version, long expiresAtMillis, Bytes payload) {
        return new WireWriter(96 + payload.length())
                .bytes(DOMAIN).u8(kind.code()).bytes(key).bytes(publisherKey).u64(version).u64(expiresAtMillis)
                .lengthPrefixed16(payload).toBytes();
    }

    public Bytes signedPart() {
        return signedPart(kind, key, publisherKey, version, expiresAtMillis, payload);
    }

    /** Signs a new record with {@code identity}. */
    public static SignedRecord sign(NodeIdentity identity, RecordKind kind, Bytes key, long version, long expiresAtMillis, Bytes payload) {
        Bytes sig = identity.sign(signedPart(kind, key, identity.publicKey(), version, expiresAtMillis, payload));
        return new SignedRecord(kind, key, identity.publicKey(), version, expiresAtMillis, payload, sig);
    }

    public boolean expiredAt(long nowMillis) {
        return expiresAtMillis <= nowMillis;
    }

    @Override
    public String toString() {
        return "SignedRecord[" + kind + " key=" + key.hex().substring(0, 8) + " v" + version + "]";
    }
}
