package org.parley.storage;

import org.parley.storage.memory.InMemoryStore;

class InMemoryStoreTest extends StoreContractTest {
    @Override
    protected Store open(StoreOptions options) {
        return InMemoryStore.open(options);
    }
}
