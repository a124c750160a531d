package org.parley.discovery.kademlia;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.sim.Fixtures;
import org.parley.discovery.sim.SimNetwork;
import org.parley.discovery.wire.DhtMessage;
import org.parley.discovery.wire.DhtMessageCodec;
import org.parley.discovery.wire.Header;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A DHT header's claimed address against the IP its link is connected to: peers of one /24 that
 * claim addresses in many /24s share that one /24's record quota and enter the routing table at
 * their real address; loopback claims over loopback links are believed.
 */
class AddressMismatchTest {
    private static final DhtConfig PLAIN = DhtConfig.DEFAULTS.withDisjointPaths(1);
    private static final int PER_PEER = 3;
    private static final int PER_SUBNET = 5;

    private static final class Counting implements DiscoveryMetrics {
        final Map<String, Integer> refused = new HashMap<>();
        int mismatches;

        @Override
        public void storeRefused(String reason) {
            refused.merge(reason, 1, Integer::sum);
        }

        @Override
        public void addressMismatch() {
            mismatches++;
        }
    }

    private final SimNetwork sim = new SimNetwork(83);
    private final Counting metrics = new Counting();
    private DhtNode victim;

    private void startVictim() {
        NodeIdentity id = sim.newIdentity();
        PeerAddress addr = sim.newAddress();
        victim = new DhtNode(PLAIN.withRecordsPerPeer(PER_PEER, PER_SUBNET), id, addr, sim.net.endpoint(id.publicKey(), addr),
                sim.clock, sim.scheduler, new Random(5), metrics);
        victim.start();
    }

    /** A node whose link comes from {@code real} but whose headers claim {@code claimed}. */
    private DhtNode liar(PeerAddress real, PeerAddress claimed) {
        NodeIdentity id = sim.newIdentity();
        DhtNode n = new DhtNode(PLAIN, id, claimed, sim.net.endpoint(id.publicKey(), real), sim.clock, sim.scheduler,
                new Random(sim.random.nextLong()), DiscoveryMetrics.NOOP);
        n.start();
        return n;
    }

    private DhtMessage.StoreStatus store(DhtNode from, SignedRecord r) {
        DhtMessage reply = sim.net.await(from.call(victim.self(), h -> new DhtMessage.Store(h, r)), 10_000);
        return ((DhtMessage.StoreAck) reply).status();
    }

    @Test
    void peersOfOneSlash24ClaimingOthersShareItsRecordQuotaAndEnterTheTableAtTheirRealAddress() {
        startVictim();
        List<DhtNode> liars = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // real: 30.1.1.x (one /24); claimed: 40.x.1.1 (a /24 and /16 each)
            liars.add(liar(PeerAddress.ipv4(30, 1, 1, 1 + i, 7000), PeerAddress.ipv4(40, 1 + i, 1, 1, 7000)));
        }
        List<DhtMessage.StoreStatus> got = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (DhtNode l : liars) {
                got.add(store(l, Fixtures.relayRecord(sim.newIdentity(), sim.clock.nowMillis(), 1, sim.random)));
            }
        }
        // each liar holds at most 2 < PER_PEER records: only the shared /24 quota can refuse the sixth
        assertThat(got.subList(0, PER_SUBNET)).containsOnly(DhtMessage.StoreStatus.STORED);
        assertThat(got.get(PER_SUBNET)).isEqualTo(DhtMessage.StoreStatus.REFUSED);
        assertThat(metrics.refused).containsExactlyEntriesOf(Map.of("per_subnet", 1));
        assertThat(victim.records().heldForSubnet(PeerAddress.ipv4(30, 1, 1, 0, 0).prefixKey())).isEqualTo(PER_SUBNET);
        assertThat(metrics.mismatches).isEqualTo(6);
        // the replies reached them (the call would have timed out otherwise) and the table holds the real addresses
        for (int i = 0; i < liars.size(); i++) {
            assertThat(victim.table().get(liars.get(i).id()).orElseThrow().address())
                    .isEqualTo(PeerAddress.ipv4(30, 1, 1, 1 + i, 7000));
        }
    }

    @Test
    void anHonestPeerIsBelievedAndNotCounted() {
        startVictim();
        DhtNode honest = liar(PeerAddress.ipv4(30, 2, 1, 1, 7000), PeerAddress.ipv4(30, 2, 1, 1, 7000));
        assertThat(store(honest, Fixtures.relayRecord(sim.newIdentity(), sim.clock.nowMillis(), 1, sim.random)))
                .isEqualTo(DhtMessage.StoreStatus.STORED);
        assertThat(metrics.mismatches).isZero();
        assertThat(victim.table().get(honest.id()).orElseThrow().address()).isEqualTo(PeerAddress.ipv4(30, 2, 1, 1, 7000));
    }

    @Test
    void loopbackClaimsOverLoopbackLinksAreBelievedOthersAreNot() {
        startVictim();
        NodeIdentity a = sim.newIdentity();
        NodeIdentity b = sim.newIdentity();
        PeerAddress aClaim = PeerAddress.ipv4(127, 0, 0, 1, 7101);
        PeerAddress bClaim = PeerAddress.ipv4(127, 0, 0, 1, 7102);
        Bytes pingA = DhtMessageCodec.encode(new DhtMessage.Ping(new Header(1, new org.parley.discovery.net.Contact(a.publicKey(), aClaim), false)));
        Bytes pingB = DhtMessageCodec.encode(new DhtMessage.Ping(new Header(2, new org.parley.discovery.net.Contact(b.publicKey(), bClaim), false)));
        // a testnet node listening on 127.0.0.1, its link seen from 127.0.1.1
        victim.onReceive(a.nodeId(), pingA, PeerAddress.ipv4(127, 0, 1, 1, 0).ip());
        // the same claim over a link from a routable address
        victim.onReceive(b.nodeId(), pingB, PeerAddress.ipv4(10, 3, 4, 5, 0).ip());
        assertThat(metrics.mismatches).isEqualTo(1);
        assertThat(victim.table().get(a.nodeId()).orElseThrow().address()).isEqualTo(aClaim);
        assertThat(victim.table().get(b.nodeId()).orElseThrow().address()).isEqualTo(PeerAddress.ipv4(10, 3, 4, 5, 7102));
        // a transport that does not know the link's IP: the claim stands
        NodeIdentity c = sim.newIdentity();
        PeerAddress cClaim = PeerAddress.ipv4(50, 1, 1, 1, 7103);
        victim.onReceive(c.nodeId(), DhtMessageCodec.encode(new DhtMessage.Ping(
                new Header(3, new org.parley.discovery.net.Contact(c.publicKey(), cClaim), false))));
        assertThat(victim.table().get(c.nodeId()).orElseThrow().address()).isEqualTo(cClaim);
        assertThat(metrics.mismatches).isEqualTo(1);
    }
}
