package org.parley.discovery.sim;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.discovery.kademlia.DhtConfig;
import org.parley.discovery.kademlia.Distance;
import org.parley.discovery.kademlia.LookupResult;
import org.parley.discovery.net.Contact;
import org.parley.discovery.record.ContactRecords;
import org.parley.discovery.record.SignedRecord;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole-network simulations in one JVM on the manual scheduler (no threads, no sleeps):
 * 200 nodes, every message encoded, delivered in memory, decoded. Deterministic seeds.
 */
class SimulationTest {
    private static final int N = 200;
    private static final DhtConfig PLAIN = DhtConfig.DEFAULTS.withDisjointPaths(1);
    private static final long MAX_SIM_MILLIS = 120_000;

    private static SignedRecord publishContact(SimNetwork sim, SimNode owner, String handle) {
        SignedRecord rec = ContactRecords.create(owner.identity(), handle, Bytes.of(handle.getBytes()), 1,
                sim.clock.nowMillis() + 6 * 3600_000L, new SecureRandom());
        int acks = sim.net.await(owner.dht().store(rec), MAX_SIM_MILLIS);
        assertThat(acks).isGreaterThan(0);
        return rec;
    }

    @Test
    void everyNodeFindsPublishedRecordsInAboutLog2NRounds() {
        long t0 = System.nanoTime();
        SimNetwork sim = new SimNetwork(2026);
        sim.grow(N, PLAIN);
        List<SignedRecord> recs = new ArrayList<>();
        for (int i = 0; i < 20; i++) recs.add(publishContact(sim, sim.nodes.get(sim.random.nextInt(N)), "user" + i));
        int lookups = 0;
        int found = 0;
        long rounds = 0;
        int maxRounds = 0;
        for (SimNode n : sim.nodes) {
            SignedRecord rec = recs.get(sim.random.nextInt(recs.size()));
            if (!n.dht().records().get(rec.key(), sim.clock.nowMillis()).isEmpty()) continue; // holds it already
            LookupResult r = sim.net.await(n.dht().findValue(rec.key()), MAX_SIM_MILLIS);
            lookups++;
            if (r.found()) {
                found++;
                rounds += r.rounds();
                maxRounds = Math.max(maxRounds, r.rounds());
            }
        }
        double mean = (double) rounds / found;
        double log2n = Math.log(N) / Math.log(2);
        System.out.printf("[sim] %d nodes, %d lookups: %d found, mean rounds %.2f (log2 N = %.2f), max %d, %d msgs, %.1f s%n",
                N, lookups, found, mean, log2n, maxRounds, sim.net.delivered(), (System.nanoTime() - t0) / 1e9);
        assertThat(lookups).isGreaterThan(150);
        assertThat(found).isEqualTo(lookups);
        assertThat(mean).isLessThanOrEqualTo(log2n);
        for (SimNode n : sim.nodes) n.dht().table().checkInvariants();
    }

    @Test
    void lookupsSurviveThirtyPercentChurn() {
        long t0 = System.nanoTime();
        SimNetwork sim = new SimNetwork(7);
        sim.grow(N, PLAIN);
        List<SignedRecord> recs = new ArrayList<>();
        for (int i = 0; i < 30; i++) recs.add(publishContact(sim, sim.nodes.get(sim.random.nextInt(N)), "churn" + i));
        List<SimNode> shuffled = new ArrayList<>(sim.nodes);
        Collections.shuffle(shuffled, sim.random);
        for (int i = 0; i < N * 30 / 100; i++) sim.net.kill(shuffled.get(i).dht().id());
        List<SimNode> live = sim.live();
        int lookups = 0;
        int found = 0;
        for (SignedRecord rec : recs) {
            boolean stillStored = live.stream().anyMatch(n -> !n.dht().records().get(rec.key(), sim.clock.nowMillis()).isEmpty());
            if (!stillStored) continue;
            for (int j = 0; j < 12; j++) {
                SimNode asker = live.get(sim.random.nextInt(live.size()));
                LookupResult r = sim.net.await(asker.dht().findValue(rec.key()), MAX_SIM_MILLIS);
                lookups++;
                if (r.found()) found++;
            }
        }
        double rate = (double) found / lookups;
        System.out.printf("[sim] churn: %d of %d nodes killed, %d lookups, success %.4f, %.1f s%n",
                N - live.size(), N, lookups, rate, (System.nanoTime() - t0) / 1e9);
        assertThat(lookups).isGreaterThan(300);
        assertThat(rate).isGreaterThanOrEqualTo(0.99);
    }

