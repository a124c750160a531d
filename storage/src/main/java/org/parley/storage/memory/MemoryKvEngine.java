package org.parley.storage.memory;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import org.parley.core.ParleyException;
import org.parley.storage.Repository;
import org.parley.storage.StoreMetrics;
import org.parley.storage.internal.BufferedTx;
import org.parley.storage.internal.Cf;
import org.parley.storage.internal.KvEngine;
import org.parley.storage.internal.Op;

/** Sorted maps in memory; operations run one at a time under a lock and complete at once. */
public final class MemoryKvEngine implements KvEngine {
    private final Map<Cf, ConcurrentSkipListMap<byte[], byte[]>> maps = new EnumMap<>(Cf.class);
    private final StoreMetrics metrics;
    private final Object lock = new Object();
    private volatile boolean closed;

    public MemoryKvEngine(StoreMetrics metrics) {
        this.metrics = metrics;
        maps.put(Cf.SYS, newMap());
    }

    private static ConcurrentSkipListMap<byte[], byte[]> newMap() {
        return new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    }

    private ConcurrentSkipListMap<byte[], byte[]> map(Cf cf) {
        ConcurrentSkipListMap<byte[], byte[]> m = maps.get(cf);
        if (m == null) throw new ParleyException(ParleyException.Kind.INTERNAL, "no column family " + cf.cfName());
        return m;
    }

    @Override
    public byte[] get(Cf cf, byte[] key) {
        return map(cf).get(key);
    }

    @Override
    public void scan(Cf cf, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
        ConcurrentSkipListMap<byte[], byte[]> m = map(cf);
        NavigableMap<byte[], byte[]> sub = to == null ? m.tailMap(from, true) : m.subMap(from, true, to, false);
        if (reverse) sub = sub.descendingMap();
        for (Map.Entry<byte[], byte[]> e : sub.entrySet()) {
            if (!visitor.visit(e.getKey(), e.getValue())) return;
        }
    }

    @Override
    public <T> CompletableFuture<T> submit(Repository repository, Op<T> op) {
        long start = System.nanoTime();
        T result;
        long bytes;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(
                        new ParleyException(ParleyException.Kind.UNAVAILABLE, "store is closed"));
            }
            BufferedTx tx = new BufferedTx((cf, key) -> map(cf).get(key), this);
            try {
                result = op.apply(tx);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            for (BufferedTx.Write w : tx.writes()) {
                if (w.value() == null) map(w.cf()).remove(w.key());
                else map(w.cf()).put(w.key(), w.value());
            }
            bytes = tx.bytesWritten();
        }
        metrics.onWrite(repository, System.nanoTime() - start, bytes);
        return CompletableFuture.completedFuture(result);
    }

    @Override
    public boolean hasCf(Cf cf) {
        synchronized (lock) {
            return maps.containsKey(cf);
        }
    }

    @Override
    public void createCf(Cf cf) {
        synchronized (lock) {
            maps.putIfAbsent(cf, newMap());
        }
    }

    @Override
    public long approximateBytes(Cf cf) {
        long n = 0;
        for (Map.Entry<byte[], byte[]> e : map(cf).entrySet()) n += e.getKey().length + e.getValue().length;
        return n;
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
    }
}
