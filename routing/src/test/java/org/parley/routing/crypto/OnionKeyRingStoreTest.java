package org.parley.routing.crypto;

import org.junit.jupiter.api.Test;
import org.parley.core.time.ManualClock;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Onion keys survive a restart through a {@link OnionKeyRing.Store}, and rotate on schedule across it. */
class OnionKeyRingStoreTest {
    static final long LIFETIME = 7 * 86_400_000L, OVERLAP = 86_400_000L;

    static final class MemoryStore implements OnionKeyRing.Store {
        final List<OnionKeyRing.Saved> saves = new ArrayList<>();

        public Optional<OnionKeyRing.Saved> load() {
            return saves.isEmpty() ? Optional.empty() : Optional.of(saves.get(saves.size() - 1));
        }

        public void save(OnionKeyRing.Saved keys) {
            saves.add(keys);
        }
    }

    @Test
    void aRestartKeepsTheKeysAndTheScheduleAndALongOutageRotatesThem() {
        ManualClock clock = new ManualClock(1_000_000);
        SecureRandom random = new SecureRandom();
        MemoryStore store = new MemoryStore();
        OnionKeyRing first = new OnionKeyRing(clock, random, LIFETIME, OVERLAP, store);
        var k1 = first.current().publicKey();
        assertThat(store.saves).isNotEmpty();

        clock.advance(3_600_000);
        OnionKeyRing restarted = new OnionKeyRing(clock, random, LIFETIME, OVERLAP, store);
        assertThat(restarted.current().publicKey()).as("same key after a restart").isEqualTo(k1);
        assertThat(restarted.publishUntilMillis()).isEqualTo(first.publishUntilMillis());

        // past its lifetime: a new current key, the old one still accepted during the overlap, both saved
        clock.advance(LIFETIME);
        var k2 = restarted.current().publicKey();
        assertThat(k2).isNotEqualTo(k1);
        OnionKeyRing again = new OnionKeyRing(clock, random, LIFETIME, OVERLAP, store);
        assertThat(again.keys()).extracting(OnionKeyPair::publicKey).containsExactly(k2, k1);
        assertThat(again.rotations()).isEqualTo(1);

        // down for longer than a lifetime and the overlap: nothing old is accepted any more
        clock.advance(LIFETIME + OVERLAP + 1);
        OnionKeyRing late = new OnionKeyRing(clock, random, LIFETIME, OVERLAP, store);
        assertThat(late.keys()).hasSize(1);
        assertThat(late.current().publicKey()).isNotIn(k1, k2);
    }

    @Test
    void withoutAStoreEveryRingHasItsOwnKey() {
        ManualClock clock = new ManualClock(1_000_000);
        SecureRandom random = new SecureRandom();
        assertThat(new OnionKeyRing(clock, random, LIFETIME, OVERLAP).current().publicKey())
                .isNotEqualTo(new OnionKeyRing(clock, random, LIFETIME, OVERLAP).current().publicKey());
    }
}
