package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.discovery.net.Contact;
import org.parley.discovery.record.ContactRecords;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.sim.Fixtures;
import org.parley.discovery.sim.SimNetwork;
import org.parley.discovery.sim.SimNode;
import org.parley.discovery.wire.DhtMessage;
import org.parley.discovery.wire.DhtMessageCodec;
import org.parley.discovery.wire.Header;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DhtNodeTest {
    private static final DhtConfig PLAIN = DhtConfig.DEFAULTS.withDisjointPaths(1);

    @Test
    void findNodeConvergesToTheTrueClosestNodes() {
        SimNetwork sim = new SimNetwork(1);
        sim.grow(60, PLAIN);
        for (int t = 0; t < 10; t++) {
            NodeId target = new NodeId(Distance.random(sim.random));
            SimNode asker = sim.nodes.get(sim.random.nextInt(sim.nodes.size()));
            LookupResult r = sim.net.await(asker.dht().findNode(target), 60_000);
            List<NodeId> expected = sim.nodes.stream().map(n -> n.dht().id()).filter(id -> !id.equals(asker.dht().id()))
                    .sorted(Distance.closerTo(target.value())).limit(PLAIN.k()).collect(Collectors.toList());
            List<NodeId> got = r.closest().stream().map(Contact::id).collect(Collectors.toList());
            assertThat(r.found()).isTrue();
            assertThat(got).containsExactlyElementsOf(expected);
        }
        for (SimNode n : sim.nodes) {
            n.dht().table().checkInvariants();
            assertThat(n.dht().pendingRequests()).isZero();
        }
    }

    @Test
    void storedRecordIsFoundFromEveryNodeAndVerified() {
        SimNetwork sim = new SimNetwork(2);
        sim.grow(40, PLAIN);
        SimNode owner = sim.nodes.get(5);
        SignedRecord rec = Fixtures.relayRecord(owner.identity(), sim.clock.nowMillis(), 1, sim.random);
        int acks = sim.net.await(owner.dht().store(rec), 60_000);
        assertThat(acks).isEqualTo(PLAIN.k());
        for (SimNode n : sim.nodes) {
            LookupResult r = sim.net.await(n.dht().findValue(rec.key()), 60_000);
            assertThat(r.found()).as("lookup from %s", n.dht().id()).isTrue();
            assertThat(r.records()).containsExactly(rec);
        }
    }

    @Test
    void contactRecordRoundTripsThroughTheDht() {
        SimNetwork sim = new SimNetwork(3);
        sim.grow(30, PLAIN);
        SimNode alice = sim.nodes.get(0);
        SignedRecord rec = ContactRecords.create(alice.identity(), "alice@parley", Bytes.of("inbox: abc".getBytes()), 1,
                sim.clock.nowMillis() + 3600_000, new SecureRandom());
        sim.net.await(alice.dht().store(rec), 60_000);
        LookupResult r = sim.net.await(sim.nodes.get(17).dht().findValue(ContactRecords.dhtKey("Alice@parley")), 60_000);
        assertThat(r.found()).isTrue();
        assertThat(new String(ContactRecords.open("alice@parley", r.records().get(0).payload()).toArray())).isEqualTo("inbox: abc");
    }

    @Test
    void newerVersionReplacesOlderOnReplicas() {
        SimNetwork sim = new SimNetwork(4);
        sim.grow(30, PLAIN);
        SimNode owner = sim.nodes.get(3);
        long now = sim.clock.nowMillis();
        SignedRecord v1 = Fixtures.relayRecord(owner.identity(), now, 1, sim.random);
        SignedRecord v2 = Fixtures.relayRecord(owner.identity(), now, 2, sim.random);
        sim.net.await(owner.dht().store(v2), 60_000);
        int acks = sim.net.await(owner.dht().store(v1), 60_000); // stale: replicas keep v2
        assertThat(acks).isEqualTo(PLAIN.k());
        LookupResult r = sim.net.await(sim.nodes.get(20).dht().findValue(v1.key()), 60_000);
        assertThat(r.records()).containsExactly(v2);
    }

    @Test
    void deadContactsAreEvictedAfterTimeouts() {
        SimNetwork sim = new SimNetwork(5);
        sim.grow(30, PLAIN);
        SimNode a = sim.nodes.get(0);
        SimNode victim = sim.nodes.stream().filter(n -> a.dht().table().contains(n.dht().id())).findFirst().orElseThrow();
        sim.net.kill(victim.dht().id());
        for (int i = 0; i < PLAIN.maxFailures(); i++) {
            assertThat(sim.net.await(a.dht().ping(victim.dht().self()), 10_000)).isFalse();
        }
        assertThat(a.dht().table().contains(victim.dht().id())).isFalse();
        assertThat(a.dht().pendingRequests()).isZero();
    }

    @Test
    void fullBucketPingsTheOldestAndKeepsItWhenAlive() {
        SimNetwork sim = new SimNetwork(6);
        DhtConfig small = new DhtConfig(2, 3, 1, 2000, 2, 1, 300, 900_000, 60_000, 3_600_000, false, 20, 100, 100, 8,
                DhtConfig.DEFAULTS.records());
        SimNode a = sim.addNode(small);
        // Bucket 0 holds ids whose first bit differs from a's; fill it with 2, then offer a third.
        List<SimNode> far = new ArrayList<>();
        while (far.size() < 3) {
            SimNode n = sim.addNode(small);
            if (a.dht().table().bucketIndex(n.dht().id()) == 0) far.add(n);
        }
        for (SimNode n : far) sim.net.await(n.dht().ping(a.dht().self()), 10_000);
        assertThat(a.dht().table().bucketSize(0)).isEqualTo(2);
        assertThat(a.dht().table().contains(far.get(0).dht().id())).isTrue();
        assertThat(a.dht().table().contains(far.get(2).dht().id())).isFalse();
        // Now the oldest dies; the next newcomer replaces it after the failed ping.
        sim.net.kill(far.get(0).dht().id());
        SimNode late = far.get(2);
        sim.net.await(late.dht().ping(a.dht().self()), 10_000);
        sim.scheduler.advance(5_000);
        assertThat(a.dht().table().contains(far.get(0).dht().id())).isFalse();
        assertThat(a.dht().table().contains(late.dht().id())).isTrue();
        a.dht().table().checkInvariants();
    }

    @Test
    void lightNodeIsNeverInsertedIntoTablesAndCannotPublishDescriptor() {
        SimNetwork sim = new SimNetwork(7);
        sim.grow(20, PLAIN);
        SimNode light = sim.addNode(PLAIN.withLightMode(true));
        sim.net.await(light.dht().bootstrap(List.of(sim.nodes.get(0).dht().self())), 60_000);
        assertThat(light.dht().table().size()).isGreaterThan(5);
        for (SimNode n : sim.nodes) {
            assertThat(n.dht().table().contains(light.dht().id())).isFalse();
        }
        SignedRecord desc = Fixtures.relayRecord(light.identity(), sim.clock.nowMillis(), 1, sim.random);
        assertThatThrownBy(() -> light.dht().store(desc)).hasMessageContaining("light node");
        // ...but it can look things up as a client.
        SimNode owner = sim.nodes.get(4);
        SignedRecord rec = Fixtures.relayRecord(owner.identity(), sim.clock.nowMillis(), 1, sim.random);
        sim.net.await(owner.dht().store(rec), 60_000);
        assertThat(sim.net.await(light.dht().findValue(rec.key()), 60_000).found()).isTrue();
    }

    @Test
    void spoofedSenderAndGarbageAreDroppedWithoutReply() {
        SimNetwork sim = new SimNetwork(8);
        sim.grow(3, PLAIN);
        SimNode a = sim.nodes.get(0);
        SimNode b = sim.nodes.get(1);
        SimNode c = sim.nodes.get(2);
        long before = sim.net.delivered();
        // b's header claims c's identity.
        Bytes ping = DhtMessageCodec.encode(new DhtMessage.Ping(new Header(42, c.dht().self(), false)));
        a.dht().onReceive(b.dht().id(), ping);
        a.dht().onReceive(b.dht().id(), Bytes.of(new byte[] {(byte) 0xD1, 1, 0}));
        a.dht().onReceive(b.dht().id(), Bytes.EMPTY);
        sim.scheduler.advance(1000);
        assertThat(sim.net.delivered()).isEqualTo(before);
    }

    @Test
    void requestsOverTheRateLimitAreDropped() {
        SimNetwork sim = new SimNetwork(9);
        SimNode a = sim.addNode(PLAIN.withRateLimit(1, 5));
        SimNode b = sim.addNode(PLAIN);
        int answered = 0;
        List<java.util.concurrent.CompletableFuture<Boolean>> pings = new ArrayList<>();
        for (int i = 0; i < 20; i++) pings.add(b.dht().ping(a.dht().self()));
        sim.scheduler.advance(5_000);
        for (var p : pings) if (p.join()) answered++;
        assertThat(answered).isEqualTo(5);
        // Tokens refill on the clock: 5 s later the bucket is full again (burst 5).
        pings.clear();
        for (int i = 0; i < 10; i++) pings.add(b.dht().ping(a.dht().self()));
        sim.scheduler.advance(5_000);
        answered = 0;
        for (var p : pings) if (p.join()) answered++;
        assertThat(answered).isBetween(4, 6);
    }

    @Test
    void lookupWithAnEmptyTableFailsAndUnknownMessagesAreIgnored() {
        SimNetwork sim = new SimNetwork(10);
        SimNode lonely = sim.addNode(PLAIN);
        LookupResult r = sim.net.await(lonely.dht().findValue(Distance.random(sim.random)), 10_000);
        assertThat(r.outcome()).isEqualTo(org.parley.discovery.metrics.DiscoveryMetrics.LookupResult.FAILED);
        assertThat(r.queries()).isZero();
        SimNode other = sim.addNode(PLAIN);
        long before = sim.net.delivered();
        lonely.dht().onReceive(other.dht().id(), DhtMessageCodec.encode(
                new DhtMessage.Unrecognized(new Header(5, other.dht().self(), false), 250, Bytes.of(new byte[] {9}))));
        sim.scheduler.advance(1000);
        assertThat(sim.net.delivered()).isEqualTo(before); // no reply
        assertThat(lonely.dht().table().contains(other.dht().id())).isFalse(); // and not trusted as a contact
    }
}
