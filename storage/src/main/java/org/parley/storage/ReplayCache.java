package org.parley.storage;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/** Tags already seen (e.g. handshake or envelope tags), each remembered until its expiry. */
public interface ReplayCache {
    /**
     * Records {@code tag} as seen until {@code expiresAtMillis}. Completes with {@code true} if
     * it was new (or its earlier entry had expired), {@code false} if it is a replay. Atomic:
     * of two concurrent calls with the same tag, exactly one gets {@code true}.
     */
    CompletableFuture<Boolean> markSeenAsync(Bytes tag, long expiresAtMillis);

    /** Blocking form of {@link #markSeenAsync}: returns once the entry is durable. */
    default boolean markSeen(Bytes tag, long expiresAtMillis) {
        try {
            return markSeenAsync(tag, expiresAtMillis).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ParleyException pe) throw pe;
            throw e;
        }
    }

    boolean isSeen(Bytes tag);
}
