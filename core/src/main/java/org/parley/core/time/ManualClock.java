package org.parley.core.time;

import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to. */
public final class ManualClock implements Clock {
    private final AtomicLong now;

    public ManualClock(long startMillis) {
        this.now = new AtomicLong(startMillis);
    }

    @Override
    public long nowMillis() {
        return now.get();
    }

    public void set(long millis) {
        now.set(millis);
    }

    public void advance(long millis) {
        now.addAndGet(millis);
    }
}
