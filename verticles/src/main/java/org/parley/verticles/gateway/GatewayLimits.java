package org.parley.verticles.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Counts the gateway's resource-limit hits: {@code parley_gateway_limit_hits_total{limit}}, every
 * limit registered at 0 — {@code body-size} (413, {@code gateway.max-body-bytes}), {@code rate}
 * (429, {@code gateway.rate-limit}/{@code rate-burst}), {@code request-timeout} (a connection
 * closed by {@code gateway.request-timeout-ms}). Thread-safe.
 */
public final class GatewayLimits {
    public static final String BODY_SIZE = "body-size";
    public static final String RATE = "rate";
    public static final String REQUEST_TIMEOUT = "request-timeout";
    public static final List<String> LIMITS = List.of(BODY_SIZE, RATE, REQUEST_TIMEOUT);

    private final Map<String, Counter> counters;

    public GatewayLimits(MeterRegistry registry) {
        this.counters = LIMITS.stream().collect(Collectors.toUnmodifiableMap(Function.identity(),
                l -> Counter.builder("parley.gateway.limit.hits").tag("limit", l)
                        .description("requests or connections the gateway refused or closed at a resource limit")
                        .register(registry)));
    }

    public void hit(String limit) {
        Counter c = counters.get(limit);
        if (c == null) throw new IllegalArgumentException("no gateway limit " + limit);
        c.increment();
    }
}
