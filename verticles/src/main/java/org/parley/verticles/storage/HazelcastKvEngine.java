package org.parley.verticles.storage;

import org.parley.storage.internal.CommitQueue;
import org.parley.storage.internal.CommitQueue.Pending;

import com.hazelcast.config.IndexConfig;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.PagingPredicate;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.parley.core.ParleyException;
import org.parley.storage.Repository;
import org.parley.storage.StoreMetrics;
import org.parley.storage.internal.BufferedTx;
import org.parley.storage.internal.Cf;
import org.parley.storage.internal.KvEngine;
import org.parley.storage.internal.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KvEngine} on Hazelcast: one IMap holds every column family (key = column family id,
 * then the key, in hex), a second small map holds the writer lock and the intent; both are shared
 * by every member that opens a store of the same name.
 *
 * <p><b>Writes.</b> Each engine has one committer thread doing group commit, as the RocksDB
 * engine does. Engines on different members serialise their batches with a cluster lock
 * ({@code IMap.lock} on the control map: owned by the committer thread, released by Hazelcast if
 * the holding member dies). Under the lock a batch: (1) re-applies the previous holder's intent
 * if one was left behind (it died between logging and applying); (2) runs its operations against
 * an overlay of the batch so far over the maps; (3) writes the collapsed writes of the batch as
 * one <i>intent</i> entry (a single-key write, so atomic, with its synchronous backup);
 * (4) applies them to the data map ({@code setAllAsync}/{@code removeAsync}, all in
 * parallel, each acknowledged after its synchronous backup); (5) deletes the intent; (6) unlocks;
 * only then completes the futures. A batch is thus applied entirely or not at all, even if its
 * member dies in the middle; a batch touching one key skips the intent.
 *
 * <p><b>Ordered scans.</b> IMap keys are lower-case hex (column family id, then the key): hex
 * order is unsigned byte order, prefixes included. The map has a SORTED index on {@code __key}; a scan is
 * a sequence of {@link PagingPredicate} range queries (64, then up to 1024 entries a page,
 * sorted by key, resumed after the last key seen). Cost: every page is a scatter-gather query to
 * all members (one round trip each, plus sorting), and keys take twice their size in memory.
 *
 * <p><b>Reads</b> go to partition primaries (no backup reads) and see applied batches; while a
 * batch is being applied, a reader may see part of it (as with the in-memory engine).
 */
