package org.parley.core.limit;

/**
 * A token bucket on a millisecond clock: holds at most {@code burst} tokens, refills at
 * {@code perSecond}, starts full. {@link #tryTake} spends one token if there is one. Also keeps
 * {@link #strikes()}: refusals, forgiven at the bucket's own rate, so a burst refused now and then
 * stays low while a peer that keeps pushing past the rate (faster than the rate again) piles them
 * up; a peer trickling at twice the rate gains a strike for every request it gets through. A rate
 * of 0 or less means no limit (every take succeeds). Single-threaded; a clock that goes back
 * refills nothing.
 */
public final class TokenBucket {
    private final double perMilli;
    private final double burst;
    private double tokens;
    private long last;
    private double strikes;

    public TokenBucket(double perSecond, int burst, long nowMillis) {
        this.perMilli = perSecond / 1000.0;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.last = nowMillis;
    }

    public boolean unlimited() {
        return perMilli <= 0;
    }

    /** True if one token was there (and is now spent); false (a refusal, counted) if not. */
    public boolean tryTake(long nowMillis) {
        if (unlimited()) return true;
        refill(nowMillis);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        strikes++;
        return false;
    }

    /** True if a token is there now (spends nothing). */
    public boolean hasToken(long nowMillis) {
        if (unlimited()) return true;
        refill(nowMillis);
        return tokens >= 1;
    }

    /** Counts a refusal made for another reason (another bucket was empty) as a strike. */
    public void refused(long nowMillis) {
        refill(nowMillis);
        strikes++;
    }

    /** True if the bucket has refilled to its burst by {@code nowMillis} (it remembers nothing a fresh one would not). */
    public boolean full(long nowMillis) {
        refill(nowMillis);
        return tokens >= burst;
    }

    /** Milliseconds from {@code nowMillis} until a token is there (0 if one is now), e.g. for a Retry-After. */
    public long millisUntilToken(long nowMillis) {
        if (unlimited()) return 0;
        refill(nowMillis);
        return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perMilli);
    }

    /** Refusals not yet forgiven (each second forgives {@code perSecond} of them). */
    public double strikes(long nowMillis) {
        refill(nowMillis);
        return strikes;
    }

    private void refill(long nowMillis) {
        if (nowMillis > last) {
            double gained = (nowMillis - last) * perMilli;
            tokens = Math.min(burst, tokens + gained);
            strikes = Math.max(0, strikes - gained);
            last = nowMillis;
        }
    }
}
