package org.parley.discovery.hostile;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.kademlia.DhtConfig;
import org.parley.discovery.kademlia.DhtNode;
import org.parley.discovery.kademlia.Distance;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.sim.InMemoryNetwork;
import org.parley.discovery.sim.SimNetwork;
import org.parley.discovery.sim.SimNode;
import org.parley.discovery.sim.SybilAttacker;
import org.parley.discovery.wire.DhtMessage;
import org.parley.discovery.wire.DhtMessageCodec;
import org.parley.discovery.wire.Header;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile DHT peers against one victim node, in the in-memory simulation (every message encoded
 * and decoded): an RPC flood from one peer, a flood of many fresh ids, and an eclipse attempt by
 * Sybil ids mined close to the victim. Each asserts the bound and reports the numbers.
 */
class HostilePeerTest {
    private static final DhtConfig PLAIN = DhtConfig.DEFAULTS.withDisjointPaths(1);

    /** Counts drops by reason. */
    private static final class Counting implements DiscoveryMetrics {
        final Map<String, Integer> dropped = new HashMap<>();

        @Override
        public void dropped(String reason) {
            dropped.merge(reason, 1, Integer::sum);
        }
    }

    private record Victim(DhtNode dht, Counting metrics) {
    }

    private static Victim victim(SimNetwork sim, DhtConfig config) {
        NodeIdentity id = sim.newIdentity();
        PeerAddress addr = sim.newAddress();
        Counting m = new Counting();
        DhtNode node = new DhtNode(config, id, addr, sim.net.endpoint(id.publicKey(), addr), sim.clock, sim.scheduler,
                new Random(3), m);
        node.start();
        sim.net.await(node.bootstrap(List.of(sim.nodes.get(0).dht().self())), 60_000);
        return new Victim(node, m);
    }

    @Test
    void aFindNodeFloodFromOnePeerIsCutToItsBurstAndOtherPeersAreStillServed() {
        SimNetwork sim = new SimNetwork(11);
        sim.grow(12, PLAIN);
        Victim v = victim(sim, PLAIN);
        NodeIdentity attackerId = sim.newIdentity();
        PeerAddress attackerAddr = sim.newAddress();
        InMemoryNetwork.Endpoint attacker = sim.net.endpoint(attackerId.publicKey(), attackerAddr);
        Contact me = new Contact(attackerId.publicKey(), attackerAddr);
        int[] replies = {0};
        attacker.setReceiver((from, bytes) -> {
            if (DhtMessageCodec.decode(bytes) instanceof DhtMessage.Nodes) replies[0]++;
        });
        int flood = 1_000;
        for (int i = 0; i < flood; i++) {
            attacker.send(v.dht().self(), DhtMessageCodec.encode(new DhtMessage.FindNode(new Header(i + 1, me, false),
                    new NodeId(Bytes.wrap(new byte[32])))));
        }
        sim.scheduler.advance(50);
        int burst = PLAIN.rateLimitBurst();
        assertThat(replies[0]).isEqualTo(burst); // all arrived in the same millisecond: no refill
        assertThat(v.metrics().dropped).containsEntry("rate_limited", flood - burst);
        assertThat(v.dht().pendingRequests()).isLessThanOrEqualTo(1); // at most one eviction ping; no per-request state

        // the other peers still get answers from the victim while the flooder is cut off
        assertThat(sim.net.await(sim.nodes.get(3).dht().ping(v.dht().self()), 10_000)).isTrue();
        assertThat(sim.net.await(sim.nodes.get(4).dht().ping(v.dht().self()), 10_000)).isTrue();

        // over time the flooder gets its rate, not more: one second refills rateLimitPerSecond tokens
        sim.scheduler.advance(1_000);
        replies[0] = 0;
        for (int i = 0; i < flood; i++) {
            attacker.send(v.dht().self(), DhtMessageCodec.encode(new DhtMessage.FindNode(new Header(10_000 + i, me, false),
                    new NodeId(Bytes.wrap(new byte[32])))));
        }
        sim.scheduler.advance(50);
        assertThat(replies[0]).isBetween((int) PLAIN.rateLimitPerSecond(), (int) PLAIN.rateLimitPerSecond() + 2);
        System.out.printf("[hostile] DHT flood: %d FIND_NODE in 1 ms -> %d answered, %d rate_limited; then %d answered after 1 s%n",
                flood, burst, flood - burst, replies[0]);
    }

    @Test
    void aFloodOfFreshIdsLeavesTheVictimsStateBounded() {
        SimNetwork sim = new SimNetwork(12);
        sim.grow(12, PLAIN);
        Victim v = victim(sim, PLAIN);
        int sybils = 3_000;
        for (int i = 0; i < sybils; i++) {
            NodeIdentity id = sim.newIdentity();
            PeerAddress addr = PeerAddress.ipv4(10, 100 + (i >> 8), i & 0xff, 1, 7000);
            InMemoryNetwork.Endpoint ep = sim.net.endpoint(id.publicKey(), addr);
            ep.setReceiver((from, bytes) -> { }); // never answers a liveness ping
            ep.send(v.dht().self(), DhtMessageCodec.encode(new DhtMessage.Ping(new Header(i + 1, new Contact(id.publicKey(), addr), false))));
        }
        sim.scheduler.advance(50);
        int tableAfterFlood = v.dht().table().size();
        int pendingAfterFlood = v.dht().pendingRequests();
        // every bucket holds at most k; liveness pings go one per bucket's oldest contact, not one per newcomer
        assertThat(tableAfterFlood).isLessThanOrEqualTo(PLAIN.k() * 256);
        assertThat(pendingAfterFlood).isLessThanOrEqualTo(256);
        sim.scheduler.advance(10_000);
        assertThat(v.dht().pendingRequests()).isZero(); // the eviction pings timed out and are gone
        System.out.printf("[hostile] %d fresh ids pinged the victim at once: table %d entries, %d liveness pings in flight%n",
                sybils, tableAfterFlood, pendingAfterFlood);
        // and an honest node is still answered
        assertThat(sim.net.await(sim.nodes.get(2).dht().ping(v.dht().self()), 10_000)).isTrue();
    }

