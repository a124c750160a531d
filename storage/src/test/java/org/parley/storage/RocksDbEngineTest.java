package org.parley.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.storage.internal.Cf;
import org.parley.storage.internal.KvStore;
import org.parley.storage.rocksdb.RocksDbStore;
import org.parley.storage.rocksdb.RocksKvEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RocksDB specifics: group commit, exclusive open, schema guard. */
class RocksDbEngineTest {
    @TempDir
    Path dataDir;

    @Test
    void concurrentWritesShareOneSyncedBatch() throws Exception {
        AtomicInteger maxBatch = new AtomicInteger();
        AtomicLong batches = new AtomicLong();
        StoreMetrics m = new StoreMetrics() {
            @Override
            public void onWrite(Repository repository, long latencyNanos, long bytesWritten) {
            }

            @Override
            public void onBatch(int operations, long syncNanos) {
                batches.incrementAndGet();
                maxBatch.accumulateAndGet(operations, Math::max);
            }
        };
        try (Store s = RocksDbStore.open(StoreOptions.of(dataDir, KeySource.none()).withMetrics(m))) {
            List<CompletableFuture<Boolean>> fs = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                fs.add(s.messages().append(new StoredMessage(Bytes.of(new byte[] {1}), Bytes.wrap(("m" + i).getBytes(StandardCharsets.US_ASCII)),
                        Direction.OUTGOING, Bytes.of(new byte[100]), MessageStatus.PENDING, i, i)));
            }
            for (CompletableFuture<Boolean> f : fs) assertThat(f.join()).isTrue();
            assertThat(s.messages().list(Bytes.of(new byte[] {1}), 0, 1000)).hasSize(500);
        }
        // 500 writes submitted at once cannot each have had their own fsync
        assertThat(maxBatch.get()).isGreaterThan(1);
        assertThat(batches.get()).isLessThan(500);
    }

    @Test
    void blockingCallFromACompletionCallbackFailsInsteadOfDeadlocking() throws Exception {
        StoreOptions opts = StoreOptions.of(dataDir, KeySource.none());
        RocksKvEngine engine = RocksKvEngine.open(opts.dbDir(), KvStore.CURRENT_SCHEMA, StoreMetrics.NONE, 16);
        try (Store s = KvStore.open(engine, opts, "test")) {
            // hold the committer so the callback is attached before the write completes
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            CompletableFuture<Object> gate = engine.submit(Repository.SYSTEM, tx -> {
                try {
                    release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
            CompletableFuture<Boolean> chained = s.meta().put("k", Bytes.EMPTY)
                    .thenApply(v -> s.replay().markSeen(Bytes.of(new byte[] {1}), Long.MAX_VALUE));
            release.countDown();
            gate.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThatThrownBy(() -> chained.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ParleyException.class)
                    .hasMessageContaining("deadlock");
            // the store still works afterwards, and the refused call wrote nothing
            assertThat(s.replay().markSeen(Bytes.of(new byte[] {1}), Long.MAX_VALUE)).isTrue();
        }
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefused() {
        try (Store s = RocksDbStore.open(StoreOptions.of(dataDir, KeySource.none()))) {
            assertThatThrownBy(() -> RocksDbStore.open(StoreOptions.of(dataDir, KeySource.none())))
                    .isInstanceOf(ParleyException.class)
                    .hasMessageContaining("in use")
                    .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.UNAVAILABLE);
            assertThat(s.meta().get("x")).isEmpty();
        }
    }

    @Test
    void aNewerSchemaIsRefusedWithAClearMessage() {
        RocksDbStore.open(StoreOptions.of(dataDir, KeySource.none())).close();
        try (RocksKvEngine engine = RocksKvEngine.open(dataDir.resolve("db"), KvStore.CURRENT_SCHEMA, StoreMetrics.NONE, 16)) {
            engine.submit(Repository.SYSTEM, tx -> {
                byte[] v = new byte[8];
                v[7] = (byte) (KvStore.CURRENT_SCHEMA + 1);
                tx.put(Cf.SYS, "schema".getBytes(StandardCharsets.US_ASCII), v);
                return null;
            }).join();
        }
        assertThatThrownBy(() -> RocksDbStore.open(StoreOptions.of(dataDir, KeySource.none())))
                .isInstanceOf(ParleyException.class)
                .hasMessageContaining("schema version " + (KvStore.CURRENT_SCHEMA + 1))
                .hasMessageContaining("upgrade")
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.CONFIG);
    }
}
