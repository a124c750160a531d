package org.parley.storage;

import org.parley.storage.memory.InMemoryStore;

/** The contract with encryption at rest switched on, to check sealing and opening of every value type. */
class EncryptedInMemoryStoreTest extends StoreContractTest {
    @Override
    protected KeySource keySource() {
        return KeySource.passphrase("correct horse".toCharArray(), new Argon2Params(64, 1, 1));
    }

    @Override
    protected Store open(StoreOptions options) {
        return InMemoryStore.open(options);
    }
}
