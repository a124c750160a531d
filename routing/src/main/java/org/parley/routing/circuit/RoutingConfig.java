package org.parley.routing.circuit;

import org.parley.core.ParleyException;

/**
 * Limits and timings of the routing layer. Defaults follow Tor where Tor has a number
 * (1000-cell window, SENDME every 100 cells). Circuits ask for CGO (tagging-resistant) by default;
 * relays accept tor1 and CGO.
 */
public record RoutingConfig(
        int circuitWindow,
        int sendmeIncrement,
        int maxQueuedCells,
        int maxMessageBytes,
        long reassemblyTimeoutMillis,
        long buildTimeoutMillis,
        long replayCacheTtlMillis,
        int replayCacheMaxEntries,
        int maxCircuitsPerLink,
        RelayCryptoKind relayCrypto,
        FloodLimits floodLimits) {

    public static RoutingConfig defaults() {
        return new RoutingConfig(1000, 100, 4096, 256 * 1024, 30_000, 10_000, 3_600_000, 200_000, 4096,
                RelayCryptoKind.CGO, FloodLimits.defaults());
    }

    /** As the canonical constructor, with {@link FloodLimits#defaults()}. */
    public RoutingConfig(int circuitWindow, int sendmeIncrement, int maxQueuedCells, int maxMessageBytes,
                         long reassemblyTimeoutMillis, long buildTimeoutMillis, long replayCacheTtlMillis,
                         int replayCacheMaxEntries, int maxCircuitsPerLink, RelayCryptoKind relayCrypto) {
        this(circuitWindow, sendmeIncrement, maxQueuedCells, maxMessageBytes, reassemblyTimeoutMillis,
                buildTimeoutMillis, replayCacheTtlMillis, replayCacheMaxEntries, maxCircuitsPerLink, relayCrypto,
                FloodLimits.defaults());
    }

    public RoutingConfig {
        if (circuitWindow <= 0 || sendmeIncrement <= 0 || sendmeIncrement > circuitWindow) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "need 0 < sendmeIncrement <= circuitWindow");
        }
        if (maxQueuedCells <= 0 || maxMessageBytes <= 0 || reassemblyTimeoutMillis <= 0 || buildTimeoutMillis <= 0
                || replayCacheTtlMillis <= 0 || replayCacheMaxEntries <= 0 || maxCircuitsPerLink <= 0) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "routing limits must be positive");
        }
        if (relayCrypto == null) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "relayCrypto must be set");
        }
        if (floodLimits == null) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "floodLimits must be set (FloodLimits.OFF for none)");
        }
    }

    /** The same limits with other {@link FloodLimits} (per-link and per-circuit request rates). */
    public RoutingConfig withFloodLimits(FloodLimits limits) {
        return new RoutingConfig(circuitWindow, sendmeIncrement, maxQueuedCells, maxMessageBytes,
                reassemblyTimeoutMillis, buildTimeoutMillis, replayCacheTtlMillis, replayCacheMaxEntries,
                maxCircuitsPerLink, relayCrypto, limits);
    }

    /** The same config with other resource limits: cells queued per circuit, reassembly bytes per circuit and direction, circuits per link. */
    public RoutingConfig withResourceLimits(int maxQueuedCells, int maxMessageBytes, int maxCircuitsPerLink) {
        return new RoutingConfig(circuitWindow, sendmeIncrement, maxQueuedCells, maxMessageBytes,
                reassemblyTimeoutMillis, buildTimeoutMillis, replayCacheTtlMillis, replayCacheMaxEntries,
                maxCircuitsPerLink, relayCrypto, floodLimits);
    }

    /** The relay crypto this node asks for when it builds circuits (relays accept both). */
    public RoutingConfig withRelayCrypto(RelayCryptoKind kind) {
        return new RoutingConfig(circuitWindow, sendmeIncrement, maxQueuedCells, maxMessageBytes,
                reassemblyTimeoutMillis, buildTimeoutMillis, replayCacheTtlMillis, replayCacheMaxEntries,
                maxCircuitsPerLink, kind, floodLimits);
    }

    public RoutingConfig withWindow(int window, int increment) {
        return new RoutingConfig(window, increment, maxQueuedCells, maxMessageBytes, reassemblyTimeoutMillis,
                buildTimeoutMillis, replayCacheTtlMillis, replayCacheMaxEntries, maxCircuitsPerLink, relayCrypto,
                floodLimits);
    }

    public RoutingConfig withBuildTimeout(long millis) {
        return new RoutingConfig(circuitWindow, sendmeIncrement, maxQueuedCells, maxMessageBytes,
                reassemblyTimeoutMillis, millis, replayCacheTtlMillis, replayCacheMaxEntries, maxCircuitsPerLink,
                relayCrypto, floodLimits);
    }
}
