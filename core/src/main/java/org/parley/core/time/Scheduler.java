package org.parley.core.time;

/**
 * Runs a task later. Domain code schedules through this; verticles back it with Vert.x timers
 * (tasks then run on the owning event loop), tests with {@link ManualScheduler}.
 */
public interface Scheduler {
    /** A scheduled task that may still be cancelled. */
    interface Cancellable {
        /** @return true if the task had not run yet and now never will. */
        boolean cancel();
    }

    Cancellable schedule(long delayMillis, Runnable task);
}
