package org.parley.routing.inbox;

import org.parley.core.Bytes;

/** One envelope waiting in an inbox. */
public record StoredEnvelope(Bytes messageId, Bytes envelope, long storedAtMillis, long expiresAtMillis) {
    public boolean expired(long nowMillis) {
        return nowMillis >= expiresAtMillis;
    }
}
