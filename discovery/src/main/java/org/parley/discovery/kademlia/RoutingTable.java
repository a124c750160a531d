package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.discovery.defence.ProofOfWork;
import org.parley.discovery.net.Contact;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * The Kademlia routing table: 256 k-buckets indexed by the length of the prefix a contact's id
 * shares with ours. Each bucket keeps at most {@code k} contacts ordered least- to most-recently
 * seen, at most {@code maxPerPrefix} from one /24 (IPv4) or /48 (IPv6) and at most
 * {@code maxPer16} from one /16 (IPv4) or /32 (IPv6), and a small replacement cache. A full bucket never drops a live old contact for a new one: {@link #insert} reports
 * {@link Status#BUCKET_FULL} with the least-recently-seen contact, which the caller pings and
 * then either {@link #insert touches} (it answered) or {@link #evict evicts} (it did not).
 * Invariants (checked by {@link #checkInvariants}): no self, no duplicate id, every contact in
 * the bucket its id maps to, bucket size ≤ k, both prefix limits per bucket, proof-of-work on every
 * entry. Not thread-safe.
 */
public final class RoutingTable {
    /** What {@link #insert} did. */
    public enum Status { ADDED, UPDATED, BUCKET_FULL, REJECTED_SELF, REJECTED_POW, REJECTED_PREFIX }

    /** Outcome of an insert; {@code leastRecentlySeen} is set for BUCKET_FULL. */
    public record InsertResult(Status status, Optional<Contact> leastRecentlySeen) {
        static InsertResult of(Status s) {
            return new InsertResult(s, Optional.empty());
        }
    }

    private static final class Entry {
        Contact contact;
        final long[] words;
        long lastSeen;
        int failures;

        Entry(Contact c, long now) {
            this.contact = c;
            this.words = words(c.id().value());
            this.lastSeen = now;
        }
    }

    private static final class Bucket {
        /** Insertion order = least recently seen first. */
        final LinkedHashMap<NodeId, Entry> entries = new LinkedHashMap<>();
        final ArrayDeque<Contact> replacements = new ArrayDeque<>();
        long lastChanged;
    }

    private final NodeId self;
    private final int k;
    private final int maxPerPrefix;
    private final int maxPer16;
    private final int powDifficulty;
    private final int maxFailures;
    private final Bucket[] buckets = new Bucket[Distance.BITS];
    private int size;

    /** A table with the /24 limit only (no /16 limit beyond {@code k}). */
    public RoutingTable(NodeId self, int k, int maxPerPrefix, int powDifficulty, int maxFailures) {
        this(self, k, maxPerPrefix, k, powDifficulty, maxFailures);
    }

    /**
     * @param maxPerPrefix contacts per bucket (and per {@link #closest} result) from one /24 or /48
     * @param maxPer16     contacts per bucket (and per {@link #closest} result) from one /16 or /32;
     *                     {@code >= k} switches this limit off (a test network in one /16)
     */
    public RoutingTable(NodeId self, int k, int maxPerPrefix, int maxPer16, int powDifficulty, int maxFailures) {
        if (maxPerPrefix < 1 || maxPer16 < 1) throw new IllegalArgumentException("prefix limits must be at least 1");
        this.self = self;
        this.k = k;
        this.maxPerPrefix = maxPerPrefix;
        this.maxPer16 = maxPer16 >= k ? Integer.MAX_VALUE : maxPer16; // ≥ k: off (a bucket never holds more than k)
        this.powDifficulty = powDifficulty;
        this.maxFailures = maxFailures;
    }

    public NodeId self() {
        return self;
    }

    public int bucketIndex(NodeId id) {
        return Distance.commonPrefixLength(self.value(), id.value());
    }

    private Bucket bucket(int index, boolean create) {
        Bucket b = buckets[index];
        if (b == null && create) {
            b = new Bucket();
            buckets[index] = b;
        }
        return b;
    }

    /** Adds or refreshes a contact seen alive at {@code now}. */
    public InsertResult insert(Contact c, long now) {
        NodeId id = c.id();
        if (id.equals(self)) return InsertResult.of(Status.REJECTED_SELF);
        if (!ProofOfWork.satisfies(id, powDifficulty)) return InsertResult.of(Status.REJECTED_POW);
        int index = bucketIndex(id);
        Bucket b = bucket(index, true);
        Entry e = b.entries.remove(id);
        if (e != null) {
            // Refresh: move to the most-recently-seen end; accept a new address only if the prefix limit allows.
            if (!e.contact.address().equals(c.address()) && fits(b, c, id)) e.contact = c;
            e.lastSeen = now;
            e.failures = 0;
            b.entries.put(id, e);
            b.lastChanged = now;
            return InsertResult.of(Status.UPDATED);
        }
        if (!fits(b, c, null)) return InsertResult.of(Status.REJECTED_PREFIX);
        if (b.entries.size() < k) {
            b.entries.put(id, new Entry(c, now));
            b.lastChanged = now;
            size++;
            return InsertResult.of(Status.ADDED);
        }
        b.replacements.removeIf(r -> r.id().equals(id));
        b.replacements.addLast(c);
        while (b.replacements.size() > k) b.replacements.removeFirst();
        return new InsertResult(Status.BUCKET_FULL, Optional.of(b.entries.values().iterator().next().contact));
    }

    /** Whether {@code c} may join bucket {@code b} (ignoring entry {@code except}) under both prefix limits. */
    private boolean fits(Bucket b, Contact c, NodeId except) {
        Bytes p24 = c.address().prefixKey();
        Bytes p16 = c.address().subnetKey();
        int n24 = 0;
        int n16 = 0;
        for (Entry e : b.entries.values()) {
            if (e.contact.id().equals(except)) continue;
            if (e.contact.address().prefixKey().equals(p24)) n24++;
            if (e.contact.address().subnetKey().equals(p16)) n16++;
        }
        return n24 < maxPerPrefix && n16 < maxPer16;
    }

    /**
     * Removes {@code id} (it failed a liveness ping) and promotes the newest usable contact
     * from the bucket's replacement cache.
     */
    public boolean evict(NodeId id, long now) {
        int index = bucketIndex(id);
        Bucket b = bucket(index, false);
        if (b == null || b.entries.remove(id) == null) return false;
        size--;
        b.lastChanged = now;
        while (!b.replacements.isEmpty()) {
            Contact r = b.replacements.pollLast();
            if (!b.entries.containsKey(r.id()) && fits(b, r, null)) {
                b.entries.put(r.id(), new Entry(r, now));
                size++;
                break;
            }
        }
        return true;
    }

    /** Counts a failed RPC; the contact is evicted after {@code maxFailures} in a row. */
    public boolean recordFailure(NodeId id, long now) {
        Bucket b = bucket(bucketIndex(id), false);
        Entry e = b == null ? null : b.entries.get(id);
        if (e == null) {
            if (b != null) b.replacements.removeIf(r -> r.id().equals(id));
            return false;
        }
        if (++e.failures >= maxFailures) return evict(id, now);
        return false;
    }

    public boolean contains(NodeId id) {
        if (id.equals(self)) return false;
        Bucket b = buckets[bucketIndex(id)];
        return b != null && b.entries.containsKey(id);
    }

    public Optional<Contact> get(NodeId id) {
        if (id.equals(self)) return Optional.empty();
        Bucket b = buckets[bucketIndex(id)];
        Entry e = b == null ? null : b.entries.get(id);
        return e == null ? Optional.empty() : Optional.of(e.contact);
    }

    /**
     * The {@code n} contacts closest to {@code target} (XOR), closest first, with at most
     * {@code maxPerPrefix} per /24 (/48) and at most {@code maxPer16} per /16 (/32) in the result.
     * The /16 limit on the result is what keeps a Sybil group in one /16 with ids mined close to
     * {@code target} from filling it: its members sit in many deep buckets (a few per bucket), all
     * closer than any honest contact, so a per-bucket limit alone would still let them take all n.
     */
    public List<Contact> closest(Bytes target, int n) {
        List<Contact> out = closest(target, n, 2 * n);
        if (out.size() < n && size > 2 * n) {
            // The limits dropped too many of the best 2n (many contacts from one /16): take them all.
            out = closest(target, n, size);
        }
        return out;
    }

    private List<Contact> closest(Bytes target, int n, int keep) {
        // Keep the best {@code keep} in a small sorted array, then apply the prefix limits;
        // distances are compared as four unsigned 64-bit words.
        if (keep <= 0) return List.of();
        long[] t = words(target);
        long[][] dist = new long[keep][];
        Contact[] best = new Contact[keep];
        int count = 0;
        for (Bucket b : buckets) {
            if (b == null) continue;
            for (Entry e : b.entries.values()) {
                long[] w = e.words;
                long[] d = {w[0] ^ t[0], w[1] ^ t[1], w[2] ^ t[2], w[3] ^ t[3]};
                if (count == keep && compareWords(d, dist[count - 1]) >= 0) continue;
                int at = count < keep ? count++ : count - 1;
                while (at > 0 && compareWords(d, dist[at - 1]) < 0) {
                    dist[at] = dist[at - 1];
                    best[at] = best[at - 1];
                    at--;
                }
                dist[at] = d;
                best[at] = e.contact;
            }
        }
        List<Contact> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(best[i]);
        return PrefixLimit.apply(out, maxPerPrefix, maxPer16, n);
    }

    private static long[] words(Bytes id) {
        long[] w = new long[4];
        for (int i = 0; i < 32; i++) w[i >> 3] = (w[i >> 3] << 8) | (id.get(i) & 0xff);
        return w;
    }

    private static int compareWords(long[] a, long[] b) {
        for (int i = 0; i < 4; i++) {
            if (a[i] != b[i]) return Long.compareUnsigned(a[i], b[i]);
        }
        return 0;
    }

    public List<Contact> all() {
        List<Contact> out = new ArrayList<>(size);
        for (Bucket b : buckets) {
            if (b == null) continue;
            for (Entry e : b.entries.values()) out.add(e.contact);
        }
        return out;
    }

    public int size() {
        return size;
    }

    public int bucketSize(int index) {
        Bucket b = buckets[index];
        return b == null ? 0 : b.entries.size();
    }

    /** The least-recently-seen contact of a bucket, if any. */
    public Optional<Contact> leastRecentlySeen(int index) {
        Bucket b = buckets[index];
        if (b == null || b.entries.isEmpty()) return Optional.empty();
        return Optional.of(b.entries.values().iterator().next().contact);
    }

    /**
     * Indexes of buckets that need a refresh lookup: unchanged for {@code intervalMillis}, from 0 up
     * to one past the deepest non-empty bucket (deeper buckets are empty by nature).
     */
    public List<Integer> bucketsToRefresh(long now, long intervalMillis) {
        int deepest = -1;
        for (int i = Distance.BITS - 1; i >= 0; i--) {
            if (buckets[i] != null && !buckets[i].entries.isEmpty()) {
                deepest = i;
                break;
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i <= Math.min(deepest + 1, Distance.BITS - 1); i++) {
            Bucket b = buckets[i];
            if (b == null || now - b.lastChanged >= intervalMillis) out.add(i);
        }
        return out;
    }

    public void markRefreshed(int index, long now) {
        bucket(index, true).lastChanged = now;
    }

    /** Throws IllegalStateException if an invariant is broken (used by tests). */
    public void checkInvariants() {
        int count = 0;
        java.util.Set<NodeId> seen = new java.util.HashSet<>();
        for (int i = 0; i < Distance.BITS; i++) {
            Bucket b = buckets[i];
            if (b == null) continue;
            if (b.entries.size() > k) throw new IllegalStateException("bucket " + i + " over k");
            java.util.Map<Bytes, Integer> perPrefix = new java.util.HashMap<>();
            java.util.Map<Bytes, Integer> per16 = new java.util.HashMap<>();
            for (Iterator<Entry> it = b.entries.values().iterator(); it.hasNext(); ) {
                Contact c = it.next().contact;
                if (c.id().equals(self)) throw new IllegalStateException("self in table");
                if (bucketIndex(c.id()) != i) throw new IllegalStateException("contact in wrong bucket " + i);
                if (!seen.add(c.id())) throw new IllegalStateException("duplicate " + c);
                if (!ProofOfWork.satisfies(c.id(), powDifficulty)) throw new IllegalStateException("PoW failing entry");
                if (perPrefix.merge(c.address().prefixKey(), 1, Integer::sum) > maxPerPrefix) {
                    throw new IllegalStateException("prefix limit broken in bucket " + i);
                }
                if (per16.merge(c.address().subnetKey(), 1, Integer::sum) > maxPer16) {
                    throw new IllegalStateException("/16 limit broken in bucket " + i);
                }
                count++;
            }
        }
        if (count != size) throw new IllegalStateException("size " + size + " but counted " + count);
    }
}
