package org.parley.discovery.metrics;

import java.util.function.IntSupplier;

/**
 * Hooks the discovery logic calls; the verticle binds them to Micrometer. Names below are the
 * Micrometer names (dots); Prometheus renders them with underscores, e.g.
 * {@code parley_discovery_relays_known}. All methods are called on the owning event loop and
 * must not block.
 */
public interface DiscoveryMetrics {
    /** Gauge: relay descriptors in the local directory. */
    String RELAYS_KNOWN = "parley.discovery.relays.known";
    /** Gauge: contacts in the routing table. */
    String ROUTING_TABLE_SIZE = "parley.discovery.routing.table.size";
    /** Counter, tag {@code result} = found | not_found | failed (see {@link LookupResult}). */
    String LOOKUPS_TOTAL = "parley.discovery.lookups";
    /** Timer (histogram) of lookup durations, seconds. */
    String LOOKUP_SECONDS = "parley.discovery.lookup";
    /** Counter, tag {@code type} = the message type (ping, find_node, ...) or "unrecognized", tag {@code direction} = in | out. */
    String RPCS_TOTAL = "parley.discovery.rpcs";
    /** Counter, tag {@code reason}: malformed, spoofed, rate_limited, invalid_record, timeout. */
    String DROPPED_TOTAL = "parley.discovery.dropped";
    /**
     * Counter, tag {@code reason}: per_peer (the sending peer holds its limit of records here),
     * per_subnet (the peers of its /24 or /48 do), full (the store or the key is full). Prometheus:
     * {@code parley_dht_store_refused_total{reason}}.
     */
    String STORE_REFUSED_TOTAL = "parley.dht.store.refused";
    /**
     * Counter: DHT messages whose header claimed an address other than the IP their link is
     * connected to (loopback addresses count as one); the observed IP is used instead. Prometheus:
     * {@code parley_discovery_address_mismatch_total}.
     */
    String ADDRESS_MISMATCH_TOTAL = "parley.discovery.address.mismatch";

    /** Outcome tag of a lookup. */
    enum LookupResult {
        /** FIND_VALUE found a valid record, or FIND_NODE got replies. */
        FOUND,
        /** Converged without the value. */
        NOT_FOUND,
        /** Nobody answered (no contacts, all timed out). */
        FAILED;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    default void bindRoutingTableSize(IntSupplier size) {
    }

    default void bindRelaysKnown(IntSupplier count) {
    }

    default void lookupCompleted(LookupResult result, long durationMillis) {
    }

    /** {@code type} is a message type tag or "unrecognized"; {@code inbound} tells the direction. */
    default void rpc(String type, boolean inbound) {
    }

    default void dropped(String reason) {
    }

    /** A STORE was not kept; {@code reason} per_peer, per_subnet or full (see {@link #STORE_REFUSED_TOTAL}). */
    default void storeRefused(String reason) {
    }

    /** A header's claimed address did not match the link's IP (see {@link #ADDRESS_MISMATCH_TOTAL}). */
    default void addressMismatch() {
    }

    DiscoveryMetrics NOOP = new DiscoveryMetrics() {
    };
}
