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
        List<String> deliveryInboxRelays) {

    public NodeConfig {
        bootstrap = List.copyOf(bootstrap);
        clusterMembers = List.copyOf(clusterMembers);
        deliveryInboxRelays = List.copyOf(deliveryInboxRelays);
        only = only.isEmpty() ? EnumSet.allOf(Concern.class) : EnumSet.copyOf(only);
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
                (List<String>) m.get("delivery.inbox-relays"));
    }

    public boolean runs(Concern c) {
        return only.contains(c);
    }

    public NodeConfig withDataDir(Path dir) {
        return new NodeConfig(dir, gatewayHost, gatewayPort, peerHost, peerPort, bootstrap, discoveryDnsSeed, discoveryLight, discoveryPowBits,
                discoverySyncIntervalMs, discoveryRpcTimeoutMs, discoveryRefreshIntervalMs, clusterEnabled,
                clusterName, clusterHost, clusterPort, clusterMembers, only, metricsEnabled, gatewayRateLimit, gatewayRateBurst, gatewayMaxBodyBytes, routingDistinctSubnets,
                deliveryName, deliveryTtlSeconds, deliveryReadReceipts, deliveryInboxRelays);
    }

    public NodeConfig withPorts(int gateway, int peer) {
        return new NodeConfig(dataDir, gatewayHost, gateway, peerHost, peer, bootstrap, discoveryDnsSeed, discoveryLight, discoveryPowBits,
                discoverySyncIntervalMs, discoveryRpcTimeoutMs, discoveryRefreshIntervalMs, clusterEnabled,
                clusterName, clusterHost, clusterPort, clusterMembers, only, metricsEnabled, gatewayRateLimit, gatewayRateBurst, gatewayMaxBodyBytes, routingDistinctSubnets,
                deliveryName, deliveryTtlSeconds, deliveryReadReceipts, deliveryInboxRelays);
    }

    public NodeConfig withCluster(boolean enabled, int port, List<String> members, Set<Concern> onlyThese) {
        return new NodeConfig(dataDir, gatewayHost, gatewayPort, peerHost, peerPort, bootstrap, discoveryDnsSeed, discoveryLight, discoveryPowBits,
                discoverySyncIntervalMs, discoveryRpcTimeoutMs, discoveryRefreshIntervalMs, enabled,
                clusterName, clusterHost, port, members, onlyThese, metricsEnabled, gatewayRateLimit, gatewayRateBurst, gatewayMaxBodyBytes, routingDistinctSubnets,
                deliveryName, deliveryTtlSeconds, deliveryReadReceipts, deliveryInboxRelays);
    }

    /**
     * The discovery settings (tests: short timers; {@code dnsSeed} "" = none). Timers in
     * milliseconds, see {@code discovery.sync-interval-ms} and {@code discovery.refresh-interval-ms}.
     */
    public NodeConfig withDiscovery(List<String> seeds, String dnsSeed, boolean light, int syncIntervalMs, int refreshIntervalMs) {
        return new NodeConfig(dataDir, gatewayHost, gatewayPort, peerHost, peerPort, seeds, dnsSeed, light, discoveryPowBits,
                syncIntervalMs, discoveryRpcTimeoutMs, refreshIntervalMs, clusterEnabled, clusterName, clusterHost, clusterPort, clusterMembers, only,
                metricsEnabled, gatewayRateLimit, gatewayRateBurst, gatewayMaxBodyBytes, routingDistinctSubnets,
                deliveryName, deliveryTtlSeconds, deliveryReadReceipts, deliveryInboxRelays);
    }

    /** The gateway's per-token rate limit (requests per second, burst) and request body limit in bytes. */
    public NodeConfig withGatewayLimits(int ratePerSecond, int burst, int maxBodyBytes) {
        return new NodeConfig(dataDir, gatewayHost, gatewayPort, peerHost, peerPort, bootstrap, discoveryDnsSeed, discoveryLight, discoveryPowBits,
                discoverySyncIntervalMs, discoveryRpcTimeoutMs, discoveryRefreshIntervalMs, clusterEnabled, clusterName, clusterHost, clusterPort, clusterMembers, only,
                metricsEnabled, ratePerSecond, burst, maxBodyBytes, routingDistinctSubnets,
                deliveryName, deliveryTtlSeconds, deliveryReadReceipts, deliveryInboxRelays);
    }

    /** Path selection's distinct-subnet rule; off only for a test network on one host. */
    public NodeConfig withDistinctSubnets(boolean on) {
        return new NodeConfig(dataDir, gatewayHost, gatewayPort, peerHost, peerPort, bootstrap, discoveryDnsSeed, discoveryLight, discoveryPowBits,
                discoverySyncIntervalMs, discoveryRpcTimeoutMs, discoveryRefreshIntervalMs, clusterEnabled, clusterName, clusterHost, clusterPort, clusterMembers, only,
                metricsEnabled, gatewayRateLimit, gatewayRateBurst, gatewayMaxBodyBytes, on,
                deliveryName, deliveryTtlSeconds, deliveryReadReceipts, deliveryInboxRelays);
    }

    /** Delivery settings: display name, message TTL, read receipts, pinned inbox relays (host:port@nodeid; empty = from discovery). */
    public NodeConfig withDelivery(String name, int ttlSeconds, boolean readReceipts, List<String> inboxRelays) {
        return new NodeConfig(dataDir, gatewayHost, gatewayPort, peerHost, peerPort, bootstrap, discoveryDnsSeed, discoveryLight, discoveryPowBits,
                discoverySyncIntervalMs, discoveryRpcTimeoutMs, discoveryRefreshIntervalMs, clusterEnabled, clusterName, clusterHost, clusterPort, clusterMembers, only,
                metricsEnabled, gatewayRateLimit, gatewayRateBurst, gatewayMaxBodyBytes, routingDistinctSubnets, name, ttlSeconds, readReceipts, inboxRelays);
    }
}
