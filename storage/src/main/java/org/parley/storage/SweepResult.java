package org.parley.storage;

/** How many expired entries one {@link Store#sweepExpired(long)} removed. */
public record SweepResult(long envelopes, long replayTags, long dhtRecords) {
    public long total() {
        return envelopes + replayTags + dhtRecords;
    }
}
