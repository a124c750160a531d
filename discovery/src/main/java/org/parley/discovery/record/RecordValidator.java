package org.parley.discovery.record;

import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.defence.ProofOfWork;

/**
 * Checks a decoded record before it is stored or believed: size, expiry window, publisher
 * proof-of-work, signature, and kind-specific rules. Stateless; throws a {@link ParleyException}
 * (RESOURCE_LIMIT for size, PROTOCOL_VIOLATION otherwise) naming the first failed check.
 */
public final class RecordValidator {
    private final RecordLimits limits;

    public RecordValidator(RecordLimits limits) {
        this.limits = limits;
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
        if (!NodeIdentity.verify(r.publisherKey(), r.signedPart(), r.signature())) {
            throw ParleyException.protocol("bad record signature");
        }
        switch (r.kind()) {
            case RELAY_DESCRIPTOR -> validateDescriptor(r, publisher, nowMillis);
            case CONTACT -> {
                if (r.payload().length() < ContactRecords.NONCE + ContactRecords.TAG) {
                    throw ParleyException.protocol("contact payload too short to be sealed");
                }
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

    private static void validateDescriptor(SignedRecord r, NodeId publisher, long now) {
        if (!r.key().equals(publisher.value())) throw ParleyException.protocol("relay descriptor not stored under its node id");
        RelayDescriptor d;
        try {
            d = RelayDescriptorCodec.decode(r.payload());
        } catch (ParleyException e) {
            throw ParleyException.protocol("relay descriptor payload: " + e.getMessage());
        }
        if (!d.identityKey().equals(r.publisherKey())) throw ParleyException.protocol("descriptor identity differs from publisher");
        if (d.onionKeyExpiresAt() <= now) throw ParleyException.protocol("onion key expired");
        if (!d.onionKeySignatureValid()) throw ParleyException.protocol("bad onion key signature");
    }
}
