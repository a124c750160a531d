package org.parley.discovery.hostile;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.discovery.kademlia.DhtConfig;
import org.parley.discovery.kademlia.DhtNode;
import org.parley.discovery.kademlia.Distance;
import org.parley.discovery.kademlia.LookupResult;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.sim.SimNetwork;
import org.parley.discovery.sim.SimNode;
import org.parley.discovery.sim.SybilAttacker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10's eclipse scenario: 200 honest nodes, each in its own /16, and 1,000 colluding
 * Sybils in ONE /16 (10.250.0.0/16) spread over all its 256 /24s, with ids mined to share at
 * least 10 leading bits with the victim (closer than any honest node). The Sybils announce
 * themselves to the victim and to its 20 closest honest neighbours, answer every lookup with
 * each other, and the victim keeps working (lookups, bucket refresh). Measured: the share of
 * honest contacts among the victim's k = 20 closest to its own id, from its routing table and
 * from an iterative lookup of its own id, once with the /16 limit (default 4) and once with it
 * switched off (maxPerSubnet16 = k: the /24 limit alone, the state before it existed).
 */
class SubnetEclipseTest {
    private static final int HONEST = 200;
    private static final int SYBILS = 1000;
    private static final int SHARED_BITS = 10;

    private record Outcome(double tableShare, double lookupShare, int sybilsInTable, int tableSize) {
    }

    private static double honestShare(List<Contact> contacts, Set<NodeId> honest) {
        if (contacts.isEmpty()) return 0;
        return contacts.stream().filter(c -> honest.contains(c.id())).count() / (double) contacts.size();
    }

    /** Random identity keys whose node id shares at least {@code bits} leading bits with {@code target}. */
    private static List<Bytes> keysNear(NodeId target, int bits, int count, Random random) {
        List<Bytes> out = new ArrayList<>(count);
        byte[] key = new byte[32];
        while (out.size() < count) {
            random.nextBytes(key);
            Bytes k = Bytes.wrap(key.clone());
            if (Distance.commonPrefixLength(NodeId.ofIdentityKey(k).value(), target.value()) >= bits) out.add(k);
        }
        return out;
    }

    private static Outcome attack(DhtConfig config, long seed) {
        SimNetwork sim = new SimNetwork(seed);
        sim.grow(HONEST, config);
        Set<NodeId> honest = new HashSet<>();
        for (SimNode n : sim.nodes) honest.add(n.dht().id());
        SimNode victimNode = sim.addNode(config);
        DhtNode victim = victimNode.dht();
        sim.net.await(victim.bootstrap(List.of(sim.nodes.get(0).dht().self())), 60_000);

        SybilAttacker attacker = new SybilAttacker(config.k());
        List<Bytes> keys = keysNear(victim.id(), SHARED_BITS, SYBILS, new Random(seed + 7));
        for (int i = 0; i < SYBILS; i++) {
            // 10.250.0.0/16, every /24 of it used (i % 256), several hosts per /24
            PeerAddress addr = PeerAddress.ipv4(10, 250, i % 256, 1 + i / 256, 7000);
            attacker.add(sim.net, new Contact(keys.get(i), addr));
        }
        attacker.announceTo(victim.self());
        List<SimNode> neighbours = sim.nodes.stream().filter(n -> honest.contains(n.dht().id()))
                .sorted(Comparator.comparing(n -> Distance.xor(n.dht().id(), victim.id())))
                .limit(config.k()).toList();
        for (SimNode n : neighbours) attacker.announceTo(n.dht().self());
        sim.scheduler.advance(1_000);

        // the victim keeps working: lookups of its own and random ids, a bucket refresh
        sim.net.await(victim.findNode(victim.id()), 60_000);
        Random r = new Random(seed + 1);
        for (int i = 0; i < 10; i++) sim.net.await(victim.findNode(new NodeId(Distance.random(r))), 60_000);
        sim.scheduler.advance(config.refreshIntervalMillis() + 1);
        victim.maintain();
        sim.scheduler.advance(10_000);

        victim.table().checkInvariants();
        List<Contact> fromTable = victim.table().closest(victim.id().value(), config.k());
        LookupResult lookup = sim.net.await(victim.findNode(victim.id()), 60_000);
        assertThat(lookup.outcome()).isEqualTo(DiscoveryMetrics.LookupResult.FOUND);
        assertThat(fromTable).hasSize(config.k());
        assertThat(lookup.closest()).hasSize(config.k());
        int sybilsInTable = (int) victim.table().all().stream().filter(c -> !honest.contains(c.id())).count();
        return new Outcome(honestShare(fromTable, honest), honestShare(lookup.closest(), honest), sybilsInTable,
                victim.table().size());
    }

    @Test
    void sybilsInOneSlash16OverManySlash24sGetAtMostTheirSlash16ShareOfTheVictimsClosest() {
        DhtConfig limited = DhtConfig.DEFAULTS;
        DhtConfig only24 = DhtConfig.DEFAULTS.withMaxPerSubnet16(DhtConfig.DEFAULTS.k());
        long started = System.nanoTime();
        Outcome with = attack(limited, 41);
        Outcome without = attack(only24, 41);
        System.out.printf("[hostile] eclipse, %d honest (own /16 each) + %d Sybils in one /16 over 256 /24s, ids sharing >= %d "
                        + "bits with the victim: honest among the victim's %d closest -- /24 limit only: table %.0f %%, lookup %.0f %% "
                        + "(%d Sybils of %d in the table); /24 + /16 limit (%d): table %.0f %%, lookup %.0f %% (%d Sybils of %d "
                        + "in the table); %.1f s%n",
                HONEST, SYBILS, SHARED_BITS, limited.k(), 100 * without.tableShare(), 100 * without.lookupShare(),
                without.sybilsInTable(), without.tableSize(), limited.maxPerSubnet16(), 100 * with.tableShare(),
                100 * with.lookupShare(), with.sybilsInTable(), with.tableSize(), (System.nanoTime() - started) / 1e9);
        // one /16 gets at most maxPerSubnet16 (4) of the k (20) closest: at least 80 % honest
        double bound = 1 - limited.maxPerSubnet16() / (double) limited.k();
        assertThat(with.tableShare()).isGreaterThanOrEqualTo(bound);
        assertThat(with.lookupShare()).isGreaterThanOrEqualTo(bound);
        // without the /16 limit the same attack takes (nearly) all of them: the limit is what holds
        assertThat(without.tableShare()).isLessThan(0.5);
        assertThat(without.lookupShare()).isLessThan(0.5);
        // and a Sybil holds at most 4 slots per bucket with it (the /24 limit alone allows k per bucket from one /16)
        assertThat(with.sybilsInTable()).isLessThan(without.sybilsInTable());
        // and the limit costs no honest contact
        assertThat(with.tableSize() - with.sybilsInTable()).isGreaterThanOrEqualTo(without.tableSize() - without.sybilsInTable());
    }
}
