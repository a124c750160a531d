package org.parley.discovery.defence;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.internal.Sha256;

import java.security.SecureRandom;

/**
 * S/Kademlia's static crypto puzzle on node ids. The node id stays SHA-256(identity key) (as
 * core's {@link NodeId} defines it); the puzzle is that SHA-256(node id) — i.e.
 * SHA-256(SHA-256(identity key)) — starts with at least {@code difficulty} zero bits.
 *
 * <p>Why this variant: a puzzle on the id itself (leading zeros of SHA-256(key)) would pile
 * every node into one corner of the id space and break XOR routing; a nonce-based puzzle
 * would need the nonce carried with every contact and would not change the id. Hashing the
 * id again keeps ids uniform, costs a key-generating attacker about 2^difficulty key
 * generations per usable id, and costs a verifier one SHA-256. Difficulty 0 turns it off.
 */
public final class ProofOfWork {
    private ProofOfWork() {
    }

    public static int leadingZeroBits(byte[] h) {
        int n = 0;
        for (byte b : h) {
            if (b == 0) {
                n += 8;
                continue;
            }
            return n + Integer.numberOfLeadingZeros(b & 0xff) - 24;
        }
        return n;
    }

    public static boolean satisfies(NodeId id, int difficulty) {
        if (difficulty <= 0) return true;
        return leadingZeroBits(Sha256.digest(id.value().toArray())) >= difficulty;
    }

    /** True when the identity key's node id satisfies the puzzle. */
    public static boolean satisfiesKey(Bytes identityKey, int difficulty) {
        return difficulty <= 0 || satisfies(NodeId.ofIdentityKey(identityKey), difficulty);
    }

    /**
     * Generates identities until one satisfies the puzzle, giving up after {@code maxTries}
     * (expected tries: 2^difficulty).
     */
    public static NodeIdentity mine(int difficulty, SecureRandom random, int maxTries) {
        for (int i = 0; i < maxTries; i++) {
            NodeIdentity id = NodeIdentity.generate(random);
            if (satisfies(id.nodeId(), difficulty)) return id;
            id.destroy();
        }
        throw org.parley.core.ParleyException.limit("no identity with " + difficulty + " PoW bits after " + maxTries + " tries");
    }
}
