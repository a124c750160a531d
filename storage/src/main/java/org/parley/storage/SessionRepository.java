package org.parley.storage;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.core.Bytes;

/** End-to-end session state (ratchets), opaque bytes by session id. */
public interface SessionRepository {
    /** Inserts or replaces. */
    CompletableFuture<Void> put(StoredSession session);

    Optional<StoredSession> get(Bytes sessionId);

    CompletableFuture<Boolean> delete(Bytes sessionId);
}
