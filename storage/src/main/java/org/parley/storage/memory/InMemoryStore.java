package org.parley.storage.memory;

import org.parley.storage.Store;
import org.parley.storage.StoreOptions;
import org.parley.storage.internal.KvStore;

/**
 * A store held in memory only: for tests and for light nodes that keep nothing. Same
 * repositories and encryption as the RocksDB store; nothing survives {@link Store#close()}.
 */
public final class InMemoryStore {
    private InMemoryStore() {
    }

    public static Store open(StoreOptions options) {
        return KvStore.open(new MemoryKvEngine(options.metrics()), options, "memory");
    }
}
