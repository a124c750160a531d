package org.parley.delivery.ratchet;

import org.parley.core.ParleyException;

/**
 * Parameters of one Double Ratchet session.
 *
 * @param profile              the key schedule's concrete choices
 * @param headerEncryption     the spec's §4 variant: headers encrypted under rotating header keys
 * @param maxSkip              most message keys one incoming message may make us skip (spec MAX_SKIP)
 * @param maxStoredSkippedKeys most skipped keys kept in all; the oldest are dropped beyond it
 */
public record RatchetParams(KdfProfile profile, boolean headerEncryption, int maxSkip, int maxStoredSkippedKeys) {
    public static final RatchetParams PARLEY = new RatchetParams(KdfProfile.PARLEY_V1, true, 1000, 2000);
    public static final RatchetParams LIBSIGNAL = new RatchetParams(KdfProfile.LIBSIGNAL_V3, false, 2000, 2000);

    public RatchetParams {
        if (profile == null) throw new ParleyException(ParleyException.Kind.CONFIG, "profile must be set");
        if (maxSkip < 0 || maxSkip > 100_000) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "maxSkip must be 0..100000");
        }
        if (maxStoredSkippedKeys < maxSkip || maxStoredSkippedKeys > 1_000_000) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "maxStoredSkippedKeys must be maxSkip..1000000");
        }
    }

    public RatchetParams withHeaderEncryption(boolean on) {
        return new RatchetParams(profile, on, maxSkip, maxStoredSkippedKeys);
    }

    public RatchetParams withMaxSkip(int skip, int stored) {
        return new RatchetParams(profile, headerEncryption, skip, stored);
    }
}
