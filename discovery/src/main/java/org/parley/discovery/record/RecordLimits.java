package org.parley.discovery.record;

import org.parley.core.ParleyException;

/**
 * Limits a node applies to records it accepts.
 *
 * @param maxRecordBytes   largest encoded record accepted
 * @param maxTtlMillis     how far in the future an expiry may lie
 * @param powDifficulty    leading zero bits required of SHA-256(publisher node id); 0 = off
 */
public record RecordLimits(int maxRecordBytes, long maxTtlMillis, int powDifficulty) {
    public static final RecordLimits DEFAULTS = new RecordLimits(2048, 24L * 3600 * 1000, 0);

    public RecordLimits {
        if (maxRecordBytes < RecordCodec.OVERHEAD + 16) throw new ParleyException(ParleyException.Kind.CONFIG, "maxRecordBytes too small");
        if (maxTtlMillis <= 0) throw new ParleyException(ParleyException.Kind.CONFIG, "maxTtlMillis must be positive");
        if (powDifficulty < 0 || powDifficulty > 64) throw new ParleyException(ParleyException.Kind.CONFIG, "powDifficulty must be 0..64");
    }
}
