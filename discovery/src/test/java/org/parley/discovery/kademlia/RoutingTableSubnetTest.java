package org.parley.discovery.kademlia;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The routing table's second eclipse limit: contacts per /16 (IPv4) or /32 (IPv6) per bucket and per result. */
class RoutingTableSubnetTest {
    private final Random random = new Random(17);
    private final NodeId self = new NodeId(Distance.random(random));

    /** A contact in bucket {@code bucket} of {@code self} (random identity keys: the table never checks signatures). */
    private Contact inBucket(int bucket, PeerAddress addr) {
        byte[] key = new byte[32];
        while (true) {
            random.nextBytes(key);
            Bytes k = Bytes.wrap(key.clone());
            if (Distance.commonPrefixLength(self.value(), NodeId.ofIdentityKey(k).value()) == bucket) return new Contact(k, addr);
        }
    }

    @Test
    void aBucketTakesAtMostMaxPer16FromOneSlash16EvenOverDistinctSlash24s() {
        RoutingTable t = new RoutingTable(self, 20, 2, 4, 0, 2);
        List<RoutingTable.Status> statuses = new ArrayList<>();
        for (int i = 0; i < 10; i++) statuses.add(t.insert(inBucket(0, PeerAddress.ipv4(10, 250, i, 1, 7000)), i).status());
        assertThat(statuses.subList(0, 4)).containsOnly(RoutingTable.Status.ADDED);
        assertThat(statuses.subList(4, 10)).containsOnly(RoutingTable.Status.REJECTED_PREFIX);
        // other /16s still get in; an IPv6 /32 is limited the same way
        for (int i = 0; i < 6; i++) {
            assertThat(t.insert(inBucket(0, PeerAddress.ipv4(11 + i, 0, 0, 1, 7000)), 20).status()).isEqualTo(RoutingTable.Status.ADDED);
        }
        int v6added = 0;
        for (int i = 0; i < 8; i++) {
            byte[] ip = new byte[16];
            ip[0] = 0x20;
            ip[1] = 0x01;
            ip[5] = (byte) i; // distinct /48s inside one /32
            if (t.insert(inBucket(1, new PeerAddress(Bytes.wrap(ip), 7000)), 30).status() == RoutingTable.Status.ADDED) v6added++;
        }
        assertThat(v6added).isEqualTo(4);
        assertThat(t.bucketSize(0)).isEqualTo(10);
        t.checkInvariants();
    }

    @Test
    void closestKeepsAtMostMaxPer16FromOneSlash16AcrossBuckets() {
        RoutingTable t = new RoutingTable(self, 20, 2, 4, 0, 2);
        // Sybils from one /16 in many deep buckets: closer to self than anything else, up to 4 per bucket
        int sybils = 0;
        for (int bucket = 8; bucket < 14; bucket++) {
            for (int j = 0; j < 6; j++) {
                if (t.insert(inBucket(bucket, PeerAddress.ipv4(10, 250, bucket * 8 + j, 1, 7000)), 1).status()
                        == RoutingTable.Status.ADDED) sybils++;
            }
        }
        assertThat(sybils).isEqualTo(6 * 4);
        for (int i = 0; i < 40; i++) t.insert(inBucket(i % 4, PeerAddress.ipv4(20 + i, 1, 1, 1, 7000)), 2);
        List<Contact> closest = t.closest(self.value(), 20);
        long fromSlash16 = closest.stream().filter(c -> c.address().subnetKey().equals(PeerAddress.ipv4(10, 250, 0, 0, 0).subnetKey())).count();
        assertThat(closest).hasSize(20);
        assertThat(fromSlash16).isEqualTo(4);
        t.checkInvariants();
    }

    @Test
    void maxPer16OfKOrMoreSwitchesTheLimitOffForATestnetInOneSlash16() {
        RoutingTable t = new RoutingTable(self, 20, 2, 20, 0, 2);
        int added = 0;
        for (int i = 0; i < 20; i++) {
            if (t.insert(inBucket(0, PeerAddress.ipv4(10, 244, i, 5, 7000)), i).status() == RoutingTable.Status.ADDED) added++;
        }
        assertThat(added).isEqualTo(20);
        assertThat(t.insert(inBucket(0, PeerAddress.ipv4(10, 244, 99, 5, 7000)), 30).status())
                .isEqualTo(RoutingTable.Status.BUCKET_FULL);
        assertThat(t.closest(self.value(), 21)).hasSize(20);
        t.checkInvariants();
    }
}
