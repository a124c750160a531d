package org.parley.discovery.net;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.discovery.internal.WireReader;
import org.parley.discovery.internal.WireWriter;

import java.util.Objects;

/**
 * How to reach a DHT node: its Ed25519 identity key and listening address. The node id is
 * always derived (SHA-256 of the key), never carried on the wire, so a contact cannot claim an
 * id that does not belong to its key.
 */
public final class Contact {
    public static final int KEY_LENGTH = 32;

    private final Bytes identityKey;
    private final PeerAddress address;
    private final NodeId id;

    public Contact(Bytes identityKey, PeerAddress address) {
        if (identityKey.length() != KEY_LENGTH) {
            throw ParleyException.malformed("identity key must be 32 bytes, got " + identityKey.length());
        }
        this.identityKey = identityKey;
        this.address = Objects.requireNonNull(address, "address");
        this.id = NodeId.ofIdentityKey(identityKey);
    }

    public NodeId id() {
        return id;
    }

    public Bytes identityKey() {
        return identityKey;
    }

    public PeerAddress address() {
        return address;
    }

    public void encode(WireWriter w) {
        w.bytes(identityKey);
        address.encode(w);
    }

    public static Contact decode(WireReader r) {
        return new Contact(r.bytes(KEY_LENGTH, "identity key"), PeerAddress.decode(r));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Contact c && c.identityKey.equals(identityKey) && c.address.equals(address);
    }

    @Override
    public int hashCode() {
        return identityKey.hashCode() * 31 + address.hashCode();
    }

    @Override
    public String toString() {
        return "Contact[" + id.shortHex() + "]";
    }
}
