package org.parley.storage;

import java.util.Objects;
import org.parley.core.Bytes;

/** An end-to-end session: the ratchet state is opaque to the store (and encrypted at rest). */
public record StoredSession(Bytes sessionId, Bytes state, long updatedAtMillis) {
    public StoredSession {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(state, "state");
    }
}
