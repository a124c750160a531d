package org.parley.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.core.Bytes;

/** Conversations by id. */
public interface ConversationRepository {
    /** Inserts or replaces. */
    CompletableFuture<Void> put(Conversation conversation);

    Optional<Conversation> get(Bytes conversationId);

    /** All conversations in id order. */
    List<Conversation> list();

    /** Deletes the conversation and all its messages; completes with the number of messages removed. */
    CompletableFuture<Long> delete(Bytes conversationId);
}
