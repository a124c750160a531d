package org.parley.verticles.gateway;

import org.parley.core.limit.TokenBucket;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets (core's {@link TokenBucket}) keyed by caller (a bearer token, or a remote address
 * for unauthenticated attempts): {@code ratePerSecond} refill, {@code burst} capacity. Bounded:
 * the least recently used keys are forgotten past {@link #MAX_KEYS}. Not thread-safe: used on the
 * gateway's event loop.
 */
public final class RateLimiter {
    static final int MAX_KEYS = 4096;

    private final int ratePerSecond;
    private final int burst;
    private final LongSupplier nanoTime;
    private final Map<String, TokenBucket> buckets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TokenBucket> eldest) {
            return size() > MAX_KEYS;
        }
    };

    public RateLimiter(int ratePerSecond, int burst, LongSupplier nanoTime) {
        if (ratePerSecond < 1 || burst < 1) throw new IllegalArgumentException("rate and burst must be at least 1");
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    private long nowMillis() {
        return nanoTime.getAsLong() / 1_000_000L;
    }

    /** Takes one token from {@code key}'s bucket; false when it is empty (the caller answers 429). */
    public boolean tryAcquire(String key) {
        long now = nowMillis();
        return buckets.computeIfAbsent(key, k -> new TokenBucket(ratePerSecond, burst, now)).tryTake(now);
    }

    /** Whole seconds until {@code key} has a token again (for Retry-After), at least 1. */
    public long retryAfterSeconds(String key) {
        TokenBucket b = buckets.get(key);
        if (b == null) return 1;
        return Math.max(1, (long) Math.ceil(b.millisUntilToken(nowMillis()) / 1000.0));
    }

    /** Keys remembered now. */
    int keys() {
        return buckets.size();
    }
}
