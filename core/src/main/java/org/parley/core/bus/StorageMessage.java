package org.parley.core.bus;

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
}
