package org.parley.verticles.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets keyed by caller (a bearer token, or a remote address for unauthenticated
 * attempts): {@code ratePerSecond} refill, {@code burst} capacity. Bounded: the least recently
 * used keys are forgotten past {@link #MAX_KEYS}. Not thread-safe: used on the gateway's event loop.
 */
public final class RateLimiter {
    static final int MAX_KEYS = 4096;

    private final double ratePerNano;
    private final double burst;
    private final LongSupplier nanoTime;
    private final Map<String, double[]> buckets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
            return size() > MAX_KEYS;
        }
    };

    public RateLimiter(int ratePerSecond, int burst, LongSupplier nanoTime) {
        if (ratePerSecond < 1 || burst < 1) throw new IllegalArgumentException("rate and burst must be at least 1");
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /** Takes one token from {@code key}'s bucket; false when it is empty (the caller answers 429). */
    public boolean tryAcquire(String key) {
        long now = nanoTime.getAsLong();
        double[] b = buckets.get(key);
        if (b == null) {
            b = new double[]{burst, now};
            buckets.put(key, b);
        }
        double tokens = Math.min(burst, b[0] + (now - (long) b[1]) * ratePerNano);
        b[1] = now;
        if (tokens < 1) {
            b[0] = tokens;
            return false;
        }
        b[0] = tokens - 1;
        return true;
    }

    /** Whole seconds until {@code key} has a token again (for Retry-After), at least 1. */
    public long retryAfterSeconds(String key) {
        double[] b = buckets.get(key);
        if (b == null) return 1;
        double missing = 1 - b[0];
        return Math.max(1, (long) Math.ceil(missing / (ratePerNano * 1e9)));
    }
}
