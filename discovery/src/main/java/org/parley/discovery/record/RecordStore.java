package org.parley.discovery.record;

import org.parley.core.Bytes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records this node holds for the DHT, at most one per (key, publisher), newest version kept.
 * Bounded in total records and in publishers per key. Callers validate before {@link #put}.
 * Not thread-safe (runs on the owning event loop). A persistent implementation can replace the
 * maps later; the DHT logic only needs put/get/expire/all.
 */
public final class RecordStore {
    /** What {@link #put} did. */
    public enum Outcome { STORED, REPLACED, STALE, FULL }

    private final int maxRecords;
    private final int maxPublishersPerKey;
    private final Map<Bytes, Map<Bytes, SignedRecord>> byKey = new HashMap<>();
    private int size;

    public RecordStore(int maxRecords, int maxPublishersPerKey) {
        this.maxRecords = maxRecords;
        this.maxPublishersPerKey = maxPublishersPerKey;
    }

    public Outcome put(SignedRecord r) {
        Map<Bytes, SignedRecord> m = byKey.get(r.key());
        SignedRecord old = m == null ? null : m.get(r.publisherKey());
        if (old != null) {
            if (old.version() >= r.version()) return Outcome.STALE;
            m.put(r.publisherKey(), r);
            return Outcome.REPLACED;
        }
        if (size >= maxRecords) return Outcome.FULL;
        if (m == null) {
            m = new LinkedHashMap<>();
            byKey.put(r.key(), m);
        }
        if (m.size() >= maxPublishersPerKey) return Outcome.FULL;
        m.put(r.publisherKey(), r);
        size++;
        return Outcome.STORED;
    }

    /** Unexpired records under {@code key}, newest version first per publisher order of arrival. */
    public List<SignedRecord> get(Bytes key, long nowMillis) {
        Map<Bytes, SignedRecord> m = byKey.get(key);
        if (m == null) return List.of();
        List<SignedRecord> out = new ArrayList<>(m.size());
        for (SignedRecord r : m.values()) {
            if (!r.expiredAt(nowMillis)) out.add(r);
        }
        return out;
    }

    /** Drops expired records; returns how many. */
    public int expire(long nowMillis) {
        int dropped = 0;
        Iterator<Map<Bytes, SignedRecord>> it = byKey.values().iterator();
        while (it.hasNext()) {
            Map<Bytes, SignedRecord> m = it.next();
            Iterator<SignedRecord> ri = m.values().iterator();
            while (ri.hasNext()) {
                if (ri.next().expiredAt(nowMillis)) {
                    ri.remove();
                    dropped++;
                }
            }
            if (m.isEmpty()) it.remove();
        }
        size -= dropped;
        return dropped;
    }

    /** Removes everything under {@code key} (tests and operator tools). */
    public void removeKey(Bytes key) {
        Map<Bytes, SignedRecord> m = byKey.remove(key);
        if (m != null) size -= m.size();
    }

    public List<SignedRecord> all(RecordKind kind, long nowMillis, int max) {
        List<SignedRecord> out = new ArrayList<>();
        for (Map<Bytes, SignedRecord> m : byKey.values()) {
            for (SignedRecord r : m.values()) {
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
}
