package org.parley.storage.rocksdb;

import org.parley.storage.Store;
import org.parley.storage.StoreOptions;
import org.parley.storage.internal.KvStore;

/** The embedded default: RocksDB in {@code <dataDir>/db}, encrypted values, group-committed synced writes. */
public final class RocksDbStore {
    private RocksDbStore() {
    }

    /** Opens (creating or migrating) the store; fails with CONFIG on a wrong passphrase or a too-new schema. */
    public static Store open(StoreOptions options) {
        RocksKvEngine engine = RocksKvEngine.open(options.dbDir(), KvStore.CURRENT_SCHEMA, options.metrics(),
                options.maxBatchOps());
        return KvStore.open(engine, options, options.dbDir().toString());
    }
}