    /** Success rates of value lookups for a record whose key a clustered Sybil group surrounds. */
    private record SybilOutcome(int lookups, double plain, double disjoint, long tableEntries) {
    }

    /**
     * 160 honest nodes; 40 attackers with ids closer to the record's key than any honest node,
     * announced to (and inserted by) every honest node. They answer lookups with each other,
     * acknowledge STOREs and drop them, never return the record. {@code attackersFirst}: they are
     * there before the record is published (so the plain k closest are all theirs); otherwise
     * they arrive after it was replicated on honest nodes.
     */
    private static SybilOutcome sybil(long seed, boolean attackersFirst, DhtConfig cfg) {
        int honest = N * 80 / 100;
        int attackers = N - honest;
        SimNetwork sim = new SimNetwork(seed);
        sim.grow(honest, cfg);
        SimNode owner = sim.nodes.get(0);
        String handle = "target-user";
        Bytes key = ContactRecords.dhtKey(handle);
        // Attacker ids sit closer to the key than every honest node (they chose them; PoW is 0 here).
        int closestHonest = 0;
        for (SimNode n : sim.nodes) closestHonest = Math.max(closestHonest, Distance.commonPrefixLength(n.dht().id().value(), key));
        SybilAttacker sybil = new SybilAttacker(cfg.k());
        while (sybil.members().size() < attackers) {
            Contact c = new Contact(Distance.random(sim.random), sim.newAddress());
            if (Distance.commonPrefixLength(c.id().value(), key) > closestHonest) sybil.add(sim.net, c);
        }
        if (!attackersFirst) publishContact(sim, owner, handle);
        for (SimNode n : sim.nodes) sybil.announceTo(n.dht().self());
        sim.scheduler.advance(1_000);
        if (attackersFirst) publishContact(sim, owner, handle);
        long entries = sim.nodes.stream().mapToLong(n -> sybil.members().stream().filter(a -> n.dht().table().contains(a.id())).count()).sum();
        int lookups = 0;
        int foundPlain = 0;
        int foundDisjoint = 0;
        for (SimNode n : sim.nodes) {
            if (!n.dht().records().get(key, sim.clock.nowMillis()).isEmpty()) continue;
            lookups++;
            if (sim.net.await(n.dht().findValue(key, 1), MAX_SIM_MILLIS).found()) foundPlain++;
            if (sim.net.await(n.dht().findValue(key, DhtConfig.DEFAULTS.disjointPaths()), MAX_SIM_MILLIS).found()) foundDisjoint++;
        }
        return new SybilOutcome(lookups, (double) foundPlain / lookups, (double) foundDisjoint / lookups, entries);
    }

    @Test
    void disjointPathsDefeatAnAttackerClusteredAroundTheKey() {
        long t0 = System.nanoTime();
        // Lookups choose d per call; the network is built with plain lookups.
        SybilOutcome o = sybil(99, false, PLAIN);
        System.out.printf("[sim] sybil (attackers after publish): 160 honest + 40 attackers closest to the key (%d table entries), "
                + "%d lookups: success plain %.3f, disjoint d=%d %.3f, %.1f s%n", o.tableEntries(), o.lookups(), o.plain(),
                DhtConfig.DEFAULTS.disjointPaths(), o.disjoint(), (System.nanoTime() - t0) / 1e9);
        assertThat(o.tableEntries()).isGreaterThan(160 * 10L); // the attackers really are in the tables
        assertThat(o.lookups()).isGreaterThan(80);
        assertThat(o.disjoint()).isGreaterThanOrEqualTo(0.95);
        assertThat(o.disjoint()).isGreaterThan(o.plain());
    }

    @Test
    void disjointStoreAndLookupSurviveAttackersPresentAtPublishTime() {
        long t0 = System.nanoTime();
        // Nodes use d = 4 throughout, so STORE also places replicas along each disjoint path.
        SybilOutcome o = sybil(100, true, DhtConfig.DEFAULTS);
        System.out.printf("[sim] sybil (attackers before publish): %d lookups: success plain %.3f, disjoint d=%d %.3f, %.1f s%n",
                o.lookups(), o.plain(), DhtConfig.DEFAULTS.disjointPaths(), o.disjoint(), (System.nanoTime() - t0) / 1e9);
        assertThat(o.lookups()).isGreaterThan(80);
        assertThat(o.disjoint()).isGreaterThanOrEqualTo(0.95);
    }
}
