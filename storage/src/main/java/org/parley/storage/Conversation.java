package org.parley.storage;

import java.util.Objects;
import org.parley.core.Bytes;

/** A conversation with one contact (or a group, later); its messages live in {@link MessageRepository}. */
public record Conversation(Bytes conversationId, Bytes contactId, String title, long createdAtMillis) {
    public Conversation {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(contactId, "contactId");
        Objects.requireNonNull(title, "title");
    }
}
