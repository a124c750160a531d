package org.parley.verticles.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/** SIGTERM and SIGINT run a clean shutdown once, then the process exits 0. */
final class Signals {
    private Signals() {}

    static void onTermination(Runnable action) {
        AtomicBoolean once = new AtomicBoolean();
        for (String name : new String[]{"TERM", "INT"}) {
            Signal.handle(new Signal(name), sig -> {
                if (once.compareAndSet(false, true)) {
                    Thread t = new Thread(action, "parley-shutdown");
                    t.start();
                }
            });
        }
    }
}
