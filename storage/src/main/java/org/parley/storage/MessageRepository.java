package org.parley.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.core.Bytes;

/** Messages; those of one conversation are ordered by (createdAtMillis, messageId). */
public interface MessageRepository {
    /**
     * Stores a new message. Completes with {@code true} once it is durable, or {@code false} if a
     * message with the same id is already stored (a duplicate; nothing is changed).
     */
    CompletableFuture<Boolean> append(StoredMessage message);

    /**
     * Moves a message to {@code status} if {@link MessageStatus#canMoveTo} allows it, otherwise
     * leaves it as it is. Completes with the message as stored afterwards; fails with NOT_FOUND
     * if there is no such message.
     */
    CompletableFuture<StoredMessage> updateStatus(Bytes messageId, MessageStatus status, long atMillis);

    Optional<StoredMessage> get(Bytes messageId);

    /** Up to {@code limit} messages of a conversation with createdAt ≥ {@code fromMillis}, oldest first. */
    List<StoredMessage> list(Bytes conversationId, long fromMillis, int limit);

    /** The newest {@code limit} messages of a conversation, newest first. */
    List<StoredMessage> latest(Bytes conversationId, int limit);

    /**
     * Outgoing messages still PENDING or SENT (not yet delivered, read or failed), oldest
     * first, across all conversations: what delivery must retry after a restart.
     */
    List<StoredMessage> unfinished(int limit);
}
