package org.parley.storage;

import org.parley.storage.rocksdb.RocksDbStore;

/** The contract on RocksDB, encrypted (the default way a node runs). */
class RocksDbStoreTest extends StoreContractTest {
    @Override
    protected KeySource keySource() {
        return KeySource.passphrase("correct horse".toCharArray(), new Argon2Params(256, 1, 1));
    }

    @Override
    protected boolean durable() {
        return true;
    }

    @Override
    protected Store open(StoreOptions options) {
        return RocksDbStore.open(options);
    }
}
