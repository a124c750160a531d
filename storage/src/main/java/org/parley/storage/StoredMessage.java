package org.parley.storage;

import java.util.Objects;
import org.parley.core.Bytes;

/**
 * A message of a conversation. Messages of a conversation are ordered by
 * {@code (createdAtMillis, messageId)}.
 *
 * @param conversationId  1..255 bytes
 * @param messageId       1..255 bytes, unique in the store
 * @param body            the plaintext body (encrypted at rest)
 * @param updatedAtMillis when the status last changed
 */
public record StoredMessage(
        Bytes conversationId,
        Bytes messageId,
        Direction direction,
        Bytes body,
        MessageStatus status,
        long createdAtMillis,
        long updatedAtMillis) {

    public StoredMessage {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(status, "status");
    }

    public StoredMessage withStatus(MessageStatus next, long atMillis) {
        return new StoredMessage(conversationId, messageId, direction, body, next, createdAtMillis, atMillis);
    }
}
