package org.parley.delivery.service;

import org.parley.core.Bytes;

import java.util.Objects;

/**
 * A message as stored. {@code body} is written once (kind, text, recipients and their sequence
 * numbers, or the sender); {@code extra} changes with the status (per-recipient progress,
 * failure reason, path). Both are encoded by {@link ServiceCodec}. Messages of a conversation are
 * ordered by (createdAtMillis, messageId).
 */
public record MessageRecord(String conversationId, String messageId, boolean outgoing, Bytes body, MessageState status,
                            Bytes extra, long createdAtMillis, long updatedAtMillis) {
    public MessageRecord {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(extra, "extra");
    }

    public MessageRecord with(MessageState s, Bytes x, long at) {
        return new MessageRecord(conversationId, messageId, outgoing, body, s, x, createdAtMillis, at);
    }
}
