package org.parley.verticles.gateway;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTest {
    @Test
    void eachKeyGetsItsBurstThenItsRateAndARetryAfter() {
        AtomicLong nanos = new AtomicLong(5_000_000_000L);
        RateLimiter l = new RateLimiter(2, 3, nanos::get);
        for (int i = 0; i < 3; i++) assertThat(l.tryAcquire("a")).isTrue();
        assertThat(l.tryAcquire("a")).isFalse();
        assertThat(l.retryAfterSeconds("a")).isEqualTo(1); // half a second at 2 a second, rounded up
        assertThat(l.tryAcquire("b")).isTrue(); // another caller's bucket
        nanos.addAndGet(500_000_000L);
        assertThat(l.tryAcquire("a")).isTrue();
        assertThat(l.tryAcquire("a")).isFalse();
        assertThat(l.retryAfterSeconds("unknown")).isEqualTo(1);
    }

    @Test
    void retryAfterCountsWholeSecondsAtASlowRate() {
        AtomicLong nanos = new AtomicLong();
        RateLimiter l = new RateLimiter(1, 1, nanos::get);
        assertThat(l.tryAcquire("k")).isTrue();
        assertThat(l.tryAcquire("k")).isFalse();
        nanos.addAndGet(100_000_000L);
        assertThat(l.retryAfterSeconds("k")).isEqualTo(1); // 0.9 s
    }

    @Test
    void keysAreBoundedLeastRecentlyUsedFirst() {
        AtomicLong nanos = new AtomicLong();
        RateLimiter l = new RateLimiter(1, 1, nanos::get);
        for (int i = 0; i < RateLimiter.MAX_KEYS + 100; i++) l.tryAcquire("k" + i);
        assertThat(l.keys()).isEqualTo(RateLimiter.MAX_KEYS);
        assertThat(l.tryAcquire("k0")).isTrue(); // forgotten, so a fresh bucket
        assertThat(l.tryAcquire("k" + (RateLimiter.MAX_KEYS + 99))).isFalse(); // still remembered, empty
    }

    @Test
    void rateAndBurstMustBePositive() {
        assertThatThrownBy(() -> new RateLimiter(0, 1, System::nanoTime)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(1, 0, System::nanoTime)).isInstanceOf(IllegalArgumentException.class);
    }
}
