package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.bus.DeliveryMessage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What {@link DeliveryService} keeps. Writes complete once durable; a caller acknowledges
 * nothing before. Stages must complete on the service's thread (the verticle's event loop; in
 * tests, the calling thread). Writes issued in order are applied in order.
 */
public interface DeliveryStore {
    /** The account blob (identity, prekeys, request inbox), encoded by the service; secret. */
    CompletionStage<Optional<Bytes>> loadAccount();

    CompletionStage<Void> saveAccount(Bytes account);

    CompletionStage<List<ContactRecord>> contacts();

    /** Inserts or replaces. */
    CompletionStage<Void> putContact(ContactRecord contact);

    /** The encoded session states with a contact (see {@link ServiceCodec#encodeSessions}). */
    CompletionStage<Optional<Bytes>> session(String contactId);

    CompletionStage<Void> putSession(String contactId, Bytes sessions);

    CompletionStage<List<ConversationRecord>> conversations();

    CompletionStage<Void> putConversation(ConversationRecord conversation);

    /** Stores a new message; {@code false} if the id is already stored (a duplicate: nothing changes). */
    CompletionStage<Boolean> appendMessage(MessageRecord message);

    /**
     * Sets {@code extra} and moves the status if {@link MessageState#canMoveTo} allows it.
     * Completes with the message as stored afterwards; fails NOT_FOUND for an unknown id.
     */
    CompletionStage<MessageRecord> updateMessage(String messageId, MessageState status, Bytes extra, long atMillis);

    CompletionStage<Optional<MessageRecord>> message(String messageId);

    /** Up to {@code limit} messages of a conversation created before {@code beforeMillis}, newest first. */
    CompletionStage<List<MessageRecord>> messages(String conversationId, long beforeMillis, int limit);

    /** Outgoing messages still PENDING or SENT (work to resume after a restart). */
    CompletionStage<List<MessageRecord>> openOutgoing();

    /** Appends an event; its cursor is one more than the last one's. */
    CompletionStage<Void> appendEvent(DeliveryMessage.Event event);

    /** Events with cursor &gt; {@code cursor}, oldest first, at most {@code max}. */
    CompletionStage<List<DeliveryMessage.Event>> eventsSince(long cursor, int max);

    /** The last event's cursor, 0 if none. */
    CompletionStage<Long> lastEventCursor();
}
