package org.parley.discovery.record;

import java.util.Optional;

/** What a DHT record holds. Codes are on the wire. */
public enum RecordKind {
    /** A relay's signed descriptor, stored under the relay's node id. */
    RELAY_DESCRIPTOR(1),
    /** A user's contact record, stored under a key derived from the handle, content encrypted. */
    CONTACT(2);

    private final int code;

    RecordKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<RecordKind> fromCode(int code) {
        for (RecordKind k : values()) {
            if (k.code == code) return Optional.of(k);
        }
        return Optional.empty();
    }
}
