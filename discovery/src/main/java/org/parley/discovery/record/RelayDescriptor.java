package org.parley.discovery.record;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.internal.WireWriter;
import org.parley.discovery.net.PeerAddress;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * A relay's self-description, the payload of a {@link RecordKind#RELAY_DESCRIPTOR} record
 * stored under the relay's node id.
 *
 * @param identityKey        Ed25519 identity key (the record's publisher key)
 * @param onionKey           current ntor onion key, X25519, 32 bytes
 * @param onionKeyExpiresAt  the onion key's own expiry (wall-clock millis)
 * @param onionKeySignature  identity signature over the onion key and its expiry
 * @param addresses          listening addresses (1..8)
 * @param family             node ids of relays run by the same operator (0..16)
 * @param bandwidthKBps      advertised bandwidth, KB/s
 * @param flags              relay / inbox / guard-capable
 * @param softwareVersion    free text, at most 64 bytes of UTF-8
 */
public record RelayDescriptor(Bytes identityKey, Bytes onionKey, long onionKeyExpiresAt, Bytes onionKeySignature,
                              List<PeerAddress> addresses, List<NodeId> family, long bandwidthKBps,
                              Set<RelayFlag> flags, String softwareVersion) {
    public static final int MAX_ADDRESSES = 8;
    public static final int MAX_FAMILY = 16;
    public static final int MAX_VERSION_BYTES = 64;
    private static final byte[] ONION_DOMAIN = "parley-ntor-onion-key-v1".getBytes(StandardCharsets.US_ASCII);

    public RelayDescriptor {
        if (identityKey.length() != 32) throw ParleyException.malformed("identity key must be 32 bytes");
        if (onionKey.length() != 32) throw ParleyException.malformed("onion key must be 32 bytes");
        if (onionKeySignature.length() != 64) throw ParleyException.malformed("onion key signature must be 64 bytes");
        if (addresses.isEmpty() || addresses.size() > MAX_ADDRESSES) throw ParleyException.malformed("a relay needs 1.." + MAX_ADDRESSES + " addresses");
        if (family.size() > MAX_FAMILY) throw ParleyException.malformed("family over " + MAX_FAMILY + " members");
        if (bandwidthKBps < 0 || bandwidthKBps > 0xffffffffL) throw ParleyException.malformed("bandwidth out of range");
        if (softwareVersion.getBytes(StandardCharsets.UTF_8).length > MAX_VERSION_BYTES) throw ParleyException.malformed("software version too long");
        addresses = List.copyOf(addresses);
        family = List.copyOf(family);
        flags = Set.copyOf(flags);
    }

    public NodeId nodeId() {
        return NodeId.ofIdentityKey(identityKey);
    }

    /** The bytes the onion-key certificate signs. */
    public static Bytes onionKeyCertified(Bytes onionKey, long expiresAt) {
        return new WireWriter(64).bytes(ONION_DOMAIN).bytes(onionKey).u64(expiresAt).toBytes();
    }

    public boolean onionKeySignatureValid() {
        return NodeIdentity.verify(identityKey, onionKeyCertified(onionKey, onionKeyExpiresAt), onionKeySignature);
    }

    /** Builds a descriptor for {@code identity}, certifying the onion key with it. */
    public static RelayDescriptor create(NodeIdentity identity, Bytes onionKey, long onionKeyExpiresAt,
                                         List<PeerAddress> addresses, List<NodeId> family, long bandwidthKBps,
                                         Set<RelayFlag> flags, String softwareVersion) {
        Bytes sig = identity.sign(onionKeyCertified(onionKey, onionKeyExpiresAt));
        return new RelayDescriptor(identity.publicKey(), onionKey, onionKeyExpiresAt, sig, addresses, family,
                bandwidthKBps, flags, softwareVersion);
    }

    /** Wraps the descriptor in a record signed by {@code identity}, keyed by its node id. */
    public SignedRecord toRecord(NodeIdentity identity, long version, long expiresAtMillis) {
        if (!identity.publicKey().equals(identityKey)) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "descriptor signed by a different identity");
        }
        return SignedRecord.sign(identity, RecordKind.RELAY_DESCRIPTOR, nodeId().value(), version, expiresAtMillis,
                RelayDescriptorCodec.encode(this));
    }
}
