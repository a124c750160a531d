package org.parley.storage;

/**
 * Everything a node keeps, as typed repositories. Reads are synchronous and see only durable
 * data. Writes return a {@link java.util.concurrent.CompletableFuture} that completes once
 * the write is on disk (synced); only then may the caller acknowledge anything that depends
 * on it. Futures complete on the store's committer thread: continue with the
 * {@code *Async} variants (or hop back to your own context) for anything heavier than a
 * hand-off. Methods may block on disk I/O: call them from worker threads, not an event loop.
 *
 * <p>Bad arguments fail with a ParleyException of kind MALFORMED_INPUT; a full inbox with
 * RESOURCE_LIMIT ("QUOTA ..."); a failed disk with UNAVAILABLE; a closed store with
 * UNAVAILABLE.
 */
public interface Store extends AutoCloseable {
    KeyRepository keys();

    ContactRepository contacts();

    SessionRepository sessions();

    ConversationRepository conversations();

    MessageRepository messages();

    InboxRepository inbox();

    DhtRecordRepository dht();

    ReplayCache replay();

    MetaRepository meta();

    /**
     * Runs {@code work} on the committer thread against a {@link StoreBatch}; everything it writes
     * reaches the disk in one synced write batch (all or none). The future completes with
     * {@code work}'s result once that batch is durable, or exceptionally (and nothing is written)
     * if {@code work} throws or the disk fails. Each write of the batch is counted in
     * {@link StoreMetrics} under its own repository, and the batch once under {@link Repository#SYSTEM}.
     * {@code work} must not block or call the store's other methods.
     */
    <T> java.util.concurrent.CompletableFuture<T> batch(java.util.function.Function<StoreBatch, T> work);

    /**
     * Purges inbox envelopes, replay tags and DHT records whose expiry is at or before
     * {@code nowMillis}, using the expiry index. Blocks until the deletions are durable.
     */
    SweepResult sweepExpired(long nowMillis);

    /** Schema version of the open store (after any migration). */
    int schemaVersion();

    /** Approximate bytes held for one repository (for the {@code parley_storage_bytes} gauge). */
    long approximateBytes(Repository repository);

    /** Waits for pending writes, flushes and closes. Idempotent. */
    @Override
    void close();
}
