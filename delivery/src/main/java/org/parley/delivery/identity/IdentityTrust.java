package org.parley.delivery.identity;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which identity key each contact has, trust on first use: the first key seen for a contact is
 * remembered; a different key later is reported as {@link Decision#CHANGED} and is not taken until
 * {@link #approve} (the user saw the warning, and ideally compared safety numbers). A change
 * clears the contact's "verified" mark. In memory; the storage layer persists {@link #snapshot()}.
 * Not thread-safe.
 */
public final class IdentityTrust {
    /** What {@link #check} found. */
    public enum Decision { FIRST_USE, SAME, CHANGED }

    /** A remembered key and whether the user verified its safety number. */
    public record Entry(IdentityKey key, boolean verified) {
    }

    private final Map<String, Entry> contacts = new HashMap<>();

    /** Checks {@code key} for {@code contactId}; remembers it on first use. */
    public Decision check(String contactId, IdentityKey key) {
        Entry e = contacts.get(contactId);
        if (e == null) {
            contacts.put(contactId, new Entry(key, false));
            return Decision.FIRST_USE;
        }
        return e.key().equals(key) ? Decision.SAME : Decision.CHANGED;
    }

    /** Takes {@code key} as the contact's key from now on (after a CHANGED warning); unverified. */
    public void approve(String contactId, IdentityKey key) {
        Entry e = contacts.get(contactId);
        boolean keepVerified = e != null && e.key().equals(key) && e.verified();
        contacts.put(contactId, new Entry(key, keepVerified));
    }

    /** Marks the contact verified if {@code key} is still its key (the user compared safety numbers). */
    public boolean markVerified(String contactId, IdentityKey key) {
        Entry e = contacts.get(contactId);
        if (e == null || !e.key().equals(key)) return false;
        contacts.put(contactId, new Entry(key, true));
        return true;
    }

    public Optional<Entry> entry(String contactId) {
        return Optional.ofNullable(contacts.get(contactId));
    }

    public Map<String, Entry> snapshot() {
        return Map.copyOf(contacts);
    }

    /** Rebuilds the trust store from a {@link #snapshot()} the storage layer kept. */
    public static IdentityTrust restore(Map<String, Entry> snapshot) {
        IdentityTrust t = new IdentityTrust();
        t.contacts.putAll(snapshot);
        return t;
    }
}
