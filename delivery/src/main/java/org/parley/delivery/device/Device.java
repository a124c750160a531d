package org.parley.delivery.device;

import org.parley.core.ParleyException;
import org.parley.delivery.identity.IdentityKey;

import java.util.Objects;

/**
 * One device of an account as its primary signed it: the device's own identity key (each device
 * has its own keys and sessions), a name the user chose ("Laptop"), when it was added and, once
 * unlinked, when it was removed ({@code removedAtMillis} = 0 while active). A removed device
 * stays in the list for good, so that an older list naming it active cannot be replayed.
 */
public record Device(IdentityKey key, String name, long addedAtMillis, long removedAtMillis) {
    public static final int MAX_NAME = 64;

    public Device {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(name, "name");
    }

    public boolean active() {
        return removedAtMillis == 0;
    }

    public Device removedAt(long millis) {
        if (!active()) throw ParleyException.protocol("device already removed");
        return new Device(key, name, addedAtMillis, Math.max(1, millis));
    }
}
