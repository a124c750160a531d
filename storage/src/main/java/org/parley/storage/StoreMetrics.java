package org.parley.storage;

/**
 * Listener for write metrics. The verticle binds it to Micrometer meters
 * ({@code parley_storage_writes_total}, {@code parley_storage_write_seconds},
 * {@code parley_storage_bytes}). Called on the store's committer thread after the write is
 * durable: implementations must be cheap and must not block or throw.
 */
public interface StoreMetrics {
    /**
     * One acknowledged write operation.
     *
     * @param repository   which repository the operation belongs to
     * @param latencyNanos from submission until the future completes, including the sync
     * @param bytesWritten key and value bytes put into the database by the operation
     */
    void onWrite(Repository repository, long latencyNanos, long bytesWritten);

    /** One group commit: {@code operations} writes made durable by one synced batch. */
    default void onBatch(int operations, long syncNanos) {
    }

    StoreMetrics NONE = (repository, latencyNanos, bytesWritten) -> { };
}
