package org.parley.routing.circuit;

import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Builds client circuits of 1..4 hops over a node's {@link CircuitSwitch}. The returned stage
 * completes when every hop answered, or fails (kind UNAVAILABLE) on DESTROY, link loss, a bad
 * reply or the build timeout of {@link RoutingConfig#buildTimeoutMillis()}.
 */
public final class CircuitBuilder {
    public static final int MAX_HOPS = 4;

    private final CircuitSwitch sw;
    private final RoutingConfig config;
    private final Clock clock;
    private final Scheduler scheduler;
    private final SecureRandom random;
    private FirstHopObserver observer = (id, reachable) -> { };

    /** Told whether each circuit's first hop could be connected to (guard reachability, for path selection). */
    @FunctionalInterface
    public interface FirstHopObserver {
        void firstHop(org.parley.core.identity.NodeId id, boolean reachable);
    }

    public void setFirstHopObserver(FirstHopObserver observer) {
        this.observer = observer;
    }

    public CircuitBuilder(CircuitSwitch sw, RoutingConfig config, Clock clock, Scheduler scheduler, SecureRandom random) {
        this.sw = sw;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.random = random;
    }

    public CompletionStage<ClientCircuit> build(List<HopSpec> path, CircuitListener listener) {
        if (path.isEmpty() || path.size() > MAX_HOPS) {
            throw new IllegalArgumentException("a circuit has 1.." + MAX_HOPS + " hops, not " + path.size());
        }
        if (new HashSet<>(path.stream().map(HopSpec::id).toList()).size() != path.size()) {
            throw new IllegalArgumentException("a node may appear only once in a path");
        }
        for (HopSpec h : path) {
            // an unknown relay's key arrives as empty: refuse here, not in the middle of the telescoping build
            if (h.onionKey() == null || h.onionKey().length() != 32) {
                throw new IllegalArgumentException("no usable onion key for relay " + h.id().shortHex());
            }
        }
        return new ClientCircuit(sw, config, clock, scheduler, random, path, listener, observer).start();
    }
}
