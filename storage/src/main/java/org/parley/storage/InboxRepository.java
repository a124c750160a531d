package org.parley.storage;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.parley.core.Bytes;

/**
 * Inbox-relay mailboxes: opaque inbox id → envelopes in arrival order, each with a TTL, under a
 * per-inbox {@link InboxQuota}.
 */
public interface InboxRepository {
    /**
     * Appends an envelope. Completes with its sequence number once it is durable (only then may
     * the relay acknowledge it), or fails with RESOURCE_LIMIT "QUOTA ..." if the inbox is full.
     */
    CompletableFuture<Long> append(Bytes inboxId, Bytes envelope, long expiresAtMillis);

    /** Up to {@code limit} unexpired envelopes with seq ≥ {@code fromSeq}, in order. */
    List<StoredEnvelope> list(Bytes inboxId, long fromSeq, int limit);

    /** Removes one envelope (after it was delivered); completes with whether it was there. */
    CompletableFuture<Boolean> remove(Bytes inboxId, long seq);

    InboxUsage usage(Bytes inboxId);
}
