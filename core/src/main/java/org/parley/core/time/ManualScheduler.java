package org.parley.core.time;

import java.util.PriorityQueue;

/**
 * A deterministic scheduler on a {@link ManualClock}: tasks run only inside {@link #advance},
 * in time order (FIFO for equal times), on the calling thread. Timeouts in tests become instant.
 */
public final class ManualScheduler implements Scheduler {
    private final ManualClock clock;
    private final PriorityQueue<Entry> queue = new PriorityQueue<>();
    private long seq;

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    public ManualClock clock() {
        return clock;
    }

    @Override
    public synchronized Cancellable schedule(long delayMillis, Runnable task) {
        Entry e = new Entry(clock.nowMillis() + Math.max(0, delayMillis), seq++, task);
        queue.add(e);
        return () -> {
            synchronized (ManualScheduler.this) {
                return queue.remove(e);
            }
        };
    }

    /** Moves the clock forward by {@code millis}, running every task that falls due on the way. */
    public void advance(long millis) {
        long until = clock.nowMillis() + millis;
        while (true) {
            Entry next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.at > until) break;
                queue.poll();
            }
            if (next.at > clock.nowMillis()) clock.set(next.at);
            next.task.run();
        }
        if (clock.nowMillis() < until) clock.set(until);
    }

    /** Runs the tasks that are due now, without moving the clock. */
    public void runDue() {
        advance(0);
    }

    public synchronized int pending() {
        return queue.size();
    }

    private record Entry(long at, long seq, Runnable task) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }
}
