package org.parley.discovery.kademlia;

import org.junit.jupiter.api.Test;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.sim.Fixtures;
import org.parley.discovery.sim.SimNetwork;
import org.parley.discovery.sim.SimNode;
import org.parley.discovery.wire.DhtMessage;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The DHT records-per-peer limit: by the STORE's sender node id and by the /24 of its address. */
class RecordsPerPeerTest {
    private static final DhtConfig PLAIN = DhtConfig.DEFAULTS.withDisjointPaths(1);
    private static final int PER_PEER = 3;
    private static final int PER_SUBNET = 5;

    private static final class Counting implements DiscoveryMetrics {
        final Map<String, Integer> refused = new HashMap<>();

        @Override
        public void storeRefused(String reason) {
            refused.merge(reason, 1, Integer::sum);
        }
    }

    private final SimNetwork sim = new SimNetwork(71);
    private final Counting metrics = new Counting();
    private DhtNode victim;

    private DhtMessage.StoreStatus store(SimNode from, SignedRecord r) {
        DhtMessage reply = sim.net.await(from.dht().call(victim.self(), h -> new DhtMessage.Store(h, r)), 10_000);
        return ((DhtMessage.StoreAck) reply).status();
    }

    /** A valid record of a fresh publisher (a relay descriptor: one key per publisher). */
    private SignedRecord record() {
        return Fixtures.relayRecord(sim.newIdentity(), sim.clock.nowMillis(), 1, sim.random);
    }

    private void startVictim() {
        DhtConfig cfg = PLAIN.withRecordsPerPeer(PER_PEER, PER_SUBNET);
        NodeIdentity id = sim.newIdentity();
        PeerAddress addr = sim.newAddress();
        victim = new DhtNode(cfg, id, addr, sim.net.endpoint(id.publicKey(), addr), sim.clock, sim.scheduler, new Random(5), metrics);
        victim.start();
    }

    @Test
    void aPeerIsRefusedItsNPlusFirstRecordWhileOthersStillStore() {
        startVictim();
        SimNode a = sim.addNode(PLAIN);
        SimNode b = sim.addNode(PLAIN);
        NodeIdentity publisher = sim.newIdentity();
        SignedRecord first = Fixtures.relayRecord(publisher, sim.clock.nowMillis(), 1, sim.random);
        assertThat(store(a, first)).isEqualTo(DhtMessage.StoreStatus.STORED);
        for (int i = 1; i < PER_PEER; i++) assertThat(store(a, record())).isEqualTo(DhtMessage.StoreStatus.STORED);
        assertThat(victim.records().heldFor(a.dht().id())).isEqualTo(PER_PEER);

        SignedRecord extra = record();
        assertThat(store(a, extra)).isEqualTo(DhtMessage.StoreStatus.REFUSED);
        assertThat(victim.records().get(extra.key(), sim.clock.nowMillis())).isEmpty();
        assertThat(metrics.refused).containsEntry("per_peer", 1);
        // a newer version of a record it placed is not a new record: still accepted
        SignedRecord newer = Fixtures.relayRecord(publisher, sim.clock.nowMillis(), 2, sim.random);
        assertThat(store(a, newer)).isEqualTo(DhtMessage.StoreStatus.STORED);
        assertThat(victim.records().get(newer.key(), sim.clock.nowMillis())).containsExactly(newer);
        // another peer (own /24) still stores, the same record too
        assertThat(store(b, extra)).isEqualTo(DhtMessage.StoreStatus.STORED);
        assertThat(victim.records().heldFor(b.dht().id())).isEqualTo(1);
        assertThat(victim.records().size()).isEqualTo(PER_PEER + 1);
        assertThat(metrics.refused).containsOnlyKeys("per_peer");
    }

    @Test
    void peersOfOneSlash24ShareTheSubnetLimitAndExpiryFreesTheirQuota() {
        startVictim();
        SimNode c1 = sim.addNode(PLAIN, sim.newIdentity(), PeerAddress.ipv4(30, 1, 1, 1, 7000));
        SimNode c2 = sim.addNode(PLAIN, sim.newIdentity(), PeerAddress.ipv4(30, 1, 1, 2, 7000));
        SimNode elsewhere = sim.addNode(PLAIN, sim.newIdentity(), PeerAddress.ipv4(30, 1, 2, 1, 7000));
        for (int i = 0; i < PER_PEER; i++) assertThat(store(c1, record())).isEqualTo(DhtMessage.StoreStatus.STORED);
        for (int i = PER_PEER; i < PER_SUBNET; i++) assertThat(store(c2, record())).isEqualTo(DhtMessage.StoreStatus.STORED);
        assertThat(store(c2, record())).isEqualTo(DhtMessage.StoreStatus.REFUSED);
        assertThat(metrics.refused).containsExactlyEntriesOf(Map.of("per_subnet", 1));
        // the next /24 of the same /16 is a different subnet for this limit
        assertThat(store(elsewhere, record())).isEqualTo(DhtMessage.StoreStatus.STORED);
        assertThat(victim.records().size()).isEqualTo(PER_SUBNET + 1);

        // records expire (relay records live 1 h here): the quota is released
        sim.scheduler.advance(3_600_000L + PLAIN.maintenanceIntervalMillis() + 1);
        victim.maintain();
        assertThat(victim.records().size()).isZero();
        assertThat(victim.records().heldFor(c2.dht().id())).isZero();
        assertThat(store(c2, record())).isEqualTo(DhtMessage.StoreStatus.STORED);
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> PLAIN.withRecordsPerPeer(0, 10)).isInstanceOf(ParleyException.class)
                .hasMessageContaining("maxRecordsPerPeer");
        assertThatThrownBy(() -> PLAIN.withRecordsPerPeer(10, 5)).isInstanceOf(ParleyException.class)
                .hasMessageContaining("maxRecordsPerSubnet");
        assertThatThrownBy(() -> PLAIN.withMaxPerSubnet16(PLAIN.maxPerPrefix() - 1)).isInstanceOf(ParleyException.class)
                .hasMessageContaining("maxPerSubnet16");
        assertThat(DhtConfig.DEFAULTS.maxPerSubnet16()).isEqualTo(2 * DhtConfig.DEFAULTS.maxPerPrefix());
        assertThat(List.of(DhtConfig.DEFAULTS.maxRecordsPerPeer(), DhtConfig.DEFAULTS.maxRecordsPerSubnet())).containsExactly(64, 256);
    }
}
