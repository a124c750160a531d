package org.parley.verticles.config;

import org.parley.core.bus.Addresses.Concern;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A node's whole configuration, bound once from file, environment and flags, then immutable. */
public record NodeConfig(
        Path dataDir,
        String gatewayHost,
        int gatewayPort,
        String peerHost,
        int peerPort,
        List<String> bootstrap,
        String discoveryDnsSeed,
        boolean discoveryLight,
        int discoveryPowBits,
        int discoverySyncIntervalMs,
        int discoveryRpcTimeoutMs,
        int discoveryRefreshIntervalMs,
        boolean clusterEnabled,
        String clusterName,
        String clusterHost,
        int clusterPort,
        List<String> clusterMembers,
        Set<Concern> only,
        boolean metricsEnabled,
        int gatewayRateLimit,
        int gatewayRateBurst,
        int gatewayMaxBodyBytes,
        boolean routingDistinctSubnets,
        String deliveryName,
        int deliveryTtlSeconds,
        boolean deliveryReadReceipts,
        List<String> deliveryInboxRelays,
        int gatewayRequestTimeoutMs,
        int deliverySendHops,
        int deliveryInboxHops,
        int routingCoverCellsPerMinute,
        int discoveryMaxPerSubnet16,
        int discoveryMaxRecordsPerPeer,
        int discoveryMaxRecordsPerSubnet,
        boolean relayOnly,
        int routingCreate2PerLinkRate,
        int routingDeliverPerCircuitRate,
        int routingDeliverPerLinkRate,
        int routingFloodCloseCircuitAfter,
        int routingLinkAcceptsPerSourceRate,
        int deliveryCoverLoopsPerDay,
        int routingMaxLinks,
        int routingHandshakeTimeoutMs,
        int routingMaxLinkQueueBytes,
        int routingMaxCircuitsPerLink,
        int routingMaxQueuedCells,
        int routingMaxMessageBytes,
        int routingInboxMaxEnvelopes,
        int routingInboxMaxBytes,
        int routingInboxMaxEnvelopeBytes) {

    /** {@code node.role}: a user node (relay, client API and delivery account) or a relay only. */
    public static final String ROLE_USER = "user";
    public static final String ROLE_RELAY = "relay";

    public NodeConfig {
        bootstrap = List.copyOf(bootstrap);
        clusterMembers = List.copyOf(clusterMembers);
        deliveryInboxRelays = List.copyOf(deliveryInboxRelays);
        only = only.isEmpty() ? EnumSet.allOf(Concern.class) : EnumSet.copyOf(only);
    }

    /** The configuration before the discovery limits, {@code node.role}, the flood limits and cover loops existed: defaults for those, a user node. */
    public NodeConfig(Path dataDir, String gatewayHost, int gatewayPort, String peerHost, int peerPort, List<String> bootstrap,
                      String discoveryDnsSeed, boolean discoveryLight, int discoveryPowBits, int discoverySyncIntervalMs,
                      int discoveryRpcTimeoutMs, int discoveryRefreshIntervalMs, boolean clusterEnabled, String clusterName,
                      String clusterHost, int clusterPort, List<String> clusterMembers, Set<Concern> only, boolean metricsEnabled,
                      int gatewayRateLimit, int gatewayRateBurst, int gatewayMaxBodyBytes, boolean routingDistinctSubnets,
                      String deliveryName, int deliveryTtlSeconds, boolean deliveryReadReceipts, List<String> deliveryInboxRelays,
                      int gatewayRequestTimeoutMs, int deliverySendHops, int deliveryInboxHops, int routingCoverCellsPerMinute) {
        this(dataDir, gatewayHost, gatewayPort, peerHost, peerPort, bootstrap, discoveryDnsSeed, discoveryLight, discoveryPowBits,
                discoverySyncIntervalMs, discoveryRpcTimeoutMs, discoveryRefreshIntervalMs, clusterEnabled, clusterName, clusterHost,
                clusterPort, clusterMembers, only, metricsEnabled, gatewayRateLimit, gatewayRateBurst, gatewayMaxBodyBytes,
                routingDistinctSubnets, deliveryName, deliveryTtlSeconds, deliveryReadReceipts, deliveryInboxRelays,
                gatewayRequestTimeoutMs, deliverySendHops, deliveryInboxHops, routingCoverCellsPerMinute,
                schemaDefault("discovery.max-per-subnet16"), schemaDefault("discovery.max-records-per-peer"),
                schemaDefault("discovery.max-records-per-subnet"), false,
                schemaDefault("routing.create2-per-link-rate"), schemaDefault("routing.deliver-per-circuit-rate"),
                schemaDefault("routing.deliver-per-link-rate"), schemaDefault("routing.flood-close-circuit-after"),
                schemaDefault("routing.link-accepts-per-source-rate"), schemaDefault("delivery.cover-loops-per-day"), schemaDefault("routing.max-links"), schemaDefault("routing.handshake-timeout-ms"), schemaDefault("routing.max-link-queue-bytes"), schemaDefault("routing.max-circuits-per-link"), schemaDefault("routing.max-queued-cells"), schemaDefault("routing.max-message-bytes"), schemaDefault("routing.inbox-max-envelopes"), schemaDefault("routing.inbox-max-bytes"), schemaDefault("routing.inbox-max-envelope-bytes"));
    }

    private static int schemaDefault(String key) {
        return (Integer) NodeSchema.byName().get(key).defaultValue();
    }

    public static NodeConfig defaults() {
        return fromMap(NodeSchema.defaults());
    }

    /** From a validated map of dotted keys (see {@link ConfigLoader}). */
    @SuppressWarnings("unchecked")
    static NodeConfig fromMap(Map<String, Object> m) {
        EnumSet<Concern> only = EnumSet.noneOf(Concern.class);
        for (String s : (List<String>) m.get("cluster.only")) only.add(Concern.fromId(s.trim()));
        return new NodeConfig(
                Path.of((String) m.get("data-dir")),
                (String) m.get("gateway.host"),
                (Integer) m.get("gateway.port"),
                (String) m.get("peer.host"),
                (Integer) m.get("peer.port"),
                (List<String>) m.get("discovery.bootstrap"),
                (String) m.get("discovery.dns-seed"),
                (Boolean) m.get("discovery.light"),
                (Integer) m.get("discovery.pow-bits"),
                (Integer) m.get("discovery.sync-interval-ms"),
                (Integer) m.get("discovery.rpc-timeout-ms"),
                (Integer) m.get("discovery.refresh-interval-ms"),
                (Boolean) m.get("cluster.enabled"),
                (String) m.get("cluster.name"),
                (String) m.get("cluster.host"),
                (Integer) m.get("cluster.port"),
                (List<String>) m.get("cluster.members"),
                only,
                (Boolean) m.get("metrics.enabled"),
                (Integer) m.get("gateway.rate-limit"),
                (Integer) m.get("gateway.rate-burst"),
                (Integer) m.get("gateway.max-body-bytes"),
                (Boolean) m.get("routing.distinct-subnets"),
                (String) m.get("delivery.name"),
                (Integer) m.get("delivery.ttl-seconds"),
                (Boolean) m.get("delivery.read-receipts"),
                (List<String>) m.get("delivery.inbox-relays"),
                (Integer) m.get("gateway.request-timeout-ms"),
                (Integer) m.get("delivery.send-hops"),
                (Integer) m.get("delivery.inbox-hops"),
                (Integer) m.get("routing.cover-cells-per-minute"),
                (Integer) m.get("discovery.max-per-subnet16"),
                (Integer) m.get("discovery.max-records-per-peer"),
                (Integer) m.get("discovery.max-records-per-subnet"),
                relayOnly((String) m.get("node.role")),
                (Integer) m.get("routing.create2-per-link-rate"),
                (Integer) m.get("routing.deliver-per-circuit-rate"),
                (Integer) m.get("routing.deliver-per-link-rate"),
                (Integer) m.get("routing.flood-close-circuit-after"),
                (Integer) m.get("routing.link-accepts-per-source-rate"),
                (Integer) m.get("delivery.cover-loops-per-day"),
                (Integer) m.get("routing.max-links"),
                (Integer) m.get("routing.handshake-timeout-ms"),
                (Integer) m.get("routing.max-link-queue-bytes"),
                (Integer) m.get("routing.max-circuits-per-link"),
                (Integer) m.get("routing.max-queued-cells"),
                (Integer) m.get("routing.max-message-bytes"),
                (Integer) m.get("routing.inbox-max-envelopes"),
                (Integer) m.get("routing.inbox-max-bytes"),
                (Integer) m.get("routing.inbox-max-envelope-bytes"));
    }

    private static boolean relayOnly(String role) {
        return switch (role.trim().toLowerCase(java.util.Locale.ROOT)) {
            case ROLE_USER -> false;
            case ROLE_RELAY -> true;
            default -> throw new org.parley.core.ParleyException(org.parley.core.ParleyException.Kind.CONFIG,
                    "node.role must be " + ROLE_USER + " or " + ROLE_RELAY + ", got '" + role + "'");
        };
    }

    /**
     * Whether this member deploys {@code c}. A relay-only node ({@code node.role=relay}) runs no
     * delivery: no account, no client API, only relaying, inboxes for others and the directory.
     */
    public boolean runs(Concern c) {
        return only.contains(c) && !(relayOnly && c == Concern.DELIVERY);
    }

    public String role() {
        return relayOnly ? ROLE_RELAY : ROLE_USER;
    }

    /** Circuit lengths to reach a contact's inbox relay and our own (end-to-end relays = send + inbox − 1). */
    public NodeConfig withHops(int send, int inbox) {
        return with("delivery.send-hops", send, "delivery.inbox-hops", inbox);
    }

    /** Cover traffic: average dummy-cell slots per minute; 0 = off. */
    public NodeConfig withCover(int cellsPerMinute) {
        return with("routing.cover-cells-per-minute", cellsPerMinute);
    }

    /** Cover traffic: loop envelopes a day through our own inboxes (Poisson times); 0 = off. */
    public NodeConfig withCoverLoops(int perDay) {
        return with("delivery.cover-loops-per-day", perDay);
    }

    public NodeConfig withDataDir(Path dir) {
        return with("data-dir", dir.toString());
    }

    public NodeConfig withPorts(int gateway, int peer) {
        return with("gateway.port", gateway, "peer.port", peer);
    }

    public NodeConfig withCluster(boolean enabled, int port, List<String> members, Set<Concern> onlyThese) {
        return with("cluster.enabled", enabled, "cluster.port", port, "cluster.members", members,
                "cluster.only", onlyThese.stream().map(Concern::id).toList());
    }

    /**
     * The discovery settings (tests: short timers; {@code dnsSeed} "" = none). Timers in
     * milliseconds, see {@code discovery.sync-interval-ms} and {@code discovery.refresh-interval-ms}.
     */
    public NodeConfig withDiscovery(List<String> seeds, String dnsSeed, boolean light, int syncIntervalMs, int refreshIntervalMs) {
        return with("discovery.bootstrap", seeds, "discovery.dns-seed", dnsSeed, "discovery.light", light,
                "discovery.sync-interval-ms", syncIntervalMs, "discovery.refresh-interval-ms", refreshIntervalMs);
    }

    /** The gateway's per-token rate limit (requests per second, burst) and request body limit in bytes. */
    public NodeConfig withGatewayLimits(int ratePerSecond, int burst, int maxBodyBytes) {
        return with("gateway.rate-limit", ratePerSecond, "gateway.rate-burst", burst, "gateway.max-body-bytes", maxBodyBytes);
    }

    /** How long a gateway connection may take over one request, or idle between requests (slowloris defence). */
    public NodeConfig withGatewayRequestTimeout(int millis) {
        return with("gateway.request-timeout-ms", millis);
    }

    /**
     * Discovery's eclipse and resource limits: contacts per bucket and lookup result from one /16
     * (/32), DHT records one peer and one /24 (/48) may place here.
     */
    public NodeConfig withDiscoveryLimits(int maxPerSubnet16, int maxRecordsPerPeer, int maxRecordsPerSubnet) {
        return with("discovery.max-per-subnet16", maxPerSubnet16, "discovery.max-records-per-peer", maxRecordsPerPeer,
                "discovery.max-records-per-subnet", maxRecordsPerSubnet);
    }

    /** Path selection's distinct-subnet rule; off only for a test network on one host. */
    public NodeConfig withDistinctSubnets(boolean on) {
        return with("routing.distinct-subnets", on);
    }

    /** Delivery settings: display name, message TTL, read receipts, pinned inbox relays (host:port@nodeid; empty = from discovery). */
    public NodeConfig withDelivery(String name, int ttlSeconds, boolean readReceipts, List<String> inboxRelays) {
        return with("delivery.name", name, "delivery.ttl-seconds", ttlSeconds, "delivery.read-receipts", readReceipts,
                "delivery.inbox-relays", inboxRelays);
    }

    /** A copy with some keys changed: {@code key, value, key, value, …} (the dotted names of {@link NodeSchema}). */
    private NodeConfig with(Object... keyValues) {
        Map<String, Object> m = toMap();
        for (int i = 0; i < keyValues.length; i += 2) {
            String key = (String) keyValues[i];
            if (!m.containsKey(key)) throw new IllegalArgumentException("no config key " + key);
            m.put(key, keyValues[i + 1]);
        }
        return fromMap(m);
    }

    /** The inverse of {@link #fromMap}: every key of {@link NodeSchema} with this config's value. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("data-dir", dataDir.toString());
        m.put("gateway.host", gatewayHost);
        m.put("gateway.port", gatewayPort);
        m.put("gateway.rate-limit", gatewayRateLimit);
        m.put("gateway.rate-burst", gatewayRateBurst);
        m.put("gateway.max-body-bytes", gatewayMaxBodyBytes);
        m.put("gateway.request-timeout-ms", gatewayRequestTimeoutMs);
        m.put("peer.host", peerHost);
        m.put("peer.port", peerPort);
        m.put("discovery.bootstrap", bootstrap);
        m.put("discovery.dns-seed", discoveryDnsSeed);
        m.put("discovery.light", discoveryLight);
        m.put("discovery.pow-bits", discoveryPowBits);
        m.put("discovery.sync-interval-ms", discoverySyncIntervalMs);
        m.put("discovery.rpc-timeout-ms", discoveryRpcTimeoutMs);
        m.put("discovery.refresh-interval-ms", discoveryRefreshIntervalMs);
        m.put("discovery.max-per-subnet16", discoveryMaxPerSubnet16);
        m.put("discovery.max-records-per-peer", discoveryMaxRecordsPerPeer);
        m.put("discovery.max-records-per-subnet", discoveryMaxRecordsPerSubnet);
        m.put("routing.distinct-subnets", routingDistinctSubnets);
        m.put("routing.cover-cells-per-minute", routingCoverCellsPerMinute);
        m.put("routing.create2-per-link-rate", routingCreate2PerLinkRate);
        m.put("routing.deliver-per-circuit-rate", routingDeliverPerCircuitRate);
        m.put("routing.deliver-per-link-rate", routingDeliverPerLinkRate);
        m.put("routing.flood-close-circuit-after", routingFloodCloseCircuitAfter);
        m.put("routing.link-accepts-per-source-rate", routingLinkAcceptsPerSourceRate);
        m.put("delivery.name", deliveryName);
        m.put("delivery.ttl-seconds", deliveryTtlSeconds);
        m.put("delivery.read-receipts", deliveryReadReceipts);
        m.put("delivery.inbox-relays", deliveryInboxRelays);
        m.put("delivery.send-hops", deliverySendHops);
        m.put("delivery.inbox-hops", deliveryInboxHops);
        m.put("delivery.cover-loops-per-day", deliveryCoverLoopsPerDay);
        m.put("routing.max-links", routingMaxLinks);
        m.put("routing.handshake-timeout-ms", routingHandshakeTimeoutMs);
        m.put("routing.max-link-queue-bytes", routingMaxLinkQueueBytes);
        m.put("routing.max-circuits-per-link", routingMaxCircuitsPerLink);
        m.put("routing.max-queued-cells", routingMaxQueuedCells);
        m.put("routing.max-message-bytes", routingMaxMessageBytes);
        m.put("routing.inbox-max-envelopes", routingInboxMaxEnvelopes);
        m.put("routing.inbox-max-bytes", routingInboxMaxBytes);
        m.put("routing.inbox-max-envelope-bytes", routingInboxMaxEnvelopeBytes);
        m.put("cluster.enabled", clusterEnabled);
        m.put("cluster.name", clusterName);
        m.put("cluster.host", clusterHost);
        m.put("cluster.port", clusterPort);
        m.put("cluster.members", clusterMembers);
        m.put("cluster.only", only.size() == Concern.values().length ? List.of() : only.stream().map(Concern::id).toList());
        m.put("metrics.enabled", metricsEnabled);
        m.put("node.role", role());
        return m;
    }
}
