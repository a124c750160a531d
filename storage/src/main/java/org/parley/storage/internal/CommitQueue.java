package org.parley.storage.internal;

import org.parley.core.ParleyException;
import org.parley.storage.Repository;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The queue in front of an engine's group-commit thread (RocksDB, Hazelcast): writers submit
 * operations, the committer takes them in batches. Shared so both engines batch alike.
 */
public final class CommitQueue {
    /** How long a committer waits for the writers of its previous batch to come back. */
    static final long LINGER_NANOS = 100_000;

    /** One submitted operation and the future its writer waits on. */
    public record Pending<T>(Repository repository, Op<T> op, CompletableFuture<T> future, long startNanos) {
    }

    private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final int maxBatchOps;

    public CommitQueue(int maxBatchOps) {
        this.maxBatchOps = maxBatchOps;
    }

    /**
     * Queues {@code op}; fails at once (UNAVAILABLE) if the engine is closing, or if it closed and its
     * committer left between the check and the enqueue.
     */
    public <T> CompletableFuture<T> submit(Repository repository, Op<T> op, BooleanSupplier closing, BooleanSupplier committerAlive) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closing.getAsBoolean()) {
            f.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "store is closed"));
            return f;
        }
        Pending<T> p = new Pending<>(repository, op, f, System.nanoTime());
        queue.add(p);
        if (closing.getAsBoolean() && !committerAlive.getAsBoolean() && queue.remove(p)) {
            f.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "store is closed"));
        }
        return f;
    }

    public Pending<?> poll(long timeoutMillis) throws InterruptedException {
        return queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The next queued operation, or null (no wait). */
    public Pending<?> poll() {
        return queue.poll();
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Moves queued operations into {@code batch} until it holds {@code maxBatchOps}. */
    public void drainTo(List<Pending<?>> batch) {
        queue.drainTo(batch, Math.max(0, maxBatchOps - batch.size()));
    }

    /**
     * Writers that waited for the last batch come back one by one after it completes; starting
     * the next sync with the first of them would split them over two syncs. So if fewer
     * operations are queued than the last batch held, wait up to {@link #LINGER_NANOS} for the
     * rest. With a single writer the last batch held one and nobody waits.
     */
    public void linger(List<Pending<?>> batch, int lastBatch) {
        if (batch.size() >= lastBatch || batch.size() >= maxBatchOps) return;
        long deadline = System.nanoTime() + LINGER_NANOS;
        while (batch.size() < lastBatch && batch.size() < maxBatchOps) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return;
            Pending<?> p;
            try {
                p = queue.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (p == null) return;
            batch.add(p);
            drainTo(batch);
        }
    }
}
