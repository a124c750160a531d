package org.parley.verticles.node;

import io.vertx.core.Context;
import org.parley.core.time.Scheduler;

/** The domain {@link Scheduler} on a verticle's context: tasks run on that event loop. */
public final class VertxScheduler implements Scheduler {
    private final Context context;

    public VertxScheduler(Context context) {
        this.context = context;
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        long id = context.owner().setTimer(Math.max(1, delayMillis), t -> context.runOnContext(v -> task.run()));
        return () -> context.owner().cancelTimer(id);
    }
}
