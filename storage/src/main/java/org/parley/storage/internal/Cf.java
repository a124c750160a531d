package org.parley.storage.internal;

import org.parley.storage.Repository;

/**
 * Column families (one keyspace per repository, plus indexes). {@code sinceVersion} is the
 * schema version that introduced it; {@code encrypted} says whether values are sealed.
 */
public enum Cf {
    /** Schema version and the sealed data key; RocksDB's default column family. */
    SYS(0, "default", Repository.SYSTEM, false, 1),
    KEYS(1, "keys", Repository.KEYS, true, 1),
    CONTACTS(2, "contacts", Repository.CONTACTS, true, 1),
    SESSIONS(3, "sessions", Repository.SESSIONS, true, 1),
    CONVERSATIONS(4, "conversations", Repository.CONVERSATIONS, true, 1),
    /** key: len(convId) convId createdAt(8) msgId. */
    MESSAGES(5, "messages", Repository.MESSAGES, true, 1),
    /** key: msgId, value: the MESSAGES key. */
    MESSAGE_INDEX(6, "message_index", Repository.MESSAGES, true, 1),
    /** key: len(inboxId) inboxId seq(8). */
    INBOX(7, "inbox", Repository.INBOX, true, 1),
    /** key: inboxId, value: count, bytes, nextSeq. */
    INBOX_STATS(8, "inbox_stats", Repository.INBOX, true, 1),
    DHT(9, "dht", Repository.DHT, true, 1),
    REPLAY(10, "replay", Repository.REPLAY, true, 1),
    META(11, "meta", Repository.META, true, 1),
    /** key: expiresAt(8) cfId(1) key-in-that-cf; value: accounted bytes (8). Added in schema v2. */
    EXPIRY(12, "expiry", Repository.SYSTEM, false, 2),
    /** Outgoing messages not yet delivered. key: createdAt(8) msgId; value: the MESSAGES key. Added in schema v3. */
    OUTBOX(13, "outbox", Repository.MESSAGES, true, 3);

    private final int id;
    private final String cfName;
    private final Repository repository;
    private final boolean encrypted;
    private final int sinceVersion;

    Cf(int id, String cfName, Repository repository, boolean encrypted, int sinceVersion) {
        this.id = id;
        this.cfName = cfName;
        this.repository = repository;
        this.encrypted = encrypted;
        this.sinceVersion = sinceVersion;
    }

    public int id() {
        return id;
    }

    public String cfName() {
        return cfName;
    }

    public Repository repository() {
        return repository;
    }

    public boolean encrypted() {
        return encrypted;
    }

    public int sinceVersion() {
        return sinceVersion;
    }

    public static Cf fromId(int id) {
        for (Cf c : values()) {
            if (c.id == id) return c;
        }
        throw new org.parley.core.ParleyException(
                org.parley.core.ParleyException.Kind.INTERNAL, "unknown column family id " + id);
    }
}
