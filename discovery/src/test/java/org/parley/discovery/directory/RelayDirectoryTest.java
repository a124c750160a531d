package org.parley.discovery.directory;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.ManualClock;
import org.parley.discovery.kademlia.DhtConfig;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.RecordLimits;
import org.parley.discovery.record.RecordValidator;
import org.parley.discovery.record.RelayDescriptor;
import org.parley.discovery.record.RelayFlag;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.sim.Fixtures;
import org.parley.discovery.sim.SimNetwork;
import org.parley.discovery.sim.SimNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class RelayDirectoryTest {
    private static final long NOW = 1_700_000_000_000L;
    private final Random random = new Random(41);

    private NodeIdentity identity() {
        byte[] s = new byte[32];
        random.nextBytes(s);
        return NodeIdentity.fromSeed(Bytes.wrap(s));
    }

    @Test
    void keepsNewestValidDescriptorsAndAnswersCandidateQueries() {
        ManualClock clock = new ManualClock(NOW);
        AtomicReference<IntSupplier> gauge = new AtomicReference<>();
        DiscoveryMetrics metrics = new DiscoveryMetrics() {
            @Override
            public void bindRelaysKnown(IntSupplier count) {
                gauge.set(count);
            }
        };
        RelayDirectory dir = new RelayDirectory(new RecordValidator(RecordLimits.DEFAULTS), clock, 100, 2, metrics);
        NodeIdentity a = identity();
        NodeIdentity b = identity();
        NodeIdentity c = identity();
        assertThat(dir.offer(Fixtures.relayRecord(a, NOW, 1, random))).isTrue();
        assertThat(dir.offer(Fixtures.relayRecord(a, NOW, 2, random))).isTrue();
        assertThat(dir.offer(Fixtures.relayRecord(a, NOW, 1, random))).isFalse(); // older
        assertThat(dir.get(a.nodeId()).orElseThrow().record().version()).isEqualTo(2);
        // b is an inbox-less relay with more bandwidth, in a's family.
        RelayDescriptor bd = RelayDescriptor.create(b, Bytes.wrap(new byte[32]), NOW + 86_400_000L,
                List.of(PeerAddress.ipv4(10, 9, 9, 9, 7000)), List.of(a.nodeId()), 5000, EnumSet.of(RelayFlag.RELAY), "x");
        assertThat(dir.offer(bd.toRecord(b, 1, NOW + 3600_000))).isTrue();
        // c is not a relay at all (flags without RELAY).
        RelayDescriptor cd = RelayDescriptor.create(c, Bytes.wrap(new byte[32]), NOW + 86_400_000L,
                List.of(PeerAddress.ipv4(10, 9, 9, 8, 7000)), List.of(), 9000, EnumSet.of(RelayFlag.INBOX), "x");
        assertThat(dir.offer(cd.toRecord(c, 1, NOW + 3600_000))).isTrue();
        // A forged record is refused.
        SignedRecord good = Fixtures.relayRecord(identity(), NOW, 1, random);
        byte[] sig = good.signature().toArray();
        sig[0] ^= 1;
        assertThat(dir.offer(new SignedRecord(good.kind(), good.key(), good.publisherKey(), 1, good.expiresAtMillis(),
                good.payload(), Bytes.wrap(sig)))).isFalse();
        assertThat(gauge.get().getAsInt()).isEqualTo(3).isEqualTo(dir.relaysKnown());

        assertThat(dir.candidates(Set.of(), Set.of(), 10)).extracting(RelayDirectory.Relay::nodeId)
                .containsExactly(b.nodeId(), a.nodeId());
        assertThat(dir.candidates(Set.of(RelayFlag.INBOX), Set.of(), 10)).extracting(RelayDirectory.Relay::nodeId)
                .containsExactly(a.nodeId());
        // Excluding a also excludes its declared family member b.
        assertThat(dir.candidates(Set.of(), Set.of(a.nodeId()), 10)).isEmpty();

        var list = dir.relayList(10).relays();
        assertThat(list).hasSize(2);
        assertThat(list.get(0).nodeId()).isEqualTo(b.nodeId().hex());
        assertThat(list.get(0).address()).isEqualTo("10.9.9.9:7000");
        assertThat(list.get(0).family()).isEqualTo(a.nodeId().hex());
        assertThat(list.get(0).bandwidth()).isEqualTo(5000);
        assertThat(list.get(0).inbox()).isFalse();
        assertThat(list.get(1).inbox()).isTrue();
        assertThat(list.get(1).onionKey()).isEqualTo(dir.get(a.nodeId()).orElseThrow().descriptor().onionKey());

        dir.markUnreachable(b.nodeId());
        assertThat(dir.get(b.nodeId())).isPresent();
        dir.markUnreachable(b.nodeId());
        assertThat(dir.get(b.nodeId())).isEmpty();

        clock.advance(3600_000);
        assertThat(dir.expire()).isEqualTo(2);
        assertThat(dir.relaysKnown()).isZero();
    }

    @Test
    void syncLearnsRelaysFromNeighboursAndLookupsButNeverLightNodes() {
        SimNetwork sim = new SimNetwork(43);
        DhtConfig cfg = DhtConfig.DEFAULTS.withDisjointPaths(1);
        sim.grow(40, cfg);
        SimNode light = sim.addNode(cfg.withLightMode(true));
        sim.net.await(light.dht().bootstrap(List.of(sim.nodes.get(1).dht().self())), 60_000);
        // Every full node publishes its descriptor (stored locally and on the k closest).
        List<NodeId> relays = new ArrayList<>();
        for (SimNode n : sim.nodes) {
            if (n == light) continue;
            SignedRecord rec = Fixtures.relayRecord(n.identity(), sim.clock.nowMillis(), 1, sim.random);
            sim.net.await(n.dht().store(rec), 60_000);
            relays.add(n.dht().id());
        }
        SimNode me = sim.nodes.get(7);
        RelayDirectory dir = new RelayDirectory(me.dht().validator(), sim.clock, 1000, 2, DiscoveryMetrics.NOOP);
        DirectorySync sync = new DirectorySync(me.dht(), dir, sim.scheduler, new Random(1), 60_000, 3, 8);
        sync.start();
        sim.scheduler.advance(10 * 60_000);
        sync.stop();
        assertThat(dir.relaysKnown()).isGreaterThanOrEqualTo(relays.size() - 1);
        assertThat(dir.get(light.dht().id())).isEmpty();
        for (RelayDirectory.Relay r : dir.candidates(Set.of(), Set.of(), 1000)) assertThat(relays).contains(r.nodeId());
    }
}
