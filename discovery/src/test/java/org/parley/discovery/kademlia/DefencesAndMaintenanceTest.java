package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.defence.ProofOfWork;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.Contact;
import org.parley.discovery.record.RecordLimits;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.sim.Fixtures;
import org.parley.discovery.sim.SimNetwork;
import org.parley.discovery.sim.SimNode;
import org.parley.discovery.wire.DhtMessage;
import org.parley.discovery.wire.DhtMessageCodec;
import org.parley.discovery.wire.Header;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DefencesAndMaintenanceTest {
    private static final DhtConfig PLAIN = DhtConfig.DEFAULTS.withDisjointPaths(1);

    private static NodeIdentity minedIdentity(SimNetwork sim, int bits, boolean satisfy) {
        while (true) {
            NodeIdentity id = sim.newIdentity();
            if (ProofOfWork.satisfies(id.nodeId(), bits) == satisfy) return id;
        }
    }

    @Test
    void invalidRecordsSentByStoreAreRefusedAndNotKept() {
        SimNetwork sim = new SimNetwork(61);
        sim.grow(3, PLAIN);
        SimNode a = sim.nodes.get(0);
        SimNode b = sim.nodes.get(1);
        SignedRecord good = Fixtures.relayRecord(b.identity(), sim.clock.nowMillis(), 1, sim.random);
        byte[] sig = good.signature().toArray();
        sig[10] ^= 4;
        SignedRecord forged = new SignedRecord(good.kind(), good.key(), good.publisherKey(), 1, good.expiresAtMillis(), good.payload(), Bytes.wrap(sig));
        SignedRecord expired = Fixtures.relayRecord(b.identity(), sim.clock.nowMillis() - 7_200_000L, 1, sim.random);
        List<DhtMessage.StoreStatus> statuses = new ArrayList<>();
        for (SignedRecord r : List.of(forged, expired, good)) {
            DhtMessage reply = sim.net.await(b.dht().call(a.dht().self(), h -> new DhtMessage.Store(h, r)), 10_000);
            statuses.add(((DhtMessage.StoreAck) reply).status());
        }
        assertThat(statuses).containsExactly(DhtMessage.StoreStatus.INVALID, DhtMessage.StoreStatus.INVALID, DhtMessage.StoreStatus.STORED);
        assertThat(a.dht().records().size()).isEqualTo(1);
    }

    @Test
    void proofOfWorkIsCheckedOnTableInsertsLookupsAndRecords() {
        int bits = 4;
        SimNetwork sim = new SimNetwork(62);
        DhtConfig cfg = PLAIN.withRecords(new RecordLimits(2048, 86_400_000L, bits));
        for (int i = 0; i < 12; i++) sim.addNode(cfg, minedIdentity(sim, bits, true), sim.newAddress());
        for (int i = 1; i < 12; i++) sim.net.await(sim.nodes.get(i).dht().bootstrap(List.of(sim.nodes.get(0).dht().self())), 60_000);
        // A node without the puzzle cannot even be constructed with that config...
        NodeIdentity weak = minedIdentity(sim, bits, false);
        assertThatThrownBy(() -> sim.addNode(cfg, weak, sim.newAddress())).hasMessageContaining("proof-of-work");
        // ...and one configured without PoW is never inserted by the others, though it gets answers.
        SimNode cheat = sim.addNode(PLAIN, weak, sim.newAddress());
        sim.net.await(cheat.dht().bootstrap(List.of(sim.nodes.get(0).dht().self())), 60_000);
        for (SimNode n : sim.nodes.subList(0, 12)) assertThat(n.dht().table().contains(cheat.dht().id())).isFalse();
        assertThat(cheat.dht().table().size()).isGreaterThan(5);
        // Its records are refused too.
        SignedRecord rec = Fixtures.relayRecord(weak, sim.clock.nowMillis(), 1, sim.random);
        int acks = sim.net.await(cheat.dht().store(rec), 60_000);
        assertThat(acks).isZero();
        for (SimNode n : sim.nodes.subList(0, 12)) n.dht().table().checkInvariants();
    }

    @Test
    void publicationIsRepublishedBeforeExpiryWithNewVersions() {
        SimNetwork sim = new SimNetwork(63);
        sim.grow(25, PLAIN);
        SimNode owner = sim.nodes.get(2);
        AtomicInteger version = new AtomicInteger();
        DhtNode.Publication pub = owner.dht().publish(() -> Fixtures.descriptor(owner.identity(), sim.clock.nowMillis(), sim.random)
                .toRecord(owner.identity(), version.incrementAndGet(), sim.clock.nowMillis() + 10 * 60_000L));
        sim.scheduler.advance(61 * 60_000L); // one hour; records live 10 min
        pub.cancel();
        assertThat(version.get()).isBetween(10, 14); // every ~5 min (half the remaining life)
        assertThat(pub.lastAcks()).isEqualTo(PLAIN.k());
        var r = sim.net.await(sim.nodes.get(20).dht().findValue(owner.dht().id().value()), 60_000);
        assertThat(r.found()).isTrue();
        assertThat(r.records().get(0).version()).isEqualTo(version.get());
    }

    @Test
    void maintenanceExpiresRecordsAndRefreshesStaleBuckets() {
        SimNetwork sim = new SimNetwork(64);
        sim.grow(30, PLAIN);
        SimNode a = sim.nodes.get(0);
        SignedRecord rec = Fixtures.relayRecord(sim.nodes.get(1).identity(), sim.clock.nowMillis(), 1, sim.random);
        sim.net.await(sim.nodes.get(1).dht().store(rec), 60_000);
        int before = a.dht().table().bucketsToRefresh(sim.clock.nowMillis() + PLAIN.refreshIntervalMillis(), PLAIN.refreshIntervalMillis()).size();
        assertThat(before).isGreaterThan(0);
        long delivered = sim.net.delivered();
        sim.scheduler.advance(PLAIN.refreshIntervalMillis() + 2 * PLAIN.maintenanceIntervalMillis());
        assertThat(sim.net.delivered()).isGreaterThan(delivered); // refresh lookups ran
        sim.scheduler.advance(3600_000L);
        for (SimNode n : sim.nodes) assertThat(n.dht().records().size()).isZero();
    }

    @Test
    void metricsHooksSeeRpcsLookupsAndDrops() {
        SimNetwork sim = new SimNetwork(65);
        sim.grow(15, PLAIN);
        Map<String, Integer> counts = new HashMap<>();
        int[] table = new int[1];
        DiscoveryMetrics m = new DiscoveryMetrics() {
            @Override
            public void bindRoutingTableSize(java.util.function.IntSupplier size) {
                table[0] = -1;
                counts.put("bound", 1);
            }

            @Override
            public void lookupCompleted(LookupResult result, long durationMillis) {
                counts.merge("lookup_" + result.tag(), 1, Integer::sum);
            }

            @Override
            public void rpc(String type, boolean inbound) {
                counts.merge((inbound ? "in_" : "out_") + type, 1, Integer::sum);
            }

            @Override
            public void dropped(String reason) {
                counts.merge("drop_" + reason, 1, Integer::sum);
            }
        };
        NodeIdentity id = sim.newIdentity();
        var addr = sim.newAddress();
        var ep = sim.net.endpoint(id.publicKey(), addr);
        DhtNode node = new DhtNode(PLAIN, id, addr, ep, sim.clock, sim.scheduler, new Random(1), m);
        node.start();
        sim.net.await(node.bootstrap(List.of(sim.nodes.get(0).dht().self())), 60_000);
        sim.net.await(node.findValue(Bytes.wrap(new byte[32])), 60_000);
        node.onReceive(sim.nodes.get(0).dht().id(), Bytes.of(new byte[] {1, 2, 3}));
        Contact other = sim.nodes.get(1).dht().self();
        node.onReceive(sim.nodes.get(0).dht().id(), DhtMessageCodec.encode(new DhtMessage.Ping(new Header(1, other, false))));
        assertThat(counts).containsEntry("bound", 1);
        assertThat(counts.get("out_find_node")).isGreaterThan(0);
        assertThat(counts.get("in_nodes")).isGreaterThan(0);
        assertThat(counts).containsEntry("lookup_found", 1).containsEntry("lookup_not_found", 1);
        assertThat(counts).containsEntry("drop_malformed", 1).containsEntry("drop_spoofed", 1);
    }
}
