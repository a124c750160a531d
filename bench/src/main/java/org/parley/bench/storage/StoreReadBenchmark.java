package org.parley.bench.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.parley.core.Bytes;
import org.parley.storage.Store;
import org.parley.storage.StoredMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reads from an encrypted RocksDB store holding 20,000 messages in 100 conversations:
 * a message by id (index lookup + value, decrypt) and the newest 50 of a conversation
 * (range scan, 50 decrypts).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@Threads(1)
@State(Scope.Benchmark)
public class StoreReadBenchmark {
    private static final int MESSAGES = 20_000;
    private static final int CONVERSATIONS = 100;

    private Path dir;
    private Store store;

    @State(Scope.Thread)
    public static class Rnd {
        final SplittableRandom random = new SplittableRandom(7);
    }

    @Setup(Level.Trial)
    public void open() throws Exception {
        dir = StoreBenchSupport.tempDir();
        store = StoreBenchSupport.open(dir);
        CompletableFuture<?>[] fs = new CompletableFuture[MESSAGES];
        for (int i = 0; i < MESSAGES; i++) {
            fs[i] = store.messages().append(StoreBenchSupport.message(conversation(i % CONVERSATIONS),
                    StoreBenchSupport.id("m", i), i));
        }
        CompletableFuture.allOf(fs).join();
    }

    private static Bytes conversation(int n) {
        return StoreBenchSupport.id("conv", n);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        store.close();
        StoreBenchSupport.delete(dir);
    }

    @Benchmark
    public Optional<StoredMessage> getById(Rnd r) {
        return store.messages().get(StoreBenchSupport.id("m", r.random.nextInt(MESSAGES)));
    }

    @Benchmark
    public List<StoredMessage> latest50(Rnd r) {
        return store.messages().latest(conversation(r.random.nextInt(CONVERSATIONS)), 50);
    }
}
