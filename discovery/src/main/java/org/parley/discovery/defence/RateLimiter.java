package org.parley.discovery.defence;

import org.parley.core.identity.NodeId;
import org.parley.core.limit.TokenBucket;
import org.parley.core.time.Clock;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Per-peer token buckets on the injected clock: {@code ratePerSecond} tokens refill per second
 * up to {@code burst}. The map is bounded: when it reaches {@code maxPeers}, full (idle)
 * buckets are dropped first. Not thread-safe (runs on the owning event loop).
 */
public final class RateLimiter {
    private final Clock clock;
    private final double ratePerSecond;
    private final int burst;
    private final int maxPeers;
    private final Map<NodeId, TokenBucket> buckets = new HashMap<>();

    public RateLimiter(Clock clock, double ratePerSecond, int burst, int maxPeers) {
        if (ratePerSecond <= 0 || burst < 1 || maxPeers < 1) {
            throw new IllegalArgumentException("rate limiter needs a positive rate, burst and size");
        }
        this.clock = clock;
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.maxPeers = maxPeers;
    }

    /** Takes one token for {@code peer}; false when the peer is over its rate. */
    public boolean tryAcquire(NodeId peer) {
        long now = clock.nowMillis();
        TokenBucket b = buckets.get(peer);
        if (b == null) {
            if (buckets.size() >= maxPeers) prune(now);
            b = new TokenBucket(ratePerSecond, burst, now);
            buckets.put(peer, b);
        }
        return b.tryTake(now);
    }

    private void prune(long now) {
        // a full bucket remembers nothing a fresh one would not
        buckets.values().removeIf(b -> b.full(now));
        if (buckets.size() >= maxPeers) {
            // Everyone is busy: forget an arbitrary one rather than grow without bound.
            Iterator<TokenBucket> it = buckets.values().iterator();
            it.next();
            it.remove();
        }
    }

    public int trackedPeers() {
        return buckets.size();
    }
}
