package org.parley.delivery.service;

import org.parley.core.Bytes;

import java.util.Objects;

/**
 * A conversation as stored: direct ({@code contactId} set, {@code data} empty) or group
 * ({@code data} = encoded group: id and member contact ids, see {@link ServiceCodec}).
 */
public record ConversationRecord(String conversationId, String contactId, String title, long createdAtMillis, Bytes data) {
    public ConversationRecord {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(contactId, "contactId");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(data, "data");
    }

    public boolean isGroup() {
        return !data.isEmpty();
    }
}
