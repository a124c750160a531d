package org.parley.routing.circuit;

import org.parley.core.Bytes;
import org.parley.core.time.Clock;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers SHA-256 digests of handshakes seen in the last {@code ttl} milliseconds, at most
 * {@code maxEntries} (oldest dropped first). A relay refuses a CREATE2 whose handshake it has
 * already answered. Single-threaded.
 */
public final class ReplayCache {
    private final Clock clock;
    private final long ttlMillis;
    private final int maxEntries;
    private final LinkedHashMap<Bytes, Long> seen = new LinkedHashMap<>();

    public ReplayCache(Clock clock, long ttlMillis, int maxEntries) {
        this.clock = clock;
        this.ttlMillis = ttlMillis;
        this.maxEntries = maxEntries;
    }

    public static Bytes digest(Bytes data) {
        try {
            return Bytes.wrap(MessageDigest.getInstance("SHA-256").digest(data.toArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean contains(Bytes key) {
        purge();
        return seen.containsKey(key);
    }

    public void add(Bytes key) {
        purge();
        seen.put(key, clock.nowMillis());
        while (seen.size() > maxEntries) {
            Iterator<Map.Entry<Bytes, Long>> it = seen.entrySet().iterator();
            it.next();
            it.remove();
        }
    }

    public int size() {
        return seen.size();
    }

    private void purge() {
        long cutoff = clock.nowMillis() - ttlMillis;
        for (Iterator<Map.Entry<Bytes, Long>> it = seen.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue() > cutoff) break;
            it.remove();
        }
    }
}
