package org.parley.storage;

import java.util.Objects;
import org.parley.core.Bytes;

/** A DHT record held by this node: signed record bytes (opaque here) with an expiry. */
public record DhtRecord(Bytes key, Bytes record, long expiresAtMillis) {
    public DhtRecord {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(record, "record");
    }
}
