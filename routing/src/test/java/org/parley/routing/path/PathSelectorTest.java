package org.parley.routing.path;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathSelectorTest {
    private static NodeId id(int i) {
        byte[] b = new byte[32];
        b[0] = (byte) i;
        b[1] = (byte) (i >> 8);
        return new NodeId(Bytes.wrap(b));
    }

    private static RelayCandidate relay(int i, String ip, long bw, Set<NodeId> family, boolean guard) {
        Set<RelayCandidate.Flag> flags = guard ? EnumSet.of(RelayCandidate.Flag.GUARD) : EnumSet.noneOf(RelayCandidate.Flag.class);
        return new RelayCandidate(id(i), ip + ":9001", Bytes.wrap(new byte[32]), "", family, bw, flags);
    }

    /** 20 relays in 20 different /16s; even ones are guards. */
    private static List<RelayCandidate> directory() {
        List<RelayCandidate> d = new ArrayList<>();
        for (int i = 0; i < 20; i++) d.add(relay(i, "10." + i + ".1.1", 100, Set.of(), i % 2 == 0));
        return d;
    }

    @Test
    void noNodeTwiceAndGuardFirst() {
        PathSelector s = new PathSelector(GuardStore.inMemory(), new Random(1));
        for (int t = 0; t < 200; t++) {
            List<RelayCandidate> p = s.select(directory(), 4);
            assertThat(p).hasSize(4);
            assertThat(new HashSet<>(p.stream().map(RelayCandidate::id).toList())).hasSize(4);
            assertThat(p.get(0).flags()).contains(RelayCandidate.Flag.GUARD);
        }
    }

    @Test
    void noTwoHopsInOneSlash16() {
        List<RelayCandidate> d = new ArrayList<>();
        // 3 relays in 10.1/16, 1 in 10.2/16, 1 in 10.3/16: a 3-hop path must take one of each
        d.add(relay(1, "10.1.0.1", 100, Set.of(), true));
        d.add(relay(2, "10.1.200.7", 100, Set.of(), true));
        d.add(relay(3, "10.1.3.3", 100, Set.of(), false));
        d.add(relay(4, "10.2.0.1", 100, Set.of(), false));
        d.add(relay(5, "10.3.0.1", 100, Set.of(), false));
        PathSelector s = new PathSelector(GuardStore.inMemory(), new Random(2), 1);
        for (int t = 0; t < 100; t++) {
            List<RelayCandidate> p = s.select(d, 3);
            assertThat(new HashSet<>(p.stream().map(RelayCandidate::subnet).toList())).hasSize(3);
        }
        assertThatThrownBy(() -> s.select(d, 4)).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.UNAVAILABLE));
        assertThat(relay(9, "192.168.3.4", 1, Set.of(), false).subnet()).isEqualTo("v4:192.168");
    }

    @Test
    void noTwoHopsOfOneDeclaredFamily() {
        List<RelayCandidate> d = new ArrayList<>();
        d.add(relay(1, "10.1.0.1", 100, Set.of(), true));
        d.add(relay(2, "10.2.0.1", 100, Set.of(id(3)), false)); // 2 declares 3; 3 declares nothing
        d.add(relay(3, "10.3.0.1", 100, Set.of(), false));
        d.add(relay(4, "10.4.0.1", 100, Set.of(), false));
        PathSelector s = new PathSelector(GuardStore.inMemory(), new Random(3), 1);
        for (int t = 0; t < 100; t++) {
            List<NodeId> ids = s.select(d, 3).stream().map(RelayCandidate::id).toList();
            assertThat(ids.contains(id(2)) && ids.contains(id(3))).isFalse();
        }
    }

    @Test
    void noTwoHopsWithOneFamilyLabel() {
        Set<RelayCandidate.Flag> none = EnumSet.noneOf(RelayCandidate.Flag.class);
        List<RelayCandidate> d = new ArrayList<>();
        d.add(relay(1, "10.1.0.1", 100, Set.of(), true));
        d.add(new RelayCandidate(id(2), "10.2.0.1:1", Bytes.wrap(new byte[32]), "acme", Set.of(), 100, none));
        d.add(new RelayCandidate(id(3), "10.3.0.1:1", Bytes.wrap(new byte[32]), " acme ", Set.of(), 100, none));
        d.add(relay(4, "10.4.0.1", 100, Set.of(), false));
        PathSelector s = new PathSelector(GuardStore.inMemory(), new Random(8), 1);
        for (int t = 0; t < 100; t++) {
            List<NodeId> ids = s.select(d, 3).stream().map(RelayCandidate::id).toList();
            assertThat(ids.contains(id(2)) && ids.contains(id(3))).isFalse();
        }
        assertThat(d.get(1).sameFamily(d.get(2))).isTrue();
        assertThat(relay(5, "10.5.0.1", 1, Set.of(), false).sameFamily(relay(6, "10.6.0.1", 1, Set.of(), false))).isFalse();
    }

    @Test
    void choiceIsBandwidthWeighted() {
        List<RelayCandidate> d = new ArrayList<>();
        d.add(relay(1, "10.1.0.1", 100, Set.of(), true));
        d.add(relay(2, "10.2.0.1", 900, Set.of(), false));
        d.add(relay(3, "10.3.0.1", 100, Set.of(), false));
        d.add(relay(4, "10.4.0.1", 0, Set.of(), false)); // zero bandwidth: never chosen
        PathSelector s = new PathSelector(GuardStore.inMemory(), new Random(4), 1);
        int heavy = 0;
        for (int t = 0; t < 2000; t++) {
            RelayCandidate second = s.select(d, 2).get(1);
            assertThat(second.id()).isNotEqualTo(id(4));
            if (second.id().equals(id(2))) heavy++;
        }
        assertThat(heavy).isBetween(1700, 1900); // expected 1800 (0.9)
    }

    @Test
    void primaryGuardsArePersistedAndReused() {
        GuardStore store = GuardStore.inMemory();
        PathSelector first = new PathSelector(store, new Random(5));
        Set<NodeId> usedGuards = new HashSet<>();
        for (int t = 0; t < 100; t++) usedGuards.add(first.select(directory(), 3).get(0).id());
        List<NodeId> saved = store.load().stream().map(GuardStore.Entry::id).toList();
        assertThat(saved).hasSize(3);
        assertThat(saved).containsAll(usedGuards);

        PathSelector afterRestart = new PathSelector(store, new Random(999));
        for (int t = 0; t < 100; t++) assertThat(saved).contains(afterRestart.select(directory(), 3).get(0).id());
        assertThat(store.load().stream().map(GuardStore.Entry::id).toList()).isEqualTo(saved);

        // a guard that leaves the directory is stood in for (kept in the sample in case it returns), the other two stay
        List<RelayCandidate> without = directory().stream().filter(c -> !c.id().equals(saved.get(0))).toList();
        for (int t = 0; t < 50; t++) assertThat(afterRestart.select(without, 2).get(0).id()).isNotEqualTo(saved.get(0));
        assertThat(afterRestart.primaryGuards(without)).hasSize(3).extracting(RelayCandidate::id)
                .contains(saved.get(1), saved.get(2)).doesNotContain(saved.get(0));
    }

    @Test
    void fixedLastHopIsKeptAndConflictsAvoided() {
        List<RelayCandidate> d = directory();
        RelayCandidate inbox = d.get(7);
        PathSelector s = new PathSelector(GuardStore.inMemory(), new Random(6));
        for (int t = 0; t < 100; t++) {
            List<RelayCandidate> p = s.select(d, 3, inbox);
            assertThat(p).hasSize(3);
            assertThat(p.get(2)).isEqualTo(inbox);
            assertThat(p.subList(0, 2)).doesNotContain(inbox);
        }
    }

    @Test
    void sameSeedSamePath() {
        List<RelayCandidate> a = new PathSelector(GuardStore.inMemory(), new Random(77)).select(directory(), 4);
        List<RelayCandidate> b = new PathSelector(GuardStore.inMemory(), new Random(77)).select(directory(), 4);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void aSingleHostTestNetworkMayTurnTheSubnetRuleOff() {
        java.util.List<RelayCandidate> sameHost = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            org.parley.core.identity.NodeIdentity id = org.parley.core.identity.NodeIdentity.generate(new java.security.SecureRandom());
            sameHost.add(new RelayCandidate(id.nodeId(), "127.0.0.1:" + (9000 + i), org.parley.core.Bytes.wrap(new byte[32]), "",
                    java.util.Set.of(), 100, java.util.Set.of(RelayCandidate.Flag.GUARD, RelayCandidate.Flag.INBOX)));
        }
        PathSelector strict = new PathSelector(GuardStore.inMemory(), new java.util.Random(1), 3, true);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> strict.select(sameHost, 3))
                .isInstanceOf(org.parley.core.ParleyException.class);
        PathSelector local = new PathSelector(GuardStore.inMemory(), new java.util.Random(1), 3, false);
        java.util.List<RelayCandidate> path = local.select(sameHost, 3, sameHost.get(5));
        org.assertj.core.api.Assertions.assertThat(path).hasSize(3).doesNotHaveDuplicates();
        org.assertj.core.api.Assertions.assertThat(path.get(2)).isEqualTo(sameHost.get(5));
    }
}
