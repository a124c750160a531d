package org.parley.storage.rocksdb;

import org.parley.storage.internal.CommitQueue;
import org.parley.storage.internal.CommitQueue.Pending;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.parley.core.ParleyException;
import org.parley.storage.Repository;
import org.parley.storage.StoreMetrics;
import org.parley.storage.internal.BufferedTx;
import org.parley.storage.internal.Cf;
import org.parley.storage.internal.KvEngine;
import org.parley.storage.internal.Op;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RocksDB with one column family per keyspace and group commit: callers enqueue operations; one
 * committer thread takes everything queued (up to {@code maxBatchOps}), runs the operations in
 * order against an overlay of the batch so far, writes them as one WriteBatch with
 * {@code sync=true} (WAL fsync), and only then completes their futures.
 */
public final class RocksKvEngine implements KvEngine {
    private static final Logger LOG = LoggerFactory.getLogger(RocksKvEngine.class);

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final WriteOptions syncWrite;
    private final Map<Cf, ColumnFamilyHandle> handles = new EnumMap<>(Cf.class);
    private final List<ColumnFamilyHandle> foreignHandles = new ArrayList<>();
    private final StoreMetrics metrics;
    private final int maxBatchOps;
    private final CommitQueue queue;
    private final Thread committer;
    private final org.rocksdb.BloomFilter bloom = new org.rocksdb.BloomFilter(10, false);
    /** Reads hold the read lock so that close (write lock) never frees the native handles under them. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock life = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private volatile boolean closing;
    private volatile boolean closed;

    private RocksKvEngine(Path dir, int createLayoutVersion, StoreMetrics metrics, int maxBatchOps) {
        this.dir = dir;
        this.metrics = metrics;
        this.maxBatchOps = maxBatchOps;
        this.queue = new CommitQueue(maxBatchOps);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "cannot create store directory " + dir, e);
        }
        dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setKeepLogFileNum(3)
                .setMaxTotalWalSize(64L * 1024 * 1024);
        // values of the encrypted column families do not compress; keep every file uncompressed
        // bloom filters make the dedupe lookups of absent ids cheap
        cfOptions = new ColumnFamilyOptions().setCompressionType(CompressionType.NO_COMPRESSION)
                .setTableFormatConfig(new org.rocksdb.BlockBasedTableConfig().setFilterPolicy(bloom));
        syncWrite = new WriteOptions().setSync(true);

        List<String> names = new ArrayList<>();
        if (Files.exists(dir.resolve("CURRENT"))) {
            try (Options o = new Options()) {
                for (byte[] n : RocksDB.listColumnFamilies(o, dir.toString())) {
                    names.add(new String(n, java.nio.charset.StandardCharsets.UTF_8));
                }
            } catch (RocksDBException e) {
                close0();
                throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "cannot list column families of " + dir + ": "
                        + e.getMessage(), e);
            }
        } else {
            for (Cf cf : Cf.values()) {
                if (cf.sinceVersion() <= createLayoutVersion) names.add(cf.cfName());
            }
        }
        if (!names.contains(Cf.SYS.cfName())) names.add(0, Cf.SYS.cfName());
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String n : names) {
            descriptors.add(new ColumnFamilyDescriptor(n.getBytes(java.nio.charset.StandardCharsets.UTF_8), cfOptions));
        }
        List<ColumnFamilyHandle> opened = new ArrayList<>();
        try {
            db = RocksDB.open(dbOptions, dir.toString(), descriptors, opened);
        } catch (RocksDBException e) {
            close0();
            String msg = e.getMessage() == null ? "" : e.getMessage();
            if (msg.contains("lock")) {
                throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "store at " + dir
                        + " is in use by another process or store instance", e);
            }
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "cannot open store at " + dir + ": " + msg, e);
        }
        Map<String, Cf> byName = new HashMap<>();
        for (Cf cf : Cf.values()) byName.put(cf.cfName(), cf);
        for (int i = 0; i < names.size(); i++) {
            Cf cf = byName.get(names.get(i));
            if (cf == null) foreignHandles.add(opened.get(i));
            else handles.put(cf, opened.get(i));
        }
        committer = new Thread(this::commitLoop, "parley-store-committer");
        committer.setDaemon(true);
        committer.start();
    }

    /**
     * Opens or creates RocksDB at {@code dir}. A new database gets the column families of schema
     * {@code createLayoutVersion}; an existing one is opened with the families it has.
     */
    public static RocksKvEngine open(Path dir, int createLayoutVersion, StoreMetrics metrics, int maxBatchOps) {
        return new RocksKvEngine(dir, createLayoutVersion, metrics, maxBatchOps);
    }

