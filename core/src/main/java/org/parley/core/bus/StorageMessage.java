package org.parley.core.bus;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.parley.core.Bytes;

import java.util.List;

/**
 * Requests to the storage verticle for the inbox-relay role (routing's inbox store), keyed by
 * message id. Writes reply only once durable. A full inbox fails with code 429 and a text
 * starting "QUOTA".
 */
public sealed interface StorageMessage extends BusMessage {
    record InboxPut(Bytes inboxId, Bytes messageId, Bytes envelope, long nowMillis, long expiresAtMillis) implements StorageMessage {}

    /** {@code outcome}: STORED or DUPLICATE. */
    record InboxPutResult(String outcome) implements StorageMessage {}

    record InboxList(Bytes inboxId, long nowMillis, int max) implements StorageMessage {}

    record InboxItem(Bytes messageId, Bytes envelope, long storedAtMillis, long expiresAtMillis) {}

    record InboxItems(List<InboxItem> items) implements StorageMessage {}

    record InboxDelete(Bytes inboxId, Bytes messageId, long nowMillis) implements StorageMessage {}

    /** {@code outcome}: DELETED, EXPIRED or NOT_FOUND. */
    record InboxDeleted(String outcome) implements StorageMessage {}

    record InboxAuthGet(Bytes inboxId) implements StorageMessage {}

    /** The bound authorization key, or empty bytes if the inbox has none yet. */
    record InboxAuth(Bytes authKey) implements StorageMessage {}

    record InboxAuthBind(Bytes inboxId, Bytes authKey) implements StorageMessage {}

    record Done() implements StorageMessage {}

    // ---- the delivery concern's store (address Addresses.STORAGE_DELIVERY); writes reply once durable ----

    /** A stored contact: {@code sendInbox}/{@code ourInbox} are opaque blobs of the delivery module. */
    record DeliveryContact(String contactId, String name, Bytes identityKey, Bytes sendInbox, Bytes ourInbox, long addedAtMillis) {}

    /** A stored conversation; {@code data} is the delivery module's opaque group blob (empty for a direct one). */
    record DeliveryConversation(String conversationId, String contactId, String title, long createdAtMillis, Bytes data) {}

    /** A stored message; {@code status}: pending, sent, delivered, received, read, failed. */
    record DeliveryStoredMessage(String conversationId, String messageId, boolean outgoing, Bytes body, String status, Bytes extra,
                                 long createdAtMillis, long updatedAtMillis) {}

    record DeliveryAccountGet() implements StorageMessage {}

    record DeliveryAccountPut(Bytes account) implements StorageMessage {}

    /** A blob, or {@code present} false. */
    record DeliveryBlob(boolean present, Bytes value) implements StorageMessage {}

    record DeliveryContactsList() implements StorageMessage {}

    record DeliveryContacts(List<DeliveryContact> contacts) implements StorageMessage {}

    record DeliveryContactPut(DeliveryContact contact) implements StorageMessage {}

    record DeliverySessionGet(String contactId) implements StorageMessage {}

    record DeliverySessionPut(String contactId, Bytes sessions, long atMillis) implements StorageMessage {}

    record DeliveryConversationsList() implements StorageMessage {}

    record DeliveryConversations(List<DeliveryConversation> conversations) implements StorageMessage {}

    record DeliveryConversationPut(DeliveryConversation conversation) implements StorageMessage {}

    /** Reply {@link DeliveryAppended}: {@code fresh} false for a duplicate message id. */
    record DeliveryMessageAppend(DeliveryStoredMessage message) implements StorageMessage {}

    record DeliveryAppended(boolean fresh) implements StorageMessage {}

    /** Moves the status forward if allowed and sets {@code extra}; reply {@link DeliveryMessages} with the message as stored (404 if unknown). */
    record DeliveryMessageUpdate(String messageId, String status, Bytes extra, long atMillis) implements StorageMessage {}

    /** Reply {@link DeliveryMessages} with zero or one message. */
    record DeliveryMessageGet(String messageId) implements StorageMessage {}

    /** Newest first, created before {@code beforeMillis}. Reply {@link DeliveryMessages}. */
    record DeliveryMessagesBefore(String conversationId, long beforeMillis, int limit) implements StorageMessage {}

    /** Outgoing messages still pending or sent. Reply {@link DeliveryMessages}. */
    record DeliveryOpenOutgoing() implements StorageMessage {}

    record DeliveryMessages(List<DeliveryStoredMessage> messages) implements StorageMessage {}

    record DeliveryEventPut(long cursor, Bytes event) implements StorageMessage {}

    /** Reply {@link DeliveryEvents}: encoded events with cursor &gt; {@code cursor}, oldest first. */
    record DeliveryEventsSince(long cursor, int max) implements StorageMessage {}

    record DeliveryEvents(List<Bytes> events) implements StorageMessage {}

    record DeliveryLastCursorGet() implements StorageMessage {}

    record DeliveryLastCursor(long cursor) implements StorageMessage {}

    /**
     * Several delivery writes ({@link DeliveryAccountPut}, {@link DeliveryContactPut}, {@link DeliverySessionPut},
     * {@link DeliveryConversationPut}, {@link DeliveryMessageAppend}, {@link DeliveryMessageUpdate},
     * {@link DeliveryEventPut}) applied in this order and made durable by one synced write. Reply
     * {@link DeliveryBatchDone} with one reply per write, in the same order, once all are durable; a
     * write that fails on its own gets a {@link DeliveryFailure} there and leaves nothing written.
     */
    record DeliveryBatch(@JsonTypeInfo(use = JsonTypeInfo.Id.NAME) @JsonSubTypes({
            @JsonSubTypes.Type(value = DeliveryAccountPut.class, name = "account"),
            @JsonSubTypes.Type(value = DeliveryContactPut.class, name = "contact"),
            @JsonSubTypes.Type(value = DeliverySessionPut.class, name = "session"),
            @JsonSubTypes.Type(value = DeliveryConversationPut.class, name = "conversation"),
            @JsonSubTypes.Type(value = DeliveryMessageAppend.class, name = "append"),
            @JsonSubTypes.Type(value = DeliveryMessageUpdate.class, name = "update"),
            @JsonSubTypes.Type(value = DeliveryEventPut.class, name = "event")}) List<StorageMessage> writes) implements StorageMessage {
        public DeliveryBatch {
            writes = List.copyOf(writes);
        }
    }

    /** One reply per write of a {@link DeliveryBatch}: {@link Done}, {@link DeliveryAppended}, {@link DeliveryMessages} or {@link DeliveryFailure}. */
    record DeliveryBatchDone(@JsonTypeInfo(use = JsonTypeInfo.Id.NAME) @JsonSubTypes({
            @JsonSubTypes.Type(value = Done.class, name = "done"),
            @JsonSubTypes.Type(value = DeliveryAppended.class, name = "appended"),
            @JsonSubTypes.Type(value = DeliveryMessages.class, name = "messages"),
            @JsonSubTypes.Type(value = DeliveryFailure.class, name = "failure")}) List<StorageMessage> replies) implements StorageMessage {
        public DeliveryBatchDone {
            replies = List.copyOf(replies);
        }
    }

    /** A write of a batch that failed: {@code code} as in {@link FailureCodes}. */
    record DeliveryFailure(int code, String message) implements StorageMessage {}
}
