package org.parley.verticles.routing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.cell.DestroyReason;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The routing module's {@link RoutingMetrics} bound to Micrometer. Prometheus names:
 * <ul>
 *   <li>{@code parley_routing_circuits_built_total} — client circuits this node finished building</li>
 *   <li>{@code parley_routing_circuit_build_failures_total} — client circuit builds that failed</li>
 *   <li>{@code parley_routing_circuit_build_seconds} — build time histogram (_bucket/_count/_sum/_max)</li>
 *   <li>{@code parley_routing_cells_relayed_total} — relay cells this node passed one hop on</li>
 *   <li>{@code parley_routing_cells_dropped_total{reason}} — cells dropped, every routing reason
 *       registered up front at 0</li>
 *   <li>{@code parley_routing_inbox_envelopes_stored_total} — a counter of new envelopes the inbox
 *       relay stored durably (duplicates not counted)</li>
 * </ul>
 * Meters are created once, in the constructor; the hook methods only increment.
 */
public final class MicrometerRoutingMetrics implements RoutingMetrics {
    private final MeterRegistry registry;
    private final Counter built;
    private final Counter buildFailures;
    private final Timer buildTime;
    private final Counter relayed;
    private final Counter stored;
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();

    public MicrometerRoutingMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.built = Counter.builder("parley.routing.circuits.built")
                .description("client circuits this node finished building").register(registry);
        this.buildFailures = Counter.builder("parley.routing.circuit.build.failures")
                .description("client circuit builds that failed (timeout, DESTROY, link loss, bad handshake)")
                .register(registry);
        this.buildTime = Timer.builder("parley.routing.circuit.build")
                .description("time to build a client circuit, first CREATE2 to last hop answered")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        this.relayed = Counter.builder("parley.routing.cells.relayed")
                .description("relay cells this node passed one hop on, forward or backward").register(registry);
        this.stored = Counter.builder("parley.routing.inbox.envelopes.stored")
                .description("new envelopes the inbox relay stored durably (duplicates not counted)").register(registry);
        for (String reason : RoutingMetrics.REASONS) dropped(reason);
    }

    private Counter dropped(String reason) {
        return dropped.computeIfAbsent(reason, r -> Counter.builder("parley.routing.cells.dropped")
                .description("cells dropped by this node, by reason").tag("reason", r).register(registry));
    }

    @Override
    public void circuitBuilt(int hops, long buildNanos) {
        built.increment();
        buildTime.record(buildNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void circuitBuildFailed(int hopsDone, DestroyReason reason) {
        buildFailures.increment();
    }

    @Override
    public void cellRelayed() {
        relayed.increment();
    }

    @Override
    public void cellDropped(String reason) {
        dropped(reason).increment();
    }

    @Override
    public void inboxEnvelopeStored() {
        stored.increment();
    }
}
