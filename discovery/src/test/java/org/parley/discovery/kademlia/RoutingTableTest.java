package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.defence.ProofOfWork;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class RoutingTableTest {
    private final Random random = new Random(21);
    private int addr;

    private Contact contact() {
        return contactIn24(addr++);
    }

    private Contact contactIn24(int n) {
        byte[] key = new byte[32];
        random.nextBytes(key); // any 32 bytes: the table never verifies signatures
        return new Contact(Bytes.wrap(key), PeerAddress.ipv4(10, (n >> 8) & 0xff, n & 0xff, 1 + random.nextInt(200), 7000));
    }

    private NodeId selfId() {
        byte[] s = new byte[32];
        random.nextBytes(s);
        return NodeIdentity.fromSeed(Bytes.wrap(s)).nodeId();
    }

    @Test
    void invariantsHoldUnderRandomInsertsEvictionsAndFailures() {
        RoutingTable t = new RoutingTable(selfId(), 20, 2, 0, 2);
        List<Contact> inserted = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            Contact c = random.nextInt(10) == 0 ? contactIn24(random.nextInt(50)) : contact();
            RoutingTable.InsertResult r = t.insert(c, i);
            if (r.status() == RoutingTable.Status.ADDED) inserted.add(c);
            if (r.status() == RoutingTable.Status.BUCKET_FULL) {
                assertThat(r.leastRecentlySeen()).isPresent();
                assertThat(t.bucketIndex(r.leastRecentlySeen().get().id())).isEqualTo(t.bucketIndex(c.id()));
            }
            if (i % 7 == 0 && !inserted.isEmpty()) t.evict(inserted.get(random.nextInt(inserted.size())).id(), i);
            if (i % 5 == 0 && !inserted.isEmpty()) t.recordFailure(inserted.get(random.nextInt(inserted.size())).id(), i);
            if (i % 500 == 0) t.checkInvariants();
        }
        t.checkInvariants();
        assertThat(t.size()).isGreaterThan(60);
        assertThat(t.bucketSize(0)).isEqualTo(20);
    }

    @Test
    void fullBucketNamesLeastRecentlySeenAndRefreshMovesToTail() {
        RoutingTable t = new RoutingTable(selfId(), 3, 2, 0, 2);
        List<Contact> b0 = new ArrayList<>();
        while (b0.size() < 4) {
            Contact c = contact();
            if (t.bucketIndex(c.id()) == 0) b0.add(c);
        }
        for (int i = 0; i < 3; i++) assertThat(t.insert(b0.get(i), i).status()).isEqualTo(RoutingTable.Status.ADDED);
        RoutingTable.InsertResult full = t.insert(b0.get(3), 10);
        assertThat(full.status()).isEqualTo(RoutingTable.Status.BUCKET_FULL);
        assertThat(full.leastRecentlySeen()).contains(b0.get(0));
        assertThat(t.insert(b0.get(0), 11).status()).isEqualTo(RoutingTable.Status.UPDATED);
        assertThat(t.leastRecentlySeen(0)).contains(b0.get(1));
        // Evicting promotes the newcomer from the replacement cache.
        assertThat(t.evict(b0.get(1).id(), 12)).isTrue();
        assertThat(t.contains(b0.get(3).id())).isTrue();
        assertThat(t.size()).isEqualTo(3);
        t.checkInvariants();
    }

    @Test
    void atMostTwoPerSlash24PerBucket() {
        RoutingTable t = new RoutingTable(selfId(), 20, 2, 0, 2);
        int added = 0;
        int rejected = 0;
        for (int i = 0; i < 40; i++) {
            Contact c = contactIn24(7); // all in 10.0.7.0/24
            RoutingTable.Status s = t.insert(c, i).status();
            if (s == RoutingTable.Status.ADDED) added++;
            if (s == RoutingTable.Status.REJECTED_PREFIX) rejected++;
        }
        // Random ids spread over buckets 0,1,2,...: at most 2 per bucket.
        for (int b = 0; b < 256; b++) assertThat(t.bucketSize(b)).isLessThanOrEqualTo(2);
        assertThat(rejected).isGreaterThan(0);
        assertThat(added + rejected).isEqualTo(40);
        List<Contact> closest = t.closest(Distance.random(random), 20);
        assertThat(closest.size()).isLessThanOrEqualTo(2);
    }

    @Test
    void proofOfWorkAndSelfAreRejected() {
        NodeIdentity me = NodeIdentity.fromSeed(Bytes.wrap(new byte[32]));
        RoutingTable t = new RoutingTable(me.nodeId(), 20, 2, 4, 2);
        assertThat(t.insert(new Contact(me.publicKey(), PeerAddress.ipv4(1, 2, 3, 4, 5)), 0).status())
                .isEqualTo(RoutingTable.Status.REJECTED_SELF);
        int pow = 0;
        int rejected = 0;
        for (int i = 0; i < 200; i++) {
            Contact c = contact();
            RoutingTable.Status s = t.insert(c, i).status();
            if (ProofOfWork.satisfies(c.id(), 4)) {
                pow++;
                assertThat(s).isNotEqualTo(RoutingTable.Status.REJECTED_POW);
            } else {
                rejected++;
                assertThat(s).isEqualTo(RoutingTable.Status.REJECTED_POW);
            }
        }
        assertThat(pow).isBetween(3, 30); // about 1 in 16
        assertThat(rejected).isGreaterThan(150);
        t.checkInvariants();
    }

    @Test
    void closestMatchesBruteForce() {
        RoutingTable t = new RoutingTable(selfId(), 20, 2, 0, 2);
        for (int i = 0; i < 3000; i++) t.insert(contact(), i);
        for (int q = 0; q < 20; q++) {
            Bytes target = Distance.random(random);
            List<NodeId> expected = t.all().stream().map(Contact::id).sorted(Distance.closerTo(target)).limit(20)
                    .collect(Collectors.toList());
            assertThat(t.closest(target, 20).stream().map(Contact::id).collect(Collectors.toList()))
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    void randomIdWithPrefixLandsInThatBucket() {
        NodeId self = selfId();
        RoutingTable t = new RoutingTable(self, 20, 2, 0, 2);
        for (int i = 0; i < 256; i += 3) {
            assertThat(t.bucketIndex(new NodeId(Distance.randomWithPrefix(self.value(), i, random)))).isEqualTo(i);
        }
    }
}