    /** Sybil identities whose ids share at least {@code bits} leading bits with {@code target}. */
    private static List<NodeIdentity> minedNear(NodeId target, int bits, int count, Random random) {
        java.util.ArrayList<NodeIdentity> out = new java.util.ArrayList<>();
        byte[] seed = new byte[32];
        while (out.size() < count) {
            random.nextBytes(seed);
            NodeIdentity id = NodeIdentity.fromSeed(Bytes.wrap(seed.clone()));
            if (sharedBits(id.nodeId(), target) >= bits) out.add(id);
        }
        return out;
    }

    private static int sharedBits(NodeId a, NodeId b) {
        byte[] x = a.value().toArray();
        byte[] y = b.value().toArray();
        for (int i = 0; i < x.length; i++) {
            int d = (x[i] ^ y[i]) & 0xff;
            if (d != 0) return i * 8 + Integer.numberOfLeadingZeros(d) - 24;
        }
        return 256;
    }

    /** The share of honest contacts in the victim's table, and in the k it reports closest to its own id. */
    private record Shares(int honest, int sybil, double table, double closest) {
    }

    private static Shares shares(DhtNode victim, Set<NodeId> honestIds, int k) {
        List<Contact> all = victim.table().all();
        int honest = (int) all.stream().filter(c -> honestIds.contains(c.id())).count();
        List<Contact> closest = victim.table().closest(victim.id().value(), k);
        double closestShare = closest.stream().filter(c -> honestIds.contains(c.id())).count() / (double) closest.size();
        return new Shares(honest, all.size() - honest, honest / (double) all.size(), closestShare);
    }

    private Shares eclipse(long seed, boolean oneSlash24) {
        SimNetwork sim = new SimNetwork(seed);
        sim.grow(120, PLAIN);
        Victim v = victim(sim, PLAIN);
        sim.net.await(v.dht().findNode(v.dht().id()), 60_000);
        Set<NodeId> honestIds = new HashSet<>();
        for (SimNode n : sim.nodes) honestIds.add(n.dht().id());
        int honestBefore = shares(v.dht(), honestIds, PLAIN.k()).honest();

        SybilAttacker attacker = new SybilAttacker(PLAIN.k());
        List<NodeIdentity> ids = minedNear(v.dht().id(), 6, 256, new Random(seed));
        for (int i = 0; i < ids.size(); i++) {
            // one /16 (10.250.0.0/16) spread over 256 /24s, or all in one /24
            PeerAddress addr = oneSlash24 ? PeerAddress.ipv4(10, 250, 0, 1 + (i % 250), 7000 + i)
                    : PeerAddress.ipv4(10, 250, i, 1, 7000);
            attacker.add(sim.net, new Contact(ids.get(i).publicKey(), addr));
        }
        attacker.announceTo(v.dht().self());
        sim.scheduler.advance(100);
        // the victim keeps working: lookups of its own id and of random ids, bucket refreshes
        sim.net.await(v.dht().findNode(v.dht().id()), 60_000);
        Random r = new Random(seed + 1);
        for (int i = 0; i < 10; i++) {
            byte[] t = new byte[32];
            r.nextBytes(t);
            sim.net.await(v.dht().findNode(new NodeId(Bytes.wrap(t))), 60_000);
        }
        sim.scheduler.advance(PLAIN.refreshIntervalMillis() + 1);
        v.dht().maintain();
        sim.scheduler.advance(10_000);
        Shares after = shares(v.dht(), honestIds, PLAIN.k());
        // Kademlia keeps live old contacts: no honest contact was displaced by a Sybil
        assertThat(after.honest()).isGreaterThanOrEqualTo(honestBefore);
        return after;
    }

    @Test
    void anEclipseFromOneSlash16FillsOnlyEmptySlotsAndOneSlash24IsCappedPerBucket() {
        Shares spread = eclipse(31, false);
        Shares packed = eclipse(31, true);
        System.out.printf("[hostile] eclipse, 120 honest + 256 Sybils sharing >= 6 id bits with the victim: "
                        + "Sybils over one /16 -> honest %.1f %% of the table (%d/%d), %.1f %% of its %d closest; "
                        + "Sybils in one /24 -> honest %.1f %% of the table (%d/%d), %.1f %% of its closest%n",
                100 * spread.table(), spread.honest(), spread.honest() + spread.sybil(), 100 * spread.closest(), PLAIN.k(),
                100 * packed.table(), packed.honest(), packed.honest() + packed.sybil(), 100 * packed.closest());
        // one /24: at most maxPerPrefix Sybils per bucket (6+ buckets near the victim) -> a small minority
        assertThat(packed.sybil()).isLessThanOrEqualTo(PLAIN.maxPerPrefix() * 40);
        assertThat(packed.table()).isGreaterThanOrEqualTo(0.75);
        // one /16 over many /24s: the Sybils take the victim's empty near buckets but the honest majority stays
        assertThat(spread.table()).isGreaterThanOrEqualTo(0.40);
        // and the /16 limit (4 of k = 20) keeps them to a fifth of its closest (0 % honest before that limit)
        assertThat(spread.closest()).isGreaterThanOrEqualTo(1 - PLAIN.maxPerSubnet16() / (double) PLAIN.k());
    }
}
