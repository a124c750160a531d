package org.parley.routing.crypto;

import org.parley.core.ParleyException;
import org.parley.core.time.Clock;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * A relay's onion keys over time: a new key every {@code lifetimeMillis}; the one it replaces is
 * still accepted for {@code overlapMillis} more (clients that fetched the old descriptor can
 * still build circuits), then wiped. {@link #keys()} is what {@link org.parley.routing.circuit.CircuitRelay}
 * tries in a CREATE2 (current first); {@link #current()} is what the relay publishes, with
 * {@link #publishUntilMillis()} as the expiry of that descriptor's onion key. Rotation happens
 * lazily on the next call after a key's lifetime. Thread-safe.
 */
public final class OnionKeyRing {
    private final Clock clock;
    private final SecureRandom random;
    private final long lifetimeMillis;
    private final long overlapMillis;
    private OnionKeyPair current;
    private long currentSince;
    private OnionKeyPair previous;
    private long previousUntil;
    private long rotations;

    public OnionKeyRing(Clock clock, SecureRandom random, long lifetimeMillis, long overlapMillis) {
        if (lifetimeMillis <= 0 || overlapMillis < 0) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "onion key lifetime must be positive and overlap not negative");
        }
        this.clock = clock;
        this.random = random;
        this.lifetimeMillis = lifetimeMillis;
        this.overlapMillis = overlapMillis;
        this.current = OnionKeyPair.generate(random);
        this.currentSince = clock.nowMillis();
    }

    private void tick() {
        long now = clock.nowMillis();
        if (now - currentSince >= lifetimeMillis) {
            if (previous != null) previous.destroy();
            previous = current;
            // a key stays usable for its lifetime plus the overlap, counted from when it became current
            previousUntil = currentSince + lifetimeMillis + overlapMillis;
            current = OnionKeyPair.generate(random);
            currentSince = now;
            rotations++;
        }
        if (previous != null && now >= previousUntil) {
            previous.destroy();
            previous = null;
        }
    }

    /** The key to publish now. */
    public synchronized OnionKeyPair current() {
        tick();
        return current;
    }

    /** Every key a CREATE2 may use now: the current one, then the previous one during its overlap. */
    public synchronized List<OnionKeyPair> keys() {
        tick();
        List<OnionKeyPair> out = new ArrayList<>(2);
        out.add(current);
        if (previous != null) out.add(previous);
        return out;
    }

    /** When the current key stops being accepted (if no call rotates earlier): publish descriptors no longer than this. */
    public synchronized long publishUntilMillis() {
        tick();
        return currentSince + lifetimeMillis + overlapMillis;
    }

    public synchronized long rotations() {
        tick();
        return rotations;
    }
}
