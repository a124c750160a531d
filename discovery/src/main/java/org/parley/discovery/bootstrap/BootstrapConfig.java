package org.parley.discovery.bootstrap;

import org.parley.core.ParleyException;

import java.util.List;

/**
 * @param seeds               configured seeds (pinned or trust-on-first-use)
 * @param initialBackoffMillis first retry delay after a failed attempt (1 s); doubles each time
 * @param maxBackoffMillis    retry delay cap (60 s)
 * @param maxSavedPeers       last-known-good peers persisted (32)
 */
public record BootstrapConfig(List<Seed> seeds, long initialBackoffMillis, long maxBackoffMillis, int maxSavedPeers) {
    public BootstrapConfig {
        seeds = List.copyOf(seeds);
        if (initialBackoffMillis <= 0 || maxBackoffMillis < initialBackoffMillis) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "bootstrap backoff must be positive and max >= initial");
        }
        if (maxSavedPeers < 1) throw new ParleyException(ParleyException.Kind.CONFIG, "maxSavedPeers must be positive");
    }

    public static BootstrapConfig of(List<Seed> seeds) {
        return new BootstrapConfig(seeds, 1000, 60_000, 32);
    }
}
