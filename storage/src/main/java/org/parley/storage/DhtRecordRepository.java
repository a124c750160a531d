package org.parley.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.core.Bytes;

/** DHT records this node stores for the network: key → signed record bytes with expiry. */
public interface DhtRecordRepository {
    /** Inserts or replaces (the caller checks signatures and sequence numbers). */
    CompletableFuture<Void> put(DhtRecord record);

    /** The record if present and not expired. */
    Optional<DhtRecord> get(Bytes key);

    CompletableFuture<Boolean> delete(Bytes key);

    /** Up to {@code limit} unexpired records with key ≥ {@code fromKey} in key order (for republishing). */
    List<DhtRecord> scan(Bytes fromKey, int limit);
}
