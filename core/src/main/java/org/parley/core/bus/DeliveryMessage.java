package org.parley.core.bus;

import java.util.List;

/**
 * The delivery verticle's client-facing contract: what the gateway (REST, WebSocket) asks and
 * what delivery publishes. Address {@link Addresses#DELIVERY_API} takes every request record of
 * this family; events go out on {@link Addresses#DELIVERY_EVENTS} (publish) as {@link Event}.
 * Failures: {@code message.fail(FailureCodes.of(kind), text)} — 400 bad input, 404 unknown
 * conversation/contact, 429 limits, 503 not ready.
 *
 * <p>Statuses: {@code pending} (persisted, not yet stored by an inbox relay), {@code sent} (an
 * inbox relay answered STORED: one tick), {@code delivered} (E2E receipt from the recipient: two
 * ticks), {@code read}, {@code failed} (with {@code failureReason}). Incoming messages have
 * status {@code received} or {@code read}.
 */
public sealed interface DeliveryMessage extends BusMessage {

    // ---- views (plain data, not requests) ----

    /** A message as a client shows it. {@code direction} is "out" or "in". Times in epoch millis. */
    record MessageView(String messageId, String conversationId, String direction, String senderName,
                       String text, String status, String failureReason, long sentAtMillis, long updatedAtMillis,
                       List<String> path) {}

    record ContactView(String contactId, String name, String safetyNumber, boolean identityChanged) {}

    /** {@code kind} is "direct" or "group"; {@code lastMessage} may be null. */
    record ConversationView(String conversationId, String kind, String title, MessageView lastMessage,
                            int unread, List<String> memberContactIds) {}

    // ---- requests and replies ----

    record GetMe() implements DeliveryMessage {}

    /** The local user: id (hex of the identity key), name, own invite link. */
    record Me(String userId, String displayName, String invite) implements DeliveryMessage {}

    record AddContact(String invite, String name) implements DeliveryMessage {}

    record ListContacts() implements DeliveryMessage {}

    record Contacts(List<ContactView> contacts) implements DeliveryMessage {}

    record ContactReply(ContactView contact) implements DeliveryMessage {}

    record ListConversations() implements DeliveryMessage {}

    record Conversations(List<ConversationView> conversations) implements DeliveryMessage {}

    /** Reply once the message is persisted as {@code pending}. */
    record SendText(String conversationId, String text) implements DeliveryMessage {}

    record MessageReply(MessageView message) implements DeliveryMessage {}

    /** Newest first; {@code beforeMillis} 0 means now; {@code limit} 1..200. */
    record ListMessages(String conversationId, long beforeMillis, int limit) implements DeliveryMessage {}

    record Messages(List<MessageView> messages) implements DeliveryMessage {}

    /** Marks incoming messages up to and including {@code upToMessageId} read (and sends read receipts if enabled). */
    record MarkRead(String conversationId, String upToMessageId) implements DeliveryMessage {}

    record CreateGroup(String name, List<String> memberContactIds) implements DeliveryMessage {}

    record ChangeGroup(String conversationId, List<String> addContactIds, List<String> removeContactIds) implements DeliveryMessage {}

    record ConversationReply(ConversationView conversation) implements DeliveryMessage {}

    /** Events after {@code cursor} (exclusive), oldest first, at most {@code max}: how a client catches up after a reconnect. */
    record EventsSince(long cursor, int max) implements DeliveryMessage {}

    record Events(List<Event> events) implements DeliveryMessage {}

    record Ok() implements DeliveryMessage {}

    // ---- events ----

    /**
     * Something a client should show. {@code cursor} increases by one per event and survives
     * restarts. {@code type}: "message" (message set), "status" (message set: its new status),
     * "contact" (contact set), "identity-changed" (contact set), "group" (conversation set).
     */
    record Event(long cursor, String type, MessageView message, ContactView contact, ConversationView conversation)
            implements DeliveryMessage {}
}
