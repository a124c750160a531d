package org.parley.discovery.record;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records this node holds for the DHT, at most one per (key, publisher), newest version kept.
 * Bounded in total records, in publishers per key, and in records placed by one peer (the node
 * that sent the STORE) and by the peers of one /24 (/48): a peer cannot fill the store for
 * everyone else. Own records ({@link #put(SignedRecord)}) count against the total only. Callers
 * validate before putting. Not thread-safe (runs on the owning event loop). A persistent
 * implementation can replace the maps later; the DHT logic only needs put/get/expire/all.
 */
public final class RecordStore {
    /** What {@link #put} did. */
    public enum Outcome {
        STORED, REPLACED, STALE, FULL,
        /** The sending peer already placed its maximum of records here. */
        REFUSED_PER_PEER,
        /** The peers of the sender's /24 (/48) already placed their maximum of records here. */
        REFUSED_PER_SUBNET
    }

    /** Who placed a record here: the sending peer's node id and the /24 (/48) of its address. */
    public record Origin(NodeId peer, Bytes subnet) {
    }

    private record Held(SignedRecord record, Origin origin) {
    }

    private final int maxRecords;
    private final int maxPublishersPerKey;
    private final int maxPerPeer;
    private final int maxPerSubnet;
    private final Map<Bytes, Map<Bytes, Held>> byKey = new HashMap<>();
    private final Map<NodeId, Integer> perPeer = new HashMap<>();
    private final Map<Bytes, Integer> perSubnet = new HashMap<>();
    private int size;

    /** A store without per-peer limits. */
    public RecordStore(int maxRecords, int maxPublishersPerKey) {
        this(maxRecords, maxPublishersPerKey, maxRecords, maxRecords);
    }

    public RecordStore(int maxRecords, int maxPublishersPerKey, int maxPerPeer, int maxPerSubnet) {
        this.maxRecords = maxRecords;
        this.maxPublishersPerKey = maxPublishersPerKey;
        this.maxPerPeer = maxPerPeer;
        this.maxPerSubnet = maxPerSubnet;
    }

    /** Puts one of our own records (not counted against any peer). */
    public Outcome put(SignedRecord r) {
        return put(r, null);
    }

    /**
     * Puts a record a peer sent ({@code origin}; null for our own). A newer version of a record
     * already held replaces it whoever sends it (the publisher signed it) and stays counted
     * against the peer that first placed it.
     */
    public Outcome put(SignedRecord r, Origin origin) {
        Map<Bytes, Held> m = byKey.get(r.key());
        Held old = m == null ? null : m.get(r.publisherKey());
        if (old != null) {
            if (old.record().version() >= r.version()) return Outcome.STALE;
            m.put(r.publisherKey(), new Held(r, old.origin()));
            return Outcome.REPLACED;
        }
        if (origin != null) {
            if (perPeer.getOrDefault(origin.peer(), 0) >= maxPerPeer) return Outcome.REFUSED_PER_PEER;
            if (perSubnet.getOrDefault(origin.subnet(), 0) >= maxPerSubnet) return Outcome.REFUSED_PER_SUBNET;
        }
        if (size >= maxRecords) return Outcome.FULL;
        if (m != null && m.size() >= maxPublishersPerKey) return Outcome.FULL;
        if (m == null) {
            m = new LinkedHashMap<>();
            byKey.put(r.key(), m);
        }
        m.put(r.publisherKey(), new Held(r, origin));
        size++;
        if (origin != null) {
            perPeer.merge(origin.peer(), 1, Integer::sum);
            perSubnet.merge(origin.subnet(), 1, Integer::sum);
        }
        return Outcome.STORED;
    }

    private void released(Held h) {
        size--;
        Origin o = h.origin();
        if (o == null) return;
        perPeer.computeIfPresent(o.peer(), (k, n) -> n <= 1 ? null : n - 1);
        perSubnet.computeIfPresent(o.subnet(), (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Unexpired records under {@code key}, newest version first per publisher order of arrival. */
    public List<SignedRecord> get(Bytes key, long nowMillis) {
        Map<Bytes, Held> m = byKey.get(key);
        if (m == null) return List.of();
        List<SignedRecord> out = new ArrayList<>(m.size());
        for (Held h : m.values()) {
            if (!h.record().expiredAt(nowMillis)) out.add(h.record());
        }
        return out;
    }

    /** Drops expired records; returns how many. */
    public int expire(long nowMillis) {
        int dropped = 0;
        Iterator<Map<Bytes, Held>> it = byKey.values().iterator();
        while (it.hasNext()) {
            Map<Bytes, Held> m = it.next();
            Iterator<Held> ri = m.values().iterator();
            while (ri.hasNext()) {
                Held h = ri.next();
                if (h.record().expiredAt(nowMillis)) {
                    ri.remove();
                    released(h);
                    dropped++;
                }
            }
            if (m.isEmpty()) it.remove();
        }
        return dropped;
    }

    /** Removes everything under {@code key} (tests and operator tools). */
    public void removeKey(Bytes key) {
        Map<Bytes, Held> m = byKey.remove(key);
        if (m != null) m.values().forEach(this::released);
    }

    public List<SignedRecord> all(RecordKind kind, long nowMillis, int max) {
        List<SignedRecord> out = new ArrayList<>();
        for (Map<Bytes, Held> m : byKey.values()) {
            for (Held h : m.values()) {
                SignedRecord r = h.record();
                if (r.kind() == kind && !r.expiredAt(nowMillis)) {
                    out.add(r);
                    if (out.size() >= max) return out;
                }
            }
        }
        return out;
    }

    public int size() {
        return size;
    }

    /** Records held that {@code peer} placed here. */
    public int heldFor(NodeId peer) {
        return perPeer.getOrDefault(peer, 0);
    }

    /** Records held that peers of the /24 (/48) {@code subnet} placed here. */
    public int heldForSubnet(Bytes subnet) {
        return perSubnet.getOrDefault(subnet, 0);
    }
}
