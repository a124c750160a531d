package org.parley.bench.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.parley.core.Bytes;
import org.parley.storage.Argon2Params;
import org.parley.storage.Direction;
import org.parley.storage.KeySource;
import org.parley.storage.MessageStatus;
import org.parley.storage.Store;
import org.parley.storage.StoreOptions;
import org.parley.storage.StoredMessage;
import org.parley.storage.rocksdb.RocksDbStore;

/** Opens an encrypted RocksDB store in a temp directory and builds messages, for the storage benchmarks. */
final class StoreBenchSupport {
    static final int BODY_BYTES = 200;
    static final Bytes BODY;

    static {
        byte[] b = new byte[BODY_BYTES];
        new java.util.Random(42).nextBytes(b);
        BODY = Bytes.wrap(b);
    }

    private StoreBenchSupport() {
    }

    static Path tempDir() throws IOException {
        return Files.createTempDirectory("parley-store-bench");
    }

    /** Encrypted like a real node; small Argon2 cost because only the open pays it. */
    static Store open(Path dir) {
        return open(dir, org.parley.storage.StoreMetrics.NONE);
    }

    static Store open(Path dir, org.parley.storage.StoreMetrics metrics) {
        return RocksDbStore.open(StoreOptions.of(dir,
                KeySource.passphrase("bench passphrase".toCharArray(), new Argon2Params(1024, 1, 1)))
                .withMetrics(metrics));
    }

    /** Counts group commits, so a result can be read as (writes per fsync) / (time per fsync). */
    static final class BatchStats implements org.parley.storage.StoreMetrics {
        final java.util.concurrent.atomic.LongAdder batches = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder ops = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder syncNanos = new java.util.concurrent.atomic.LongAdder();

        @Override
        public void onWrite(org.parley.storage.Repository repository, long latencyNanos, long bytesWritten) {
        }

        @Override
        public void onBatch(int operations, long nanos) {
            batches.increment();
            ops.add(operations);
            syncNanos.add(nanos);
        }

        String summary() {
            long b = Math.max(1, batches.sum());
            return String.format("group commits: %d, writes per commit %.1f, mean write+fsync %.3f ms",
                    batches.sum(), ops.sum() / (double) b, syncNanos.sum() / 1e6 / b);
        }
    }

    static Bytes id(String prefix, long n) {
        return Bytes.wrap((prefix + n).getBytes(StandardCharsets.US_ASCII));
    }

    static StoredMessage message(Bytes conversation, Bytes id, long createdAt) {
        return new StoredMessage(conversation, id, Direction.INCOMING, BODY, MessageStatus.DELIVERED, createdAt, createdAt);
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> w = Files.walk(dir)) {
            w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
