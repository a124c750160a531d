package org.parley.storage;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The inbox-relay view of a {@link Store}: envelopes addressed by (inbox id, message id), as the
 * routing layer's inbox relay needs them, on top of the sequence-ordered {@link InboxRepository}.
 *
 * <ul>
 *   <li>Stored value: {@code len(messageId) | messageId | envelope}, so listing yields message ids.</li>
 *   <li>Index {@code meta["inbox-msg:" + inbox + ":" + msg] = seq} finds an envelope to delete.</li>
 *   <li>Duplicates: the replay cache remembers (inbox, message) until the envelope expires. The
 *       mark, the envelope and the index are written in one {@link Store#batch} (one synced write),
 *       so a refused append (quota) marks nothing and never hides a retry, and of two identical
 *       puts racing only the first stores.</li>
 *   <li>Authorization keys: {@code meta["inbox-auth:" + inbox]}.</li>
 * </ul>
 * Blocking reads: call from worker threads.
 */
public final class MessageInbox {
    public enum PutOutcome { STORED, DUPLICATE }

    public enum DeleteOutcome { DELETED, EXPIRED, NOT_FOUND }

    /** One envelope of an inbox, oldest first in {@link #list}. */
    public record Item(Bytes messageId, Bytes envelope, long storedAtMillis, long expiresAtMillis) {}

    private static final int MAX_MESSAGE_ID = 255;
    private final Store store;

    public MessageInbox(Store store) {
        this.store = store;
    }

    public CompletableFuture<PutOutcome> put(Bytes inboxId, Bytes messageId, Bytes envelope, long nowMillis, long expiresAtMillis) {
        if (messageId.isEmpty() || messageId.length() > MAX_MESSAGE_ID) {
            return CompletableFuture.failedFuture(ParleyException.malformed("message id must be 1.." + MAX_MESSAGE_ID + " bytes"));
        }
        if (expiresAtMillis <= nowMillis) {
            return CompletableFuture.failedFuture(ParleyException.malformed("envelope already expired"));
        }
        Bytes tag = tag(inboxId, messageId);
        if (store.replay().isSeen(tag)) return CompletableFuture.completedFuture(PutOutcome.DUPLICATE);
        Bytes value = Bytes.concat(Bytes.wrap(new byte[]{(byte) messageId.length()}), messageId, envelope);
        String index = indexKey(inboxId, messageId);
        // one synced write: tag, envelope and index; a full inbox throws and leaves none of them
        return store.batch(b -> {
            if (!b.markSeen(tag, expiresAtMillis)) return PutOutcome.DUPLICATE;
            long seq = b.appendEnvelope(inboxId, value, expiresAtMillis);
            b.putMeta(index, Bytes.wrap(ByteBuffer.allocate(8).putLong(seq).array()));
            return PutOutcome.STORED;
        });
    }

    /** Unexpired envelopes, oldest first, at most {@code max}. */
    public List<Item> list(Bytes inboxId, long nowMillis, int max) {
        List<Item> out = new ArrayList<>();
        for (StoredEnvelope e : store.inbox().list(inboxId, 0, max)) {
            if (e.expiresAtMillis() <= nowMillis) continue;
            Bytes v = e.envelope();
            int n = v.get(0) & 0xff;
            out.add(new Item(v.slice(1, 1 + n), v.slice(1 + n, v.length()), e.storedAtMillis(), e.expiresAtMillis()));
        }
        return out;
    }

    public CompletableFuture<DeleteOutcome> delete(Bytes inboxId, Bytes messageId, long nowMillis) {
        String key = indexKey(inboxId, messageId);
        Optional<Bytes> seq = store.meta().get(key);
        if (seq.isEmpty()) {
            return CompletableFuture.completedFuture(store.replay().isSeen(tag(inboxId, messageId))
                    ? DeleteOutcome.EXPIRED : DeleteOutcome.NOT_FOUND);
        }
        long s = ByteBuffer.wrap(seq.get().toArray()).getLong();
        return store.batch(b -> {
            boolean was = b.removeEnvelope(inboxId, s);
            b.deleteMeta(key);
            return was ? DeleteOutcome.DELETED : DeleteOutcome.EXPIRED;
        });
    }

    public Optional<Bytes> authKey(Bytes inboxId) {
        return store.meta().get("inbox-auth:" + inboxId.hex());
    }

    public CompletableFuture<Void> bindAuthKey(Bytes inboxId, Bytes authKey) {
        return store.meta().put("inbox-auth:" + inboxId.hex(), authKey);
    }

    private static Bytes tag(Bytes inboxId, Bytes messageId) {
        return Bytes.concat(Bytes.fromHex("01"), Bytes.wrap(new byte[]{(byte) inboxId.length()}), inboxId, messageId);
    }

    private static String indexKey(Bytes inboxId, Bytes messageId) {
        return "inbox-msg:" + inboxId.hex() + ":" + messageId.hex();
    }
}
