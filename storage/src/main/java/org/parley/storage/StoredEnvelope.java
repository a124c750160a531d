package org.parley.storage;

import java.util.Objects;
import org.parley.core.Bytes;

/** An envelope held by this node as an inbox relay; {@code seq} orders envelopes of one inbox. */
public record StoredEnvelope(Bytes inboxId, long seq, Bytes envelope, long storedAtMillis, long expiresAtMillis) {
    public StoredEnvelope {
        Objects.requireNonNull(inboxId, "inboxId");
        Objects.requireNonNull(envelope, "envelope");
    }
}
