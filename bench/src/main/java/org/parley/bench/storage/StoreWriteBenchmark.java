package org.parley.bench.storage;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.parley.core.Bytes;
import org.parley.storage.Store;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Synced (WAL fsync) message writes per second into an encrypted RocksDB store with group
 * commit. Every counted write has completed its future, i.e. is durable.
 * <ul>
 *   <li>{@code oneWriter}: one thread, one write at a time (one fsync per write).</li>
 *   <li>{@code eightWriters}: eight threads, each waiting for its write (group commit shares fsyncs).</li>
 *   <li>{@code pipelined64}, {@code pipelined256}: one thread submits 64 (256) writes, then waits
 *       for all, as an event loop submitting writes without blocking would.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class StoreWriteBenchmark {
    private static final Bytes CONVERSATION = Bytes.fromHex("c0ffee");

    private Path dir;
    private Store store;
    private final AtomicLong next = new AtomicLong();
    private StoreBenchSupport.BatchStats stats;

    @Setup(Level.Trial)
    public void open() throws Exception {
        dir = StoreBenchSupport.tempDir();
        stats = new StoreBenchSupport.BatchStats();
        store = StoreBenchSupport.open(dir, stats);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        System.out.println();
        System.out.println("[storage] " + stats.summary());
        store.close();
        StoreBenchSupport.delete(dir);
    }

    private CompletableFuture<Boolean> append() {
        long n = next.getAndIncrement();
        return store.messages().append(StoreBenchSupport.message(CONVERSATION, StoreBenchSupport.id("m", n), n));
    }

    @Benchmark
    @Threads(1)
    public boolean oneWriter() {
        return append().join();
    }

    @Benchmark
    @Threads(8)
    public boolean eightWriters() {
        return append().join();
    }

    private int inFlight(int n) {
        @SuppressWarnings("unchecked")
        CompletableFuture<Boolean>[] fs = new CompletableFuture[n];
        for (int i = 0; i < fs.length; i++) fs[i] = append();
        int ok = 0;
        for (CompletableFuture<Boolean> f : fs) if (f.join()) ok++;
        return ok;
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(64)
    public int pipelined64() {
        return inFlight(64);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(256)
    public int pipelined256() {
        return inFlight(256);
    }
}
