package org.parley.routing.path;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.time.ManualClock;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Entry guards over time: lifetimes (rotation over weeks), unreachable guards skipped and retried, long-gone ones replaced. */
class GuardRotationTest {
    static final long DAY = 86_400_000L;
    final ManualClock clock = new ManualClock(1_700_000_000_000L);
    final GuardStore store = GuardStore.inMemory();
    final PathSelector.GuardPolicy policy = new PathSelector.GuardPolicy(30 * DAY, 60 * DAY, 600_000, 7 * DAY, 20);

    static NodeId id(int i) {
        byte[] b = new byte[32];
        b[0] = (byte) i;
        return new NodeId(Bytes.wrap(b));
    }

    /** 30 guard relays in distinct /16s. */
    static List<RelayCandidate> directory() {
        List<RelayCandidate> d = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            d.add(new RelayCandidate(id(i), "10." + i + ".1.1:9001", Bytes.wrap(new byte[32]), "", Set.of(), 100,
                    EnumSet.of(RelayCandidate.Flag.GUARD)));
        }
        return d;
    }

    PathSelector selector(long seed) {
        return new PathSelector(store, new Random(seed), 3, true, clock, policy);
    }

    static List<NodeId> ids(List<RelayCandidate> cs) {
        return cs.stream().map(RelayCandidate::id).toList();
    }

    @Test
    void guardsAreKeptForTheirLifetimeThenRotated() {
        PathSelector s = selector(1);
        List<NodeId> first = ids(s.primaryGuards(directory()));
        assertThat(first).hasSize(3);
        for (GuardStore.Entry e : store.load()) {
            assertThat(e.expiresAt() - e.addedAt()).isBetween(30 * DAY, 60 * DAY);
        }
        clock.advance(29 * DAY);
        assertThat(ids(selector(2).primaryGuards(directory()))).isEqualTo(first); // a restart and four weeks later: the same
        clock.advance(32 * DAY); // 61 days: every one has expired
        List<NodeId> later = ids(selector(3).primaryGuards(directory()));
        assertThat(later).hasSize(3);
        // a fresh sample (drawn anew: a relay may be drawn again, with a new lifetime)
        assertThat(store.load()).hasSize(3).allMatch(e -> e.addedAt() == clock.nowMillis());
    }

    @Test
    void anUnreachableGuardIsSkippedRetriedAfterTenMinutesAndPreferredAgainWhenBack() {
        PathSelector s = selector(4);
        List<NodeId> primaries = ids(s.primaryGuards(directory()));
        NodeId down = primaries.get(0);
        s.firstHopResult(down, false);
        List<NodeId> now = ids(s.primaryGuards(directory()));
        assertThat(now).hasSize(3).doesNotContain(down).contains(primaries.get(1), primaries.get(2));
        for (int i = 0; i < 50; i++) assertThat(s.select(directory(), 3).get(0).id()).isNotEqualTo(down);

        clock.advance(600_000); // its retry is due: first choice again
        assertThat(ids(s.primaryGuards(directory())).get(0)).isEqualTo(down);
        s.firstHopResult(down, false); // still down: skipped for another 10 min
        assertThat(ids(s.primaryGuards(directory()))).doesNotContain(down);
        clock.advance(600_000);
        s.firstHopResult(down, true); // back
        assertThat(ids(s.primaryGuards(directory()))).isEqualTo(primaries);
    }

    @Test
    void aGuardGoneForAWeekIsDroppedAndTheSampleStaysBounded() {
        PathSelector s = selector(5);
        List<NodeId> primaries = ids(s.primaryGuards(directory()));
        NodeId gone = primaries.get(1);
        List<RelayCandidate> without = directory().stream().filter(c -> !c.id().equals(gone)).toList();
        assertThat(ids(s.primaryGuards(without))).doesNotContain(gone);
        assertThat(store.load().stream().map(GuardStore.Entry::id)).contains(gone); // kept in the sample for a while
        clock.advance(3 * DAY);
        assertThat(ids(s.primaryGuards(directory())).subList(0, 3)).isEqualTo(primaries); // listed again within the week: back
        s.primaryGuards(without);
        clock.advance(8 * DAY);
        s.primaryGuards(without);
        assertThat(store.load().stream().map(GuardStore.Entry::id)).doesNotContain(gone);

        // every guard failing: the sample grows to its cap and no further, and paths are still built (all retried)
        Set<NodeId> tried = new HashSet<>();
        for (int round = 0; round < 40; round++) {
            List<RelayCandidate> gs;
            gs = s.primaryGuards(directory());
            for (RelayCandidate g : gs) {
                tried.add(g.id());
                s.firstHopResult(g.id(), false);
            }
        }
        assertThat(store.load()).hasSizeLessThanOrEqualTo(20);
        assertThat(tried).hasSizeLessThanOrEqualTo(20);
        assertThat(s.primaryGuards(directory())).hasSize(3); // all down lately: the longest-untried are tried again
        assertThat(s.select(directory(), 3)).hasSize(3);
    }

    @Test
    void anOlderGuardFileWithoutLifetimesIsKeptAndGivenOne() {
        store.save(List.of(new GuardStore.Entry(id(7), 0, 0, 0, 0, 0)));
        List<NodeId> g = ids(selector(6).primaryGuards(directory()));
        assertThat(g.get(0)).isEqualTo(id(7));
        assertThat(store.load().get(0).expiresAt()).isGreaterThan(clock.nowMillis() + 29 * DAY);
    }
}
