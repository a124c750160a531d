package org.parley.delivery.service;

import org.parley.core.Bytes;

import java.util.Objects;

/**
 * A contact as stored. {@code theirInbox} and {@code ourSide} are opaque to the store
 * (encoded by {@link ServiceCodec}): where we send to, and our inbox for them plus our counters.
 * The shape matches the storage module's {@code Contact} (sendInbox, ourInbox).
 */
public record ContactRecord(String contactId, String name, Bytes identityKey, Bytes theirInbox, Bytes ourSide,
                            long addedAtMillis) {
    public ContactRecord {
        Objects.requireNonNull(contactId, "contactId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(identityKey, "identityKey");
        Objects.requireNonNull(theirInbox, "theirInbox");
        Objects.requireNonNull(ourSide, "ourSide");
    }
}
