package org.parley.core.limit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketTest {
    @Test
    void startsFullRefusesPastTheBurstAndRefillsAtItsRate() {
        TokenBucket b = new TokenBucket(10, 5, 1_000);
        for (int i = 0; i < 5; i++) assertThat(b.tryTake(1_000)).isTrue();
        assertThat(b.tryTake(1_000)).isFalse();
        assertThat(b.tryTake(1_099)).isFalse(); // 0.99 of a token
        assertThat(b.tryTake(1_100)).isTrue(); // 100 ms at 10/s: one token
        assertThat(b.tryTake(1_100)).isFalse();
        // a long pause refills to the burst, not past it
        for (int i = 0; i < 5; i++) assertThat(b.tryTake(60_000)).isTrue();
        assertThat(b.tryTake(60_000)).isFalse();
    }

    @Test
    void tellsHowLongUntilTheNextToken() {
        TokenBucket b = new TokenBucket(4, 2, 0);
        assertThat(b.millisUntilToken(0)).isZero();
        b.tryTake(0);
        b.tryTake(0);
        assertThat(b.millisUntilToken(0)).isEqualTo(250); // 4 a second
        assertThat(b.millisUntilToken(100)).isEqualTo(150);
        assertThat(b.millisUntilToken(250)).isZero();
        assertThat(new TokenBucket(0, 1, 0).millisUntilToken(0)).isZero(); // no limit
    }

    @Test
    void strikesPileUpWhenPushedPastTheRateAndAreForgivenAtIt() {
        TokenBucket b = new TokenBucket(10, 1, 0);
        assertThat(b.tryTake(0)).isTrue();
        for (int i = 0; i < 20; i++) assertThat(b.tryTake(0)).isFalse();
        assertThat(b.strikes(0)).isEqualTo(20.0);
        assertThat(b.strikes(1_000)).isEqualTo(10.0); // one second forgives ten
        // a peer at 5x the rate keeps gaining: 50 requests a second, ten pass
        double before = b.strikes(1_000);
        for (int t = 1_000; t < 2_000; t += 20) b.tryTake(t);
        assertThat(b.strikes(2_000)).isGreaterThan(before + 20);
        // refusals made for another bucket count too
        b.refused(2_000);
        assertThat(b.strikes(2_000)).isGreaterThan(before + 21);
    }

    @Test
    void aPeerAtTheRateNeverGainsStrikes() {
        TokenBucket b = new TokenBucket(10, 2, 0);
        for (int t = 0; t < 10_000; t += 100) assertThat(b.tryTake(t)).isTrue();
        assertThat(b.strikes(10_000)).isZero();
    }

    @Test
    void aZeroRateIsNoLimitAndAClockGoingBackRefillsNothing() {
        TokenBucket off = new TokenBucket(0, 1, 0);
        for (int i = 0; i < 1_000; i++) assertThat(off.tryTake(0)).isTrue();
        assertThat(off.unlimited()).isTrue();

        TokenBucket b = new TokenBucket(10, 1, 5_000);
        assertThat(b.tryTake(5_000)).isTrue();
        assertThat(b.tryTake(1_000)).isFalse();
        assertThat(b.hasToken(5_050)).isFalse();
        assertThat(b.hasToken(5_100)).isTrue();
    }
}