    private ColumnFamilyHandle handle(Cf cf) {
        ColumnFamilyHandle h;
        synchronized (handles) {
            h = handles.get(cf);
        }
        if (h == null) throw new ParleyException(ParleyException.Kind.INTERNAL, "no column family " + cf.cfName());
        return h;
    }

    private void lockOpen() {
        life.readLock().lock();
        if (closed) {
            life.readLock().unlock();
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "store is closed");
        }
    }

    @Override
    public byte[] get(Cf cf, byte[] key) {
        lockOpen();
        try {
            return db.get(handle(cf), key);
        } catch (RocksDBException e) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "store read failed: " + e.getMessage(), e);
        } finally {
            life.readLock().unlock();
        }
    }

    @Override
    public void scan(Cf cf, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
        lockOpen();
        try (ReadOptions ro = new ReadOptions();
                Slice upper = to == null ? null : new Slice(to)) {
            if (upper != null) ro.setIterateUpperBound(upper);
            try (RocksIterator it = db.newIterator(handle(cf), ro)) {
                if (reverse) {
                    if (to == null) it.seekToLast();
                    else it.seekForPrev(to);
                    // seekForPrev lands on a key <= to; the bound is exclusive
                    while (it.isValid() && to != null && java.util.Arrays.compareUnsigned(it.key(), to) >= 0) it.prev();
                    for (; it.isValid(); it.prev()) {
                        byte[] k = it.key();
                        if (java.util.Arrays.compareUnsigned(k, from) < 0) break;
                        if (!visitor.visit(k, it.value())) return;
                    }
                } else {
                    for (it.seek(from); it.isValid(); it.next()) {
                        if (!visitor.visit(it.key(), it.value())) return;
                    }
                }
                it.status();
            }
        } catch (RocksDBException e) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "store scan failed: " + e.getMessage(), e);
        } finally {
            life.readLock().unlock();
        }
    }

    @Override
    public <T> CompletableFuture<T> submit(Repository repository, Op<T> op) {
        return queue.submit(repository, op, () -> closing, () -> committer.isAlive());
    }

    private void commitLoop() {
        List<Pending<?>> batch = new ArrayList<>();
        int lastBatch = 1;
        while (true) {
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
            queue.drainTo(batch);
            queue.linger(batch, lastBatch);
            lastBatch = batch.size();
            commit(batch);
            batch.clear();
        }
    }

    private void commit(List<Pending<?>> batch) {
        Map<BufferedTx.Key, Object> overlay = new HashMap<>();
        BufferedTx.Below below = (cf, key) -> {
            Object v = overlay.get(BufferedTx.Key.of(cf, key));
            return v != null ? v : get(cf, key);
        };
        Object[] results = new Object[batch.size()];
        Throwable[] errors = new Throwable[batch.size()];
        long[] bytes = new long[batch.size()];
        int ok = 0;
        try (WriteBatch wb = new WriteBatch()) {
            for (int i = 0; i < batch.size(); i++) {
                BufferedTx tx = new BufferedTx(below, this);
                try {
                    results[i] = batch.get(i).op().apply(tx);
                    List<BufferedTx.Write> writes = tx.writes();
                    ColumnFamilyHandle[] hs = new ColumnFamilyHandle[writes.size()];
                    for (int w = 0; w < hs.length; w++) hs[w] = handle(writes.get(w).cf());
                    for (int j = 0; j < hs.length; j++) {
                        BufferedTx.Write w = writes.get(j);
                        if (w.value() == null) wb.delete(hs[j], w.key());
                        else wb.put(hs[j], w.key(), w.value());
                        overlay.put(BufferedTx.Key.of(w.cf(), w.key()), w.value() == null ? BufferedTx.DELETED : w.value());
                    }
                    bytes[i] = tx.bytesWritten();
                    ok++;
                } catch (RuntimeException e) {
                    errors[i] = e;
                }
            }
            long syncStart = System.nanoTime();
            if (wb.count() > 0) db.write(syncWrite, wb);
            metrics.onBatch(ok, System.nanoTime() - syncStart);
        } catch (RocksDBException | RuntimeException e) {
            LOG.error("group commit of {} operations failed", batch.size(), e);
            ParleyException failure = new ParleyException(ParleyException.Kind.UNAVAILABLE,
                    "store write failed: " + e.getMessage(), e);
            for (int i = 0; i < batch.size(); i++) {
                if (errors[i] == null) errors[i] = failure;
            }
        }
        long end = System.nanoTime();
        for (int i = 0; i < batch.size(); i++) {
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

    @Override
    public boolean onCompletionThread() {
        return Thread.currentThread() == committer;
    }

    @Override
    public boolean hasCf(Cf cf) {
        synchronized (handles) {
            return handles.containsKey(cf);
        }
    }

    @Override
    public void createCf(Cf cf) {
        synchronized (handles) {
            if (handles.containsKey(cf)) return;
            try {
                handles.put(cf, db.createColumnFamily(new ColumnFamilyDescriptor(
                        cf.cfName().getBytes(java.nio.charset.StandardCharsets.UTF_8), cfOptions)));
            } catch (RocksDBException e) {
                throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "cannot create column family "
                        + cf.cfName() + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public long approximateBytes(Cf cf) {
        lockOpen();
        try {
            ColumnFamilyHandle h = handle(cf);
            long sst = db.getLongProperty(h, "rocksdb.total-sst-files-size");
            long mem = db.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
            return sst + mem;
        } catch (RocksDBException e) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "store property read failed", e);
        } finally {
            life.readLock().unlock();
        }
    }

    /** Flushes memtables to SST files (tests use this to inspect what reaches disk). */
    public void flush() {
        lockOpen();
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            synchronized (handles) {
                db.flush(fo, new ArrayList<>(handles.values()));
            }
        } catch (RocksDBException e) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "store flush failed", e);
        } finally {
            life.readLock().unlock();
        }
    }

    @Override
    public synchronized void close() {
        if (closing) return;
        closing = true;
        try {
            committer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // anything enqueued after the committer left
        for (Pending<?> p; (p = queue.poll()) != null; ) {
            p.future().completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "store is closed"));
        }
        try {
            flush();
        } catch (ParleyException e) {
            LOG.warn("flush on close failed for {}", dir, e);
        }
        life.writeLock().lock();
        try {
            closed = true;
            closeHandles();
        } finally {
            life.writeLock().unlock();
        }
    }

    private void closeHandles() {
        synchronized (handles) {
            handles.values().forEach(ColumnFamilyHandle::close);
            handles.clear();
        }
        foreignHandles.forEach(ColumnFamilyHandle::close);
        try {
            db.closeE();
        } catch (RocksDBException e) {
            LOG.warn("closing {} failed", dir, e);
        }
        close0();
    }

    private void close0() {
        if (syncWrite != null) syncWrite.close();
        if (cfOptions != null) cfOptions.close();
        if (dbOptions != null) dbOptions.close();
        bloom.close();
    }

    Path dir() {
        return dir;
    }
}
