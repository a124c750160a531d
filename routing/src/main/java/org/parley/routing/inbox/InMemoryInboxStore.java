package org.parley.routing.inbox;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An {@link InboxStore} in memory, with per-inbox quotas (count and bytes) and a TTL. For tests and
 * light nodes. A store at the quota costs O(1): each inbox keeps its byte total, and expired
 * envelopes are swept only when the oldest one (the first stored) has expired.
 */
public final class InMemoryInboxStore implements InboxStore {
    private final int maxEnvelopes;
    private final long maxBytes;
    private final long ttlMillis;
    private final Map<Bytes, LinkedHashMap<Bytes, StoredEnvelope>> inboxes = new HashMap<>();
    private final Map<Bytes, Bytes> keys = new HashMap<>();
    private final Map<Bytes, Long> bytes = new HashMap<>();

    public InMemoryInboxStore(int maxEnvelopes, long maxBytes, long ttlMillis) {
        this.maxEnvelopes = maxEnvelopes;
        this.maxBytes = maxBytes;
        this.ttlMillis = ttlMillis;
    }

    @Override
    public CompletionStage<StoreOutcome> store(Bytes inboxId, Bytes messageId, Bytes envelope, long nowMillis) {
        LinkedHashMap<Bytes, StoredEnvelope> box = inboxes.computeIfAbsent(inboxId, k -> new LinkedHashMap<>());
        if (!box.isEmpty() && box.values().iterator().next().expired(nowMillis)) {
            removeExpired(inboxId, box, nowMillis);
        }
        if (box.containsKey(messageId)) {
            return CompletableFuture.completedFuture(StoreOutcome.DUPLICATE);
        }
        long held = bytes.getOrDefault(inboxId, 0L);
        if (box.size() >= maxEnvelopes || held + envelope.length() > maxBytes) {
            return CompletableFuture.failedFuture(ParleyException.limit("inbox quota full"));
        }
        box.put(messageId, new StoredEnvelope(messageId, envelope, nowMillis, nowMillis + ttlMillis));
        bytes.put(inboxId, held + envelope.length());
        return CompletableFuture.completedFuture(StoreOutcome.STORED);
    }

    @Override
    public CompletionStage<List<StoredEnvelope>> list(Bytes inboxId, long nowMillis, int max) {
        return CompletableFuture.completedFuture(listNow(inboxId, nowMillis, max));
    }

    /** Synchronous form, for tests. */
    public List<StoredEnvelope> listNow(Bytes inboxId, long nowMillis, int max) {
        List<StoredEnvelope> out = new ArrayList<>();
        for (StoredEnvelope e : inboxes.getOrDefault(inboxId, new LinkedHashMap<>()).values()) {
            if (out.size() >= max) break;
            if (!e.expired(nowMillis)) out.add(e);
        }
        return out;
    }

    @Override
    public CompletionStage<DeleteOutcome> delete(Bytes inboxId, Bytes messageId, long nowMillis) {
        return CompletableFuture.completedFuture(deleteNow(inboxId, messageId, nowMillis));
    }

    private DeleteOutcome deleteNow(Bytes inboxId, Bytes messageId, long nowMillis) {
        LinkedHashMap<Bytes, StoredEnvelope> box = inboxes.get(inboxId);
        StoredEnvelope e = box == null ? null : box.remove(messageId);
        if (e == null) return DeleteOutcome.NOT_FOUND;
        bytes.merge(inboxId, -(long) e.envelope().length(), Long::sum);
        return e.expired(nowMillis) ? DeleteOutcome.EXPIRED : DeleteOutcome.DELETED;
    }

    @Override
    public CompletionStage<Optional<Bytes>> authKey(Bytes inboxId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(keys.get(inboxId)));
    }

    @Override
    public CompletionStage<Void> bindAuthKey(Bytes inboxId, Bytes authKey) {
        keys.putIfAbsent(inboxId, authKey);
        return CompletableFuture.completedFuture(null);
    }

    /** Drops expired envelopes; returns how many. */
    public int purgeExpired(long nowMillis) {
        int n = 0;
        for (Map.Entry<Bytes, LinkedHashMap<Bytes, StoredEnvelope>> box : inboxes.entrySet()) {
            n += removeExpired(box.getKey(), box.getValue(), nowMillis);
        }
        return n;
    }

    /** Removes {@code box}'s expired envelopes, keeping its byte total; returns how many. */
    private int removeExpired(Bytes inboxId, LinkedHashMap<Bytes, StoredEnvelope> box, long nowMillis) {
        int n = 0;
        long freed = 0;
        for (Iterator<StoredEnvelope> it = box.values().iterator(); it.hasNext(); ) {
            StoredEnvelope e = it.next();
            if (e.expired(nowMillis)) {
                it.remove();
                freed += e.envelope().length();
                n++;
            }
        }
        if (freed > 0) bytes.merge(inboxId, -freed, Long::sum);
        return n;
    }

    public int size(Bytes inboxId) {
        return inboxes.getOrDefault(inboxId, new LinkedHashMap<>()).size();
    }
}
