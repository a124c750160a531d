package org.parley.storage;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.core.Bytes;

/** Small named values: guard lists, last-known peers, settings. */
public interface MetaRepository {
    CompletableFuture<Void> put(String key, Bytes value);

    Optional<Bytes> get(String key);

    CompletableFuture<Boolean> delete(String key);
}
