package org.parley.routing.link;

import org.junit.jupiter.api.Test;
import org.parley.core.ParleyException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AcceptLimitsTest {

    @Test
    void aSourceGetsItsBurstThenItsRate() {
        AcceptLimits l = new AcceptLimits(10, 5, 100, 100, 16);
        for (int i = 0; i < 5; i++) {
            assertThat(l.admit("10.0.0.1", 0)).isNull();
            l.done("10.0.0.1");
        }
        assertThat(l.admit("10.0.0.1", 0)).isEqualTo(AcceptLimits.Refusal.RATE);
        // another source has its own bucket
        assertThat(l.admit("10.0.0.2", 0)).isNull();
        // 10 a second: one more after 100 ms, not before
        assertThat(l.admit("10.0.0.1", 99)).isEqualTo(AcceptLimits.Refusal.RATE);
        assertThat(l.admit("10.0.0.1", 200)).isNull();
    }

    @Test
    void handshakesUnderWayAreCappedPerSourceAndInAll() {
        AcceptLimits l = new AcceptLimits(0, 1, 2, 3, 16);
        assertThat(l.admit("a", 0)).isNull();
        assertThat(l.admit("a", 0)).isNull();
        assertThat(l.admit("a", 0)).isEqualTo(AcceptLimits.Refusal.SOURCE_HANDSHAKES);
        assertThat(l.admit("b", 0)).isNull();
        assertThat(l.admit("c", 0)).isEqualTo(AcceptLimits.Refusal.HANDSHAKES);
        assertThat(l.underWay()).isEqualTo(3);
        l.done("a");
        assertThat(l.admit("c", 0)).isNull();
        assertThat(l.admit("a", 0)).isEqualTo(AcceptLimits.Refusal.HANDSHAKES);
        // done for a source with nothing under way changes nothing
        l.done("zzz");
        l.done("b");
        l.done("b");
        assertThat(l.underWay()).isEqualTo(2);
    }

    @Test
    void sourcesAreForgottenOnceRefilledAndIdleAndTheTableIsBounded() {
        AcceptLimits l = new AcceptLimits(1, 1, 4, 100, 2);
        assertThat(l.admit("a", 0)).isNull();
        assertThat(l.admit("b", 0)).isNull();
        // full, and both still mid-handshake: a new source is refused
        assertThat(l.admit("c", 500)).isEqualTo(AcceptLimits.Refusal.SOURCES);
        l.done("a");
        // a is done but its bucket has not refilled (1 a second): still remembered
        assertThat(l.admit("c", 500)).isEqualTo(AcceptLimits.Refusal.SOURCES);
        assertThat(l.admit("c", 1_000)).isNull();
        assertThat(l.sources()).isEqualTo(2);
    }

    @Test
    void sourceKeysAreIpv4AddressesAndIpv6Slash64s() {
        assertThat(AcceptLimits.source("192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(AcceptLimits.source("2001:db8:1:2:aaaa::1")).isEqualTo(AcceptLimits.source("2001:db8:1:2:bbbb::9"));
        assertThat(AcceptLimits.source("2001:db8:1:2::1")).isNotEqualTo(AcceptLimits.source("2001:db8:1:3::1"));
        assertThat(AcceptLimits.source("[2001:db8:1:2::1]")).isEqualTo(AcceptLimits.source("2001:db8:1:2::5"));
        assertThat(AcceptLimits.source("::ffff:192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(AcceptLimits.source(null)).isEqualTo("?");
        assertThat(AcceptLimits.source("not:an:address:at:all")).isEqualTo("not:an:address:at:all");
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new AcceptLimits(1, 0, 1, 1, 1)).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> new AcceptLimits(1, 1, 1, 0, 1)).isInstanceOf(ParleyException.class);
    }
}