public final class HazelcastKvEngine implements KvEngine {
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastKvEngine.class);
    /** Map names: {@code parley.store.<store name>.<column family>} and {@code ....control}. */
    public static final String MAP_PREFIX = "parley.store.";
    private static final String WRITER_LOCK = "writer";
    private static final String OPEN_LOCK = "open";
    private static final String INTENT = "intent";
    private static final String CF_PREFIX = "cf.";
    /** A batch stops taking operations once its writes exceed this (the intent is one map entry). */
    private static final long MAX_BATCH_BYTES = 4L << 20;
    private static final long LOCK_WAIT_SECONDS = 30;
    private static final long APPLY_WAIT_SECONDS = 30;
    private static final int FIRST_PAGE = 64;
    private static final int MAX_PAGE = 1024;
    private static final java.util.HexFormat HEX = java.util.HexFormat.of();

    /** Serializable key orders for paging queries (members must have this class). */
    enum KeyOrder implements Comparator<Map.Entry<String, byte[]>> {
        ASCENDING, DESCENDING;

        @Override
        public int compare(Map.Entry<String, byte[]> a, Map.Entry<String, byte[]> b) {
            int c = a.getKey().compareTo(b.getKey());
            return this == ASCENDING ? c : -c;
        }
    }

    private final HazelcastInstance hz;
    private final String name;
    /** Every column family in one map: key = cfId (2 hex digits) + hex(key). */
    private final IMap<String, byte[]> data;
    private final IMap<String, byte[]> control;
    private final Set<Cf> knownCfs = EnumSet.of(Cf.SYS);
    private final ArrayDeque<Pending<?>> carry = new ArrayDeque<>();
    private final StoreMetrics metrics;
    private final int maxBatchOps;
    private final CommitQueue queue;
    private final Thread committer;
    private final AtomicLong recovered = new AtomicLong();
    /** Test seam: runs on the committer after the intent is written and before it is applied. */
    volatile Runnable afterIntent;
    private volatile boolean closing;
    private volatile boolean closed;

    private HazelcastKvEngine(HazelcastInstance hz, String name, int backupCount, StoreMetrics metrics, int maxBatchOps) {
        this.hz = hz;
        this.name = name;
        this.metrics = metrics;
        this.maxBatchOps = maxBatchOps;
        this.queue = new CommitQueue(maxBatchOps);
        String prefix = MAP_PREFIX + name + ".";
        try {
            // dynamic config, pushed to every member; the same config added again is accepted
            hz.getConfig().addMapConfig(new MapConfig(prefix + "*")
                    .setBackupCount(backupCount)
                    .setAsyncBackupCount(0)
                    .setReadBackupData(false)
                    .addIndexConfig(new IndexConfig(IndexType.SORTED, "__key")));
            data = hz.getMap(prefix + "data");
            control = hz.getMap(prefix + "control");
        } catch (RuntimeException e) {
            throw unavailable("cannot open the clustered store " + name, e);
        }
        if (!"true".equals(hz.getConfig().getProperty(HazelcastStore.FAIL_ON_INDETERMINATE))) {
            LOG.warn("clustered store {}: {} is not set; a write whose backup times out is reported done "
                    + "(call HazelcastStore.configure on the member config)", name, HazelcastStore.FAIL_ON_INDETERMINATE);
        }
        int members = hz.getCluster().getMembers().size();
        if (members <= backupCount) {
            LOG.warn("clustered store {}: {} member(s) for {} backup(s); writes are not replicated until more members join",
                    name, members, backupCount);
        }
        committer = new Thread(this::commitLoop, "parley-hz-store-committer-" + name);
        committer.setDaemon(true);
        committer.start();
    }

    /** Opens the engine for store {@code name}; {@code backupCount} synchronous backups per entry. */
    public static HazelcastKvEngine open(HazelcastInstance hz, String name, int backupCount, StoreMetrics metrics,
            int maxBatchOps) {
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "clustered store name must be 1..64 of [A-Za-z0-9_-]");
        }
        if (backupCount < 1 || backupCount > 6) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "clustered store backup count must be in 1..6");
        }
        return new HazelcastKvEngine(hz, name, backupCount, metrics, maxBatchOps);
    }

    /** Batches re-applied from an intent that a dead (or failed) writer left behind. */
    public long recoveredBatches() {
        return recovered.get();
    }

    /**
     * Runs {@code body} holding the cluster-wide open lock, so that two members creating the same
     * store at once do not both write a key header.
     */
    <T> T whileOpening(java.util.function.Supplier<T> body) {
        boolean locked;
        try {
            locked = control.tryLock(OPEN_LOCK, LOCK_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted opening the clustered store " + name, e);
        } catch (RuntimeException e) {
            throw unavailable("cannot lock the clustered store " + name + " for opening", e);
        }
        if (!locked) throw unavailable("clustered store " + name + " is being opened elsewhere for too long", null);
        try {
            return body.get();
        } finally {
            try {
                control.unlock(OPEN_LOCK);
            } catch (RuntimeException e) {
                LOG.warn("unlocking the open lock of {} failed: {}", name, e.toString());
            }
        }
    }

    // ---------------------------------------------------------------- keys

    /** Lower-case hex: its string order is the unsigned byte order of the key. */
    static String hex(byte[] key) {
        return HEX.formatHex(key);
    }

    static byte[] unhex(String key) {
        return HEX.parseHex(key);
    }

    private static ParleyException unavailable(String what, Throwable cause) {
        String msg = cause == null ? what : what + ": " + cause;
        return cause == null ? new ParleyException(ParleyException.Kind.UNAVAILABLE, msg)
                : new ParleyException(ParleyException.Kind.UNAVAILABLE, msg, cause);
    }

    private void checkOpen() {
        if (closed) throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "store is closed");
    }

    /** The data-map key of {@code key} in {@code cf}. */
    static String mapKey(Cf cf, byte[] key) {
        return cfPrefix(cf) + HEX.formatHex(key);
    }

    private static String cfPrefix(Cf cf) {
        return HEX.toHexDigits((byte) cf.id());
    }

    /** Just past every key of {@code cf}. */
    private static String cfEnd(Cf cf) {
        return HEX.toHexDigits((byte) (cf.id() + 1));
    }

    // ---------------------------------------------------------------- reads

    @Override
    public byte[] get(Cf cf, byte[] key) {
        checkOpen();
        try {
            return data.get(mapKey(cf, key));
        } catch (RuntimeException e) {
            throw unavailable("clustered store read failed", e);
        }
    }

    @Override
    public void scan(Cf cf, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
        checkOpen();
        String lo = mapKey(cf, from);
        String hi = to == null ? cfEnd(cf) : mapKey(cf, to);
        if (lo.compareTo(hi) >= 0) return;
        int skip = cfPrefix(cf).length();
        String cursor = null;
        int page = FIRST_PAGE;
        for (int round = 0; round < 10_000_000; round++) {
            List<Predicate<String, byte[]>> parts = new ArrayList<>(3);
            parts.add(Predicates.greaterEqual("__key", lo));
            parts.add(Predicates.lessThan("__key", hi));
            if (cursor != null) {
                parts.add(reverse ? Predicates.lessThan("__key", cursor) : Predicates.greaterThan("__key", cursor));
            }
            @SuppressWarnings("unchecked")
            Predicate<String, byte[]> range = Predicates.and(parts.toArray(new Predicate[0]));
            PagingPredicate<String, byte[]> paging = Predicates.pagingPredicate(range,
                    reverse ? KeyOrder.DESCENDING : KeyOrder.ASCENDING, page);
            Collection<Map.Entry<String, byte[]>> entries;
            try {
                entries = data.entrySet(paging);
            } catch (RuntimeException e) {
                throw unavailable("clustered store scan failed", e);
            }
            int n = 0;
            for (Map.Entry<String, byte[]> e : entries) {
                n++;
                cursor = e.getKey();
                if (!visitor.visit(HEX.parseHex(cursor, skip, cursor.length()), e.getValue())) return;
            }
            if (n < page) return;
            page = Math.min(page * 2, MAX_PAGE);
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public <T> CompletableFuture<T> submit(Repository repository, Op<T> op) {
        return queue.submit(repository, op, () -> closing, () -> committer.isAlive());
    }

    private void commitLoop() {
        List<Pending<?>> batch = new ArrayList<>();
        int lastBatch = 1;
        while (true) {
            if (carry.isEmpty()) {
                Pending<?> first;
                try {
                    first = queue.poll(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (first == null) {
                    if (closing && queue.isEmpty()) return;
                    continue;
                }
                batch.add(first);
            } else {
                while (!carry.isEmpty() && batch.size() < maxBatchOps) batch.add(carry.poll());
            }
            queue.drainTo(batch);
            queue.linger(batch, lastBatch);
            lastBatch = batch.size();
            try {
                commit(batch);
            } catch (RuntimeException e) {
                LOG.error("clustered store {}: commit failed unexpectedly", name, e);
                for (Pending<?> p : batch) p.future().completeExceptionally(unavailable("store write failed", e));
            }
            batch.clear();
        }
    }

    private void commit(List<Pending<?>> batch) {
        boolean locked;
        try {
            locked = control.tryLock(WRITER_LOCK, LOCK_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        } catch (RuntimeException e) {
            failAll(batch, unavailable("clustered store " + name + ": cannot take the writer lock", e));
            return;
        }
        if (!locked) {
            failAll(batch, unavailable("clustered store " + name + ": writer lock not granted in " + LOCK_WAIT_SECONDS + " s", null));
            return;
        }
        try {
            commitLocked(batch);
        } finally {
            try {
                control.unlock(WRITER_LOCK);
            } catch (RuntimeException e) {
                // the member is gone or the lock was lost with it: nothing more to release
                LOG.warn("clustered store {}: unlocking the writer lock failed: {}", name, e.toString());
            }
        }
    }

    private void commitLocked(List<Pending<?>> batch) {
        try {
            byte[] left = control.get(INTENT);
            if (left != null) {
                LOG.warn("clustered store {}: re-applying a batch a previous writer logged but did not finish", name);
                apply(decodeIntent(left));
                control.delete(INTENT);
                recovered.incrementAndGet();
            }
        } catch (RuntimeException e) {
            failAll(batch, unavailable("clustered store " + name + ": recovering the last intent failed", e));
            return;
        }

        Map<BufferedTx.Key, Object> overlay = new LinkedHashMap<>();
        BufferedTx.Below below = (cf, key) -> {
            Object v = overlay.get(BufferedTx.Key.of(cf, key));
            return v != null ? v : get(cf, key);
        };
        int n = batch.size();
        Object[] results = new Object[n];
        Throwable[] errors = new Throwable[n];
        long[] bytes = new long[n];
        long batchBytes = 0;
        int taken = n;
        int ok = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && batchBytes >= MAX_BATCH_BYTES) {
                taken = i;
                break;
            }
            BufferedTx tx = new BufferedTx(below, this);
            try {
                results[i] = batch.get(i).op().apply(tx);
                for (BufferedTx.Write w : tx.writes()) {
                    overlay.put(BufferedTx.Key.of(w.cf(), w.key()), w.value() == null ? BufferedTx.DELETED : w.value());
                }
                bytes[i] = tx.bytesWritten();
                batchBytes += bytes[i];
                ok++;
            } catch (RuntimeException e) {
                errors[i] = e;
            }
        }
        // operations beyond the byte cap go first into the next batch, in order
        for (int i = n - 1; i >= taken; i--) carry.addFirst(batch.get(i));

        long syncStart = System.nanoTime();
        try {
            if (overlay.size() == 1) {
                apply(overlay);
            } else if (!overlay.isEmpty()) {
                byte[] intent = encodeIntent(overlay);
                try {
                    control.set(INTENT, intent);
                } catch (RuntimeException e) {
                    // if the intent can be removed, the batch is certainly not applied
                    try {
                        control.delete(INTENT);
                    } catch (RuntimeException ignored) {
                        LOG.warn("clustered store {}: batch outcome unknown (intent neither written nor removed)", name);
                    }
                    throw e;
                }
                Runnable hook = afterIntent;
                if (hook != null) hook.run();
                apply(overlay);
                control.delete(INTENT);
            }
            metrics.onBatch(ok, System.nanoTime() - syncStart);
        } catch (RuntimeException e) {
            LOG.warn("clustered store {}: batch of {} operations failed: {}", name, taken, e.toString());
            ParleyException failure = unavailable("store write failed", e);
            for (int i = 0; i < taken; i++) {
                if (errors[i] == null) errors[i] = failure;
            }
        }
        long end = System.nanoTime();
        for (int i = 0; i < taken; i++) {
            @SuppressWarnings("unchecked")
            Pending<Object> p = (Pending<Object>) batch.get(i);
            if (errors[i] != null) {
                p.future().completeExceptionally(errors[i]);
            } else {
                try {
                    metrics.onWrite(p.repository(), end - p.startNanos(), bytes[i]);
                } catch (RuntimeException e) {
                    LOG.warn("store metrics listener failed", e);
                }
                p.future().complete(results[i]);
            }
        }
    }

    private static void failAll(List<Pending<?>> batch, ParleyException e) {
        for (Pending<?> p : batch) p.future().completeExceptionally(e);
    }

    /** Applies final values (byte[] or {@link BufferedTx#DELETED}) in parallel; waits for every acknowledgement. */
    private void apply(Map<BufferedTx.Key, Object> writes) {
        Map<String, byte[]> puts = new HashMap<>();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (Map.Entry<BufferedTx.Key, Object> w : writes.entrySet()) {
            String k = mapKey(w.getKey().cf(), bytesOf(w.getKey().key()));
            if (w.getValue() instanceof byte[] v) {
                puts.put(k, v);
            } else {
                acks.add(data.removeAsync(k).toCompletableFuture());
            }
        }
        if (puts.size() == 1) {
            Map.Entry<String, byte[]> e = puts.entrySet().iterator().next();
            acks.add(data.setAsync(e.getKey(), e.getValue()).toCompletableFuture());
        } else if (!puts.isEmpty()) {
            acks.add(data.setAllAsync(puts).toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get(APPLY_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted applying a batch", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw unavailable("applying a batch failed", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw unavailable("applying a batch timed out", e);
        }
    }

    private static byte[] bytesOf(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /** cfId(1) flag(1: 1 put, 0 delete) keyLen(4) key [valueLen(4) value], repeated. */
    static byte[] encodeIntent(Map<BufferedTx.Key, Object> writes) {
        int size = 0;
        for (Map.Entry<BufferedTx.Key, Object> w : writes.entrySet()) {
            size += 6 + w.getKey().key().remaining();
            if (w.getValue() instanceof byte[] v) size += 4 + v.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (Map.Entry<BufferedTx.Key, Object> w : writes.entrySet()) {
            ByteBuffer k = w.getKey().key().duplicate();
            out.put((byte) w.getKey().cf().id());
            boolean put = w.getValue() instanceof byte[];
            out.put((byte) (put ? 1 : 0));
            out.putInt(k.remaining());
            out.put(k);
            if (w.getValue() instanceof byte[] v) {
                out.putInt(v.length);
                out.put(v);
            }
        }
        return out.array();
    }

    static Map<BufferedTx.Key, Object> decodeIntent(byte[] intent) {
        Map<BufferedTx.Key, Object> out = new LinkedHashMap<>();
        ByteBuffer in = ByteBuffer.wrap(intent);
        try {
            while (in.hasRemaining()) {
                Cf cf = Cf.fromId(in.get() & 0xff);
                int flag = in.get();
                byte[] k = new byte[checkedLength(in)];
                in.get(k);
                if (flag == 1) {
                    byte[] v = new byte[checkedLength(in)];
                    in.get(v);
                    out.put(BufferedTx.Key.of(cf, k), v);
                } else if (flag == 0) {
                    out.put(BufferedTx.Key.of(cf, k), BufferedTx.DELETED);
                } else {
                    throw new ParleyException(ParleyException.Kind.INTERNAL, "corrupt store intent (flag " + flag + ")");
                }
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "corrupt store intent (truncated)", e);
        }
        return out;
    }

    private static int checkedLength(ByteBuffer in) {
        int len = in.getInt();
        if (len < 0 || len > in.remaining()) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "corrupt store intent (length " + len + ")");
        }
        return len;
    }

    // ---------------------------------------------------------------- column families, size, life

    @Override
    public boolean onCompletionThread() {
        return Thread.currentThread() == committer;
    }

    @Override
    public boolean hasCf(Cf cf) {
        synchronized (knownCfs) {
            if (knownCfs.contains(cf)) return true;
        }
        boolean present;
        try {
            present = control.containsKey(CF_PREFIX + cf.cfName());
        } catch (RuntimeException e) {
            throw unavailable("clustered store read failed", e);
        }
        if (present) {
            synchronized (knownCfs) {
                knownCfs.add(cf);
            }
        }
        return present;
    }

    @Override
    public void createCf(Cf cf) {
        try {
            control.set(CF_PREFIX + cf.cfName(), new byte[0]);
        } catch (RuntimeException e) {
            throw unavailable("clustered store write failed", e);
        }
        synchronized (knownCfs) {
            knownCfs.add(cf);
        }
    }

    @Override
    public long approximateBytes(Cf cf) {
        checkOpen();
        try {
            return data.aggregate(new EntryBytes(),
                    Predicates.and(Predicates.greaterEqual("__key", cfPrefix(cf)), Predicates.lessThan("__key", cfEnd(cf))));
        } catch (RuntimeException e) {
            throw unavailable("clustered store size query failed", e);
        }
    }

    /** Sums key and value bytes over the map, computed on each member for its own partitions. */
    static final class EntryBytes implements com.hazelcast.aggregation.Aggregator<Map.Entry<String, byte[]>, Long> {
        private static final long serialVersionUID = 1L;
        private long sum;

        @Override
        public void accumulate(Map.Entry<String, byte[]> e) {
            sum += (e.getKey().length() - 2) / 2 + (e.getValue() == null ? 0 : e.getValue().length);
        }

        @Override
        public void combine(com.hazelcast.aggregation.Aggregator other) {
            sum += ((EntryBytes) other).sum;
        }

        @Override
        public Long aggregate() {
            return sum;
        }
    }

    @Override
    public synchronized void close() {
        if (closing) return;
        closing = true;
        try {
            committer.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Pending<?> p; (p = queue.poll()) != null; ) {
            p.future().completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "store is closed"));
        }
        for (Pending<?> p; (p = carry.poll()) != null; ) {
            p.future().completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "store is closed"));
        }
        closed = true;
    }

    String name() {
        return name;
    }

    HazelcastInstance instance() {
        return hz;
    }
}
