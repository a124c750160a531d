package org.parley.verticles.storage;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import org.parley.storage.Store;
import org.parley.storage.StoreOptions;
import org.parley.storage.internal.KvStore;

/**
 * The clustered store: the same {@link Store} (repositories, encryption at rest, conditional
 * writes, expiry index) over {@link HazelcastKvEngine}, for a node whose verticles run on several
 * members. Every member that opens a store of the same name sees the same data; a write future
 * completes once the write and its synchronous backup(s) are acknowledged, so an acknowledged
 * write survives the loss of any {@code backupCount} members. Data lives in cluster memory only:
 * it does not survive the loss of the whole cluster.
 *
 * <p>All members must open it with the same key source (same passphrase or same key file
 * contents); {@link StoreOptions#dataDir()} is not used.
 */
public final class HazelcastStore {
    /** Store name used by {@link #open(HazelcastInstance, StoreOptions)}. */
    public static final String DEFAULT_NAME = "node";
    /** Synchronous backups per entry used by {@link #open(HazelcastInstance, StoreOptions)}. */
    public static final int DEFAULT_BACKUPS = 1;
    static final String FAIL_ON_INDETERMINATE = "hazelcast.operation.fail.on.indeterminate.state";

    private HazelcastStore() {
    }

    /** Opens (creating or migrating) the node's clustered store with one synchronous backup. */
    public static Store open(HazelcastInstance hz, StoreOptions options) {
        return open(hz, options, DEFAULT_NAME, DEFAULT_BACKUPS);
    }

    /**
     * Opens store {@code name} ([A-Za-z0-9_-], maps {@code parley.store.<name>.*}) with
     * {@code backupCount} (1..6) synchronous backups. Fails with CONFIG on a wrong key source or
     * a too-new schema, UNAVAILABLE if the cluster does not answer.
     */
    public static Store open(HazelcastInstance hz, StoreOptions options, String name, int backupCount) {
        return open(HazelcastKvEngine.open(hz, name, backupCount, options.metrics(), options.maxBatchOps()), options);
    }

    /** A store over an engine the caller opened (tests reach the engine's counters and test seam). */
    static Store open(HazelcastKvEngine engine, StoreOptions options) {
        try {
            return engine.whileOpening(() -> KvStore.open(engine, options, "hazelcast:" + engine.name()));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /**
     * Member settings the clustered store wants, to apply to a Hazelcast {@link Config} before the
     * member starts: an operation whose backup is not acknowledged within the backup timeout
     * fails (IndeterminateOperationStateException, so the write fails UNAVAILABLE) instead of
     * being reported as done.
     */
    public static Config configure(Config config) {
        config.setProperty(FAIL_ON_INDETERMINATE, "true");
        return config;
    }
}
