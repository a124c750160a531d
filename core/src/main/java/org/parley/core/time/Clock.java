package org.parley.core.time;

/** Wall-clock time as domain code sees it; tests pass a {@link ManualClock}. */
@FunctionalInterface
public interface Clock {
    long nowMillis();

    static Clock system() {
        return System::currentTimeMillis;
    }
}
