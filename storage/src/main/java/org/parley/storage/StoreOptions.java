package org.parley.storage;

import java.nio.file.Path;
import java.util.Objects;
import org.parley.core.ParleyException;
import org.parley.core.time.Clock;

/**
 * How to open a store.
 *
 * @param dataDir     the node's data directory; RocksDB lives in {@code <dataDir>/db}
 * @param keySource   what unlocks the data key
 * @param inboxQuota  per-inbox limits for the inbox relay
 * @param clock       decides what is expired on reads and in the replay cache
 * @param metrics     write listener
 * @param maxBatchOps most operations in one group commit
 */
public record StoreOptions(
        Path dataDir, KeySource keySource, InboxQuota inboxQuota, Clock clock, StoreMetrics metrics, int maxBatchOps) {

    public StoreOptions {
        Objects.requireNonNull(keySource, "keySource");
        Objects.requireNonNull(inboxQuota, "inboxQuota");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(metrics, "metrics");
        if (maxBatchOps < 1 || maxBatchOps > 100_000) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "maxBatchOps must be in 1..100000");
        }
    }

    public static StoreOptions of(Path dataDir, KeySource keySource) {
        return new StoreOptions(dataDir, keySource, InboxQuota.DEFAULT, Clock.system(), StoreMetrics.NONE, 1024);
    }

    public Path dbDir() {
        if (dataDir == null) throw new ParleyException(ParleyException.Kind.CONFIG, "store needs a data directory");
        return dataDir.resolve("db");
    }

    public StoreOptions withKeySource(KeySource k) {
        return new StoreOptions(dataDir, k, inboxQuota, clock, metrics, maxBatchOps);
    }

    public StoreOptions withInboxQuota(InboxQuota q) {
        return new StoreOptions(dataDir, keySource, q, clock, metrics, maxBatchOps);
    }

    public StoreOptions withClock(Clock c) {
        return new StoreOptions(dataDir, keySource, inboxQuota, c, metrics, maxBatchOps);
    }

    public StoreOptions withMetrics(StoreMetrics m) {
        return new StoreOptions(dataDir, keySource, inboxQuota, clock, m, maxBatchOps);
    }

    public StoreOptions withMaxBatchOps(int n) {
        return new StoreOptions(dataDir, keySource, inboxQuota, clock, metrics, n);
    }
}
