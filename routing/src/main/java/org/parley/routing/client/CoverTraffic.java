package org.parley.routing.client;

import org.parley.core.time.Scheduler;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.CircuitBuilder;
import org.parley.routing.circuit.CircuitListener;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.HopSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Opt-in cover traffic for a user node: cell slots arrive at Poisson-distributed times, on
 * average {@code cellsPerMinute}; a slot is filled by a real cell the node sent since the last
 * slot if there is one (real traffic replaces cover, so the budget is not spent twice), otherwise
 * by a {@link RelayMessage.Drop} with the echo flag sent to the last hop of a dedicated cover
 * circuit, which answers with one dummy cell. An observer of the guard link then sees about the
 * same number of cells per minute in each direction whether the user is sending or idle, as long
 * as real traffic stays within the budget (one round trip ≈ one small envelope and its STORED).
 *
 * <p>Cost: {@code cellsPerMinute × 1,440 × 514 bytes} each way per day at most (60/min ≈ 44 MB a
 * day each way), less what real traffic fills. Single-threaded (the routing context).
 */
public final class CoverTraffic {
    private static final Logger LOG = LoggerFactory.getLogger(CoverTraffic.class);
    /** Real cells carried over to later slots at most (a burst does not silence cover for long). */
    static final int MAX_CREDIT = 64;

    private final CircuitBuilder builder;
    private final Scheduler scheduler;
    private final Random random;
    private final double cellsPerMinute;
    private final Supplier<List<HopSpec>> paths;
    private final LongSupplier cellsSent;
    private ClientCircuit circuit;
    private boolean building;
    private Scheduler.Cancellable next;
    private boolean running;
    private long lastSeen;
    private long credit;
    private long dummies;

    /**
     * @param paths     a fresh path for the cover circuit (guard first, like every circuit of this node)
     * @param cellsSent cells this node has written to its links so far (real traffic, counted to fill slots)
     */
    public CoverTraffic(CircuitBuilder builder, Scheduler scheduler, Random random, double cellsPerMinute,
                        Supplier<List<HopSpec>> paths, LongSupplier cellsSent) {
        if (!(cellsPerMinute > 0) || cellsPerMinute > 60_000) throw new IllegalArgumentException("cellsPerMinute must be in (0, 60000]");
        this.builder = builder;
        this.scheduler = scheduler;
        this.random = random;
        this.cellsPerMinute = cellsPerMinute;
        this.paths = paths;
        this.cellsSent = cellsSent;
    }

    public void start() {
        if (running) return;
        running = true;
        lastSeen = cellsSent.getAsLong();
        schedule();
    }

    public void stop() {
        running = false;
        if (next != null) next.cancel();
        next = null;
        if (circuit != null) circuit.close();
        circuit = null;
    }

    /** Dummy cells sent so far. */
    public long dummiesSent() {
        return dummies;
    }

    private void schedule() {
        double u = random.nextDouble();
        long wait = Math.max(1, Math.round(-Math.log(1 - u) * 60_000 / cellsPerMinute));
        next = scheduler.schedule(wait, this::slot);
    }

    private void slot() {
        if (!running) return;
        long now = cellsSent.getAsLong();
        credit = Math.min(MAX_CREDIT, credit + (now - lastSeen));
        if (credit > 0) {
            credit--;
        } else if (circuit != null && circuit.isOpen()) {
            try {
                circuit.sendToLast(new RelayMessage.Drop(true));
                dummies++;
            } catch (RuntimeException e) {
                LOG.debug("cover cell not sent: {}", e.getMessage());
            }
        } else {
            build(); // its cells fill this slot
        }
        lastSeen = cellsSent.getAsLong();
        schedule();
    }

    private void build() {
        if (building) return;
        List<HopSpec> path;
        try {
            path = paths.get();
        } catch (RuntimeException e) {
            LOG.debug("no path for the cover circuit: {}", e.getMessage());
            return;
        }
        building = true;
        java.util.concurrent.CompletionStage<ClientCircuit> stage;
        try {
            stage = builder.build(path, new CircuitListener() {
            @Override
            public void onMessage(int hop, RelayMessage message) {
                // the echoes are discarded by the circuit itself; nothing else is expected here
            }

            @Override
            public void onClosed(DestroyReason reason) {
                circuit = null;
            }
            });
        } catch (IllegalArgumentException e) {
            building = false;
            LOG.debug("unusable path for the cover circuit: {}", e.getMessage());
            return;
        }
        stage.whenComplete((c, e) -> {
            building = false;
            if (e == null) {
                if (running) circuit = c;
                else c.close();
            }
        });
    }
}
