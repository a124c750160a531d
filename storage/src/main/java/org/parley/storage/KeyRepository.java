package org.parley.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.core.Bytes;

/**
 * The node's own identity and keys as opaque named secrets (e.g. {@link #IDENTITY_SEED}).
 * Values are encrypted at rest under the store's data key; never log them.
 */
public interface KeyRepository {
    /** Name of the Ed25519 identity seed. */
    String IDENTITY_SEED = "identity.ed25519.seed";

    CompletableFuture<Void> put(String name, Bytes secret);

    Optional<Bytes> get(String name);

    CompletableFuture<Boolean> delete(String name);

    /** Names in lexicographic order. */
    List<String> names();
}
