package org.parley.core.identity;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** A node's 256-bit id: SHA-256 of its Ed25519 identity public key. Also a Kademlia key. */
public record NodeId(Bytes value) implements Comparable<NodeId> {
    public static final int LENGTH = 32;

    public NodeId {
        if (value.length() != LENGTH) {
            throw ParleyException.malformed("node id must be " + LENGTH + " bytes, got " + value.length());
        }
    }

    public static NodeId ofIdentityKey(Bytes ed25519PublicKey) {
        return new NodeId(Bytes.wrap(sha256(ed25519PublicKey.toArray())));
    }

    public static NodeId fromHex(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            throw ParleyException.malformed("node id must be " + 2 * LENGTH + " hex characters");
        }
        return new NodeId(Bytes.fromHex(hex));
    }

    public String hex() {
        return value.hex();
    }

    /** First 8 hex characters, enough to tell nodes apart in logs. */
    public String shortHex() {
        return value.hex().substring(0, 8);
    }

    @Override
    public int compareTo(NodeId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return "NodeId[" + shortHex() + "]";
    }

    static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
