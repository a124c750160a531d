package org.parley.core.bus;

import org.parley.core.Bytes;

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

    /**
     * A message as a client shows it. {@code direction} is "out" or "in". Times in epoch millis.
     * {@code attachments} is empty for a message without (never null once built by delivery).
     */
    record MessageView(String messageId, String conversationId, String direction, String senderName,
                       String text, String status, String failureReason, long sentAtMillis, long updatedAtMillis,
                       List<String> path, List<AttachmentView> attachments, List<MemberStatus> members) {
        public MessageView(String messageId, String conversationId, String direction, String senderName, String text, String status,
                           String failureReason, long sentAtMillis, long updatedAtMillis, List<String> path) {
            this(messageId, conversationId, direction, senderName, text, status, failureReason, sentAtMillis, updatedAtMillis, path,
                    List.of(), List.of());
        }

        public MessageView(String messageId, String conversationId, String direction, String senderName, String text, String status,
                           String failureReason, long sentAtMillis, long updatedAtMillis, List<String> path, List<AttachmentView> attachments) {
            this(messageId, conversationId, direction, senderName, text, status, failureReason, sentAtMillis, updatedAtMillis, path,
                    attachments, List.of());
        }
    }

    /**
     * One recipient's progress on an outgoing group message ({@link MessageView#members}, empty for
     * other messages): {@code status} is pending, sent, delivered, read or failed; the message's own
     * status is the lowest of these.
     */
    record MemberStatus(String contactId, String status) {}

    /**
     * An attachment as a client shows it. {@code status}: "uploading", "ready" (uploaded, not yet
     * sent), "sending", "sent" (every recipient confirmed every chunk), "receiving", "received"
     * (all chunks in, decrypted and checked against the digest: downloadable), "failed".
     * {@code progress} is 0..1.
     */
    record AttachmentView(String attachmentId, String name, String mime, long size, String status, double progress) {}

    record ContactView(String contactId, String name, String safetyNumber, boolean identityChanged) {}

    /**
     * {@code kind} is "direct" or "group"; {@code lastMessage} may be null. {@code adminContactIds}:
     * the group's admins among our contacts, plus our own user id if we are one (empty for direct).
     */
    record ConversationView(String conversationId, String kind, String title, MessageView lastMessage,
                            int unread, List<String> memberContactIds, List<String> adminContactIds) {
        public ConversationView(String conversationId, String kind, String title, MessageView lastMessage, int unread,
                                List<String> memberContactIds) {
            this(conversationId, kind, title, lastMessage, unread, memberContactIds, List.of());
        }
    }

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

    /**
     * Makes members of a group admins (admins only): the next version of the group's signed state,
     * sent to every member like a member change. Reply {@link ConversationReply}.
     */
    record AddGroupAdmins(String conversationId, List<String> contactIds) implements DeliveryMessage {}

    /**
     * Clears members' admin flags (admins only; never the last admin nor the group's creator): the
     * next version of the group's signed state, sent to every member like a promotion. Naming our
     * own user id steps down. Reply {@link ConversationReply}.
     */
    record RemoveGroupAdmins(String conversationId, List<String> contactIds) implements DeliveryMessage {}

    record ConversationReply(ConversationView conversation) implements DeliveryMessage {}

    /**
     * Moves our inbox for one contact ({@code contactId}), or for every contact (null or empty), to a
     * new inbox id announced in a new contact card; the old inbox is drained until the TTL ends.
     * Reply {@link InboxesRotated}; 429 while a contact already has the most inboxes still draining.
     */
    record RotateInbox(String contactId) implements DeliveryMessage {}

    /** One contact's new inbox: its id (hex) and the relays (node ids, hex) that hold it. */
    record RotatedInbox(String contactId, String inboxId, List<String> relays) {}

    record InboxesRotated(List<RotatedInbox> inboxes) implements DeliveryMessage {}

    /** Events after {@code cursor} (exclusive), oldest first, at most {@code max}: how a client catches up after a reconnect. */
    record EventsSince(long cursor, int max) implements DeliveryMessage {}

    record Events(List<Event> events) implements DeliveryMessage {}

    record Ok() implements DeliveryMessage {}

    // ---- attachments: upload in parts, send with a message, read back in chunks ----

    /** Starts an upload; reply {@link AttachmentReply} with the new id, status "uploading". */
    record BeginAttachment(String name, String mime) implements DeliveryMessage {}

    /** The next bytes of an upload, in order (any size up to 1 MiB); reply {@link Ok}. 429 past the size limit. */
    record AttachmentPart(String attachmentId, Bytes data) implements DeliveryMessage {}

    /** Ends an upload: the file is encrypted and stored; reply {@link AttachmentReply}, status "ready". */
    record FinishAttachment(String attachmentId) implements DeliveryMessage {}

    /** Drops an unfinished upload; reply {@link Ok}. */
    record AbortAttachment(String attachmentId) implements DeliveryMessage {}

    /** Sends a message (text may be empty) carrying 1..8 uploaded attachments; reply {@link MessageReply}. */
    record SendAttachments(String conversationId, String text, List<String> attachmentIds) implements DeliveryMessage {}

    /** Reply {@link AttachmentReply}; 404 for an unknown id. */
    record GetAttachment(String attachmentId) implements DeliveryMessage {}

    record AttachmentReply(AttachmentView attachment) implements DeliveryMessage {}

    /**
     * Chunk {@code index} of a verified attachment, decrypted; reply {@link AttachmentChunk}. 404 for
     * an unknown id, 403 while it is not "received"/"ready"/"sending"/"sent".
     */
    record ReadAttachmentChunk(String attachmentId, int index) implements DeliveryMessage {}

    record AttachmentChunk(int index, int count, Bytes data) implements DeliveryMessage {}

    // ---- devices (an account is a primary-signed list of devices; each device is a node) ----

    /**
     * One device of our account. {@code deviceId} is its contact id; {@code removedAtMillis} is 0
     * while linked; {@code current} marks the device answering; {@code primary} the one that signs.
     */
    record DeviceView(String deviceId, String name, long addedAtMillis, long removedAtMillis, boolean current, boolean primary) {}

    /** Our devices. {@code role}: "solo", "primary", "linked", "unlinked"; {@code linking}: a link code waits for approval. */
    record ListDevices() implements DeliveryMessage {}

    record Devices(String role, boolean linking, long version, List<DeviceView> devices) implements DeliveryMessage {}

    /** On a new device: make a one-time link code ({@code parley://link/…}) naming this device {@code deviceName}. */
    record BeginLink(String deviceName) implements DeliveryMessage {}

    record LinkCode(String code, long expiresAtMillis) implements DeliveryMessage {}

    /**
     * On the primary: approve the device that showed {@code code}. Replies {@link Devices}. The new
     * device then gets the contacts, the groups and the last {@code history} messages (0..200, 0 =
     * none) of each conversation.
     */
    record LinkDevice(String code, int history) implements DeliveryMessage {
        public LinkDevice(String code) {
            this(code, 0);
        }
    }

    /** On the primary: unlink a device for good. Replies {@link Devices}. */
    record UnlinkDevice(String deviceId) implements DeliveryMessage {}

    // ---- events ----

    /**
     * Something a client should show. {@code cursor} increases by one per event and survives
     * restarts. {@code type}: "message" (message set), "status" (message set: its new status),
     * "contact" (contact set), "identity-changed" (contact set), "group" (conversation set),
     * "attachment" (message set: its attachments' status or progress changed), "device" (a contact's
     * or our own device list changed: message set, direction "system", its text names the device and
     * the change, e.g. "new device linked: Laptop"; the conversation is the account's).
     */
    record Event(long cursor, String type, MessageView message, ContactView contact, ConversationView conversation)
            implements DeliveryMessage {}
}
