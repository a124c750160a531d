package org.parley.routing.crypto;

import org.parley.core.Bytes;
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
 * lazily on the next call after a key's lifetime. With a {@link Store} the keys outlive a restart,
 * as Tor's {@code secret_onion_key_ntor} does: clients holding the relay's descriptor can build
 * through it again at once, instead of failing their handshakes until the new descriptor has spread.
 * Thread-safe.
 */
public final class OnionKeyRing {
    /** What a restart needs: the current key and since when, the previous key (empty when none) and until when. */
    public record Saved(Bytes current, long currentSince, Bytes previous, long previousUntil, long rotations) {
    }

    /** Where the keys live between runs (the relay's data directory). */
    public interface Store {
        java.util.Optional<Saved> load();

        void save(Saved keys);
    }

    private final Store store;
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
        this(clock, random, lifetimeMillis, overlapMillis, null);
    }

    /** Keys from {@code store} when it has them (rotated at once if they are past their lifetime), else new ones, saved. */
    public OnionKeyRing(Clock clock, SecureRandom random, long lifetimeMillis, long overlapMillis, Store store) {
        if (lifetimeMillis <= 0 || overlapMillis < 0) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "onion key lifetime must be positive and overlap not negative");
        }
        this.clock = clock;
        this.random = random;
        this.lifetimeMillis = lifetimeMillis;
        this.overlapMillis = overlapMillis;
        this.store = store;
        java.util.Optional<Saved> saved = store == null ? java.util.Optional.empty() : store.load();
        long now = clock.nowMillis();
        if (saved.isPresent() && saved.get().current().length() == 32 && saved.get().currentSince() <= now) {
            Saved k = saved.get();
            this.current = OnionKeyPair.fromPrivate(k.current());
            this.currentSince = k.currentSince();
            if (k.previous().length() == 32 && now < k.previousUntil()) {
                this.previous = OnionKeyPair.fromPrivate(k.previous());
                this.previousUntil = k.previousUntil();
            }
            this.rotations = k.rotations();
            tick();
        } else {
            this.current = OnionKeyPair.generate(random);
            this.currentSince = now;
        }
        save();
    }

    private void save() {
        if (store == null) return;
        store.save(new Saved(current.privateKeyForStorage(), currentSince,
                previous == null ? Bytes.EMPTY : previous.privateKeyForStorage(), previous == null ? 0 : previousUntil, rotations));
    }

    private void tick() {
        long now = clock.nowMillis();
        boolean changed = false;
        if (now - currentSince >= lifetimeMillis) {
            changed = true;
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
            changed = true;
        }
        if (changed) save();
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
