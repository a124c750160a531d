package org.parley.verticles.discovery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.parley.discovery.metrics.DiscoveryMetrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Discovery's metric hooks on Micrometer. Prometheus names: {@code parley_discovery_relays_known},
 * {@code parley_discovery_routing_table_size}, {@code parley_discovery_lookups_total{result}},
 * {@code parley_discovery_lookup_seconds} (histogram), {@code parley_discovery_rpcs_total{type,direction}},
 * {@code parley_discovery_dropped_total{reason}}, {@code parley_dht_store_refused_total{reason}},
 * {@code parley_discovery_address_mismatch_total}.
 *
 * <p>The two gauges read snapshots: the directory and routing table are confined to the DHT's
 * event loop, so {@link #sample()} (called there, periodically) copies their sizes for scrapers
 * on other threads.
 */
public final class MicrometerDiscoveryMetrics implements DiscoveryMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger relaysKnown = new AtomicInteger();
    private final AtomicInteger tableSize = new AtomicInteger();
    private final Timer lookupTimer;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
    private volatile IntSupplier relaysSource = () -> 0;
    private volatile IntSupplier tableSource = () -> 0;

    public MicrometerDiscoveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder(RELAYS_KNOWN, relaysKnown, AtomicInteger::get)
                .description("valid, unexpired relay descriptors in this node's directory").register(registry);
        Gauge.builder(ROUTING_TABLE_SIZE, tableSize, AtomicInteger::get)
                .description("contacts in the DHT routing table").register(registry);
        lookupTimer = Timer.builder(LOOKUP_SECONDS).description("DHT lookup durations")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    @Override
    public void bindRoutingTableSize(IntSupplier size) {
        tableSource = size;
        tableSize.set(size.getAsInt());
    }

    @Override
    public void bindRelaysKnown(IntSupplier count) {
        relaysSource = count;
        relaysKnown.set(count.getAsInt());
    }

    /** Copies the gauge sources; call on the DHT's event loop. */
    public void sample() {
        relaysKnown.set(relaysSource.getAsInt());
        tableSize.set(tableSource.getAsInt());
    }

    @Override
    public void lookupCompleted(LookupResult result, long durationMillis) {
        counter(LOOKUPS_TOTAL, "result", result.tag(), null, null, "DHT lookups by outcome").increment();
        lookupTimer.record(Math.max(0, durationMillis), TimeUnit.MILLISECONDS);
        sample();
    }

    @Override
    public void rpc(String type, boolean inbound) {
        counter(RPCS_TOTAL, "type", type, "direction", inbound ? "in" : "out", "DHT messages by type and direction").increment();
    }

    @Override
    public void dropped(String reason) {
        // by reason without building a key: a flooding peer's requests each land here (rate_limited)
        dropped.computeIfAbsent(reason, r -> counter(DROPPED_TOTAL, "reason", r, null, null,
                "DHT messages or records dropped, by reason")).increment();
    }

    @Override
    public void storeRefused(String reason) {
        counter(STORE_REFUSED_TOTAL, "reason", reason, null, null,
                "DHT STOREs not kept: per_peer / per_subnet (the sender or its /24 holds its limit of records here), full").increment();
    }

    @Override
    public void addressMismatch() {
        counters.computeIfAbsent(ADDRESS_MISMATCH_TOTAL, x -> Counter.builder(ADDRESS_MISMATCH_TOTAL)
                .description("DHT messages whose header claimed an address other than their link's IP (the link's IP is used)")
                .register(registry)).increment();
    }

    private Counter counter(String name, String k1, String v1, String k2, String v2, String description) {
        String key = name + '|' + v1 + '|' + v2;
        return counters.computeIfAbsent(key, x -> {
            Counter.Builder b = Counter.builder(name).description(description).tag(k1, v1);
            if (k2 != null) b.tag(k2, v2);
            return b.register(registry);
        });
    }
}
