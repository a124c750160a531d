package org.parley.storage;

import org.parley.core.Bytes;

/**
 * The writes of one {@link Store#batch} call, made on the store's committer thread. Each method
 * applies at once to the batch (a later call sees the writes of earlier ones) and is all or
 * nothing on its own: if it throws, none of its writes are kept and the batch goes on. What the
 * batch kept reaches the disk in one synced write, with the rest of its group commit. Valid only
 * inside the function given to {@link Store#batch}.
 */
public interface StoreBatch {
    void putKey(String name, Bytes secret);

    void putContact(Contact contact);

    void putSession(StoredSession session);

    void putConversation(Conversation conversation);

    /** As {@link MessageRepository#append}: false (and nothing written) if the message id is taken. */
    boolean appendMessage(StoredMessage message);

    /** As {@link MessageRepository#updateStatus}; NOT_FOUND for an unknown message. */
    StoredMessage updateMessageStatus(Bytes messageId, MessageStatus status, long atMillis);

    void putMeta(String key, Bytes value);

    /** As {@link MetaRepository#delete}: whether the key was there. */
    boolean deleteMeta(String key);

    /** As {@link InboxRepository#append}: the sequence number; RESOURCE_LIMIT ("QUOTA ...") on a full inbox. */
    long appendEnvelope(Bytes inboxId, Bytes envelope, long expiresAtMillis);

    /** As {@link InboxRepository#remove}: whether it was there. */
    boolean removeEnvelope(Bytes inboxId, long seq);

    /** As {@link ReplayCache#markSeen}: false if the tag is already seen and unexpired. */
    boolean markSeen(Bytes tag, long expiresAtMillis);
}
