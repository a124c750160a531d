package org.parley.discovery.record;

import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.defence.ProofOfWork;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks a decoded record before it is stored or believed: size, expiry window, publisher
 * proof-of-work, signature, and kind-specific rules. Throws a {@link ParleyException}
 * (RESOURCE_LIMIT for size, PROTOCOL_VIOLATION otherwise) naming the first failed check.
 *
 * <p>The same records come back on every directory sync and lookup (each relay descriptor from
 * many peers, every few seconds), and their two Ed25519 verifications were most of a node's CPU
 * while a network forms. So the validator remembers, in a bounded LRU set, records whose
 * signatures it has checked; a record equal in every field (signature included) skips only the
 * signature checks — size, expiry and the other rules run every time. A record whose checks
 * failed is never remembered. Thread-safe.
 */
public final class RecordValidator {
    /** How many verified records are remembered (a few hundred bytes each). */
    public static final int VERIFIED_CACHE_SIZE = 4096;

    private final RecordLimits limits;
    private final Map<SignedRecord, Boolean> verified = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<SignedRecord, Boolean> eldest) {
            return size() > VERIFIED_CACHE_SIZE;
        }
    };
    private long signatureChecks;

    public RecordValidator(RecordLimits limits) {
        this.limits = limits;
    }

    /** How many records had their signatures actually verified (not answered from the cache). */
    public synchronized long signatureChecks() {
        return signatureChecks;
    }

    public RecordLimits limits() {
        return limits;
    }

    public void validate(SignedRecord r, long nowMillis) {
        int size = RecordCodec.encodedLength(r);
        if (size > limits.maxRecordBytes()) {
            throw ParleyException.limit("record of " + size + " bytes over the " + limits.maxRecordBytes() + " limit");
        }
        if (r.expiredAt(nowMillis)) throw ParleyException.protocol("record expired");
        if (r.expiresAtMillis() - nowMillis > limits.maxTtlMillis()) throw ParleyException.protocol("record expiry too far in the future");
        NodeId publisher = NodeId.ofIdentityKey(r.publisherKey());
        if (!ProofOfWork.satisfies(publisher, limits.powDifficulty())) {
            throw ParleyException.protocol("publisher id fails the proof-of-work (" + limits.powDifficulty() + " bits)");
        }
        boolean known;
        synchronized (this) {
            known = verified.get(r) != null;
        }
        if (!known && !NodeIdentity.verify(r.publisherKey(), r.signedPart(), r.signature())) {
            throw ParleyException.protocol("bad record signature");
        }
        switch (r.kind()) {
            case RELAY_DESCRIPTOR -> validateDescriptor(r, publisher, nowMillis, known);
            case CONTACT -> {
                if (r.payload().length() < ContactRecords.NONCE + ContactRecords.TAG) {
                    throw ParleyException.protocol("contact payload too short to be sealed");
                }
            }
        }
        if (!known) {
            synchronized (this) {
                verified.put(r, Boolean.TRUE);
                signatureChecks++;
            }
        }
    }

    /** Like {@link #validate} but answers instead of throwing. */
    public boolean isValid(SignedRecord r, long nowMillis) {
        try {
            validate(r, nowMillis);
            return true;
        } catch (ParleyException e) {
            return false;
        }
    }

    private static void validateDescriptor(SignedRecord r, NodeId publisher, long now, boolean signaturesKnown) {
        if (!r.key().equals(publisher.value())) throw ParleyException.protocol("relay descriptor not stored under its node id");
        RelayDescriptor d;
        try {
            d = RelayDescriptorCodec.decode(r.payload());
        } catch (ParleyException e) {
            throw ParleyException.protocol("relay descriptor payload: " + e.getMessage());
        }
        if (!d.identityKey().equals(r.publisherKey())) throw ParleyException.protocol("descriptor identity differs from publisher");
        if (d.onionKeyExpiresAt() <= now) throw ParleyException.protocol("onion key expired");
        if (!signaturesKnown && !d.onionKeySignatureValid()) throw ParleyException.protocol("bad onion key signature");
    }
}
