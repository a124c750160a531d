package org.parley.storage.internal;

import java.util.concurrent.CompletableFuture;
import org.parley.storage.Repository;

/**
 * An ordered key-value engine with column families and group-committed, synced writes. The
 * repositories ({@link KvStore}) are written once against this; RocksDB and memory implement it.
 */
public interface KvEngine extends AutoCloseable {
    /** Visitor for scans; return false to stop. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(byte[] key, byte[] value);
    }

    /** Committed (durable) value or null. */
    byte[] get(Cf cf, byte[] key);

    /** Committed entries with {@code from <= key < to} ({@code to} null: to the end), in order or reversed. */
    void scan(Cf cf, byte[] from, byte[] to, boolean reverse, Visitor visitor);

    /**
     * Queues {@code op}; the future completes with its result after the batch that holds its
     * writes is synced, or exceptionally with the op's exception or an UNAVAILABLE error.
     */
    <T> CompletableFuture<T> submit(Repository repository, Op<T> op);

    /** Whether the calling thread is the one that completes write futures (blocking there would deadlock). */
    default boolean onCompletionThread() {
        return false;
    }

    /** Whether the column family exists (schema migration). */
    boolean hasCf(Cf cf);

    /** Creates a column family (schema migration). */
    void createCf(Cf cf);

    long approximateBytes(Cf cf);

    @Override
    void close();
}
