package org.parley.discovery.defence;

import org.parley.core.identity.NodeId;
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
    private final double ratePerMilli;
    private final double burst;
    private final int maxPeers;
    private final Map<NodeId, Bucket> buckets = new HashMap<>();

    private static final class Bucket {
        double tokens;
        long last;
    }

    public RateLimiter(Clock clock, double ratePerSecond, int burst, int maxPeers) {
        if (ratePerSecond <= 0 || burst < 1 || maxPeers < 1) {
            throw new IllegalArgumentException("rate limiter needs a positive rate, burst and size");
        }
        this.clock = clock;
        this.ratePerMilli = ratePerSecond / 1000.0;
        this.burst = burst;
        this.maxPeers = maxPeers;
    }

    /** Takes one token for {@code peer}; false when the peer is over its rate. */
    public boolean tryAcquire(NodeId peer) {
        long now = clock.nowMillis();
        Bucket b = buckets.get(peer);
        if (b == null) {
            if (buckets.size() >= maxPeers) prune(now);
            b = new Bucket();
            b.tokens = burst;
            b.last = now;
            buckets.put(peer, b);
        } else {
            long dt = Math.max(0, now - b.last);
            b.tokens = Math.min(burst, b.tokens + dt * ratePerMilli);
            b.last = now;
        }
        if (b.tokens >= 1.0) {
            b.tokens -= 1.0;
            return true;
        }
        return false;
    }

    private void prune(long now) {
        Iterator<Bucket> it = buckets.values().iterator();
        while (it.hasNext()) {
            Bucket b = it.next();
            if (b.tokens + (now - b.last) * ratePerMilli >= burst) it.remove();
        }
        if (buckets.size() >= maxPeers) {
            // Everyone is busy: forget an arbitrary one rather than grow without bound.
            it = buckets.values().iterator();
            it.next();
            it.remove();
        }
    }

    public int trackedPeers() {
        return buckets.size();
    }
}
