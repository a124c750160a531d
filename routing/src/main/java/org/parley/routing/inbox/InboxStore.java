package org.parley.routing.inbox;

import org.parley.core.Bytes;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where an inbox relay keeps envelopes (RocksDB or Hazelcast in production, {@link InMemoryInboxStore}
 * in tests). Every call is asynchronous (a production store lives behind the event bus, on
 * another verticle or cluster member). Stages must complete on the routing thread.
 */
public interface InboxStore {
    enum StoreOutcome { STORED, DUPLICATE }

    enum DeleteOutcome { DELETED, EXPIRED, NOT_FOUND }

    /**
     * Stores {@code envelope} under ({@code inboxId}, {@code messageId}). The stage completes only
     * once the envelope is durable (synced); the relay answers STORED after that. It fails with a
     * {@link org.parley.core.ParleyException} of kind RESOURCE_LIMIT when the inbox's quota is
     * full. Storing the same message id again is a no-op ({@link StoreOutcome#DUPLICATE}).
     */
    CompletionStage<StoreOutcome> store(Bytes inboxId, Bytes messageId, Bytes envelope, long nowMillis);

    /** Unexpired envelopes of the inbox, oldest first, at most {@code max}. */
    CompletionStage<List<StoredEnvelope>> list(Bytes inboxId, long nowMillis, int max);

    CompletionStage<DeleteOutcome> delete(Bytes inboxId, Bytes messageId, long nowMillis);

    /** The authorization key bound to the inbox when it was first established. */
    CompletionStage<Optional<Bytes>> authKey(Bytes inboxId);

    /** Binds {@code authKey} to a new inbox, durably. */
    CompletionStage<Void> bindAuthKey(Bytes inboxId, Bytes authKey);
}
