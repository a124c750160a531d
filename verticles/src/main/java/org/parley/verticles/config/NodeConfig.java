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
        boolean clusterEnabled,
        String clusterName,
        String clusterHost,
        int clusterPort,
        List<String> clusterMembers,
        Set<Concern> only,
        boolean metricsEnabled) {

    public NodeConfig {
        bootstrap = List.copyOf(bootstrap);
        clusterMembers = List.copyOf(clusterMembers);
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
                (Boolean) m.get("cluster.enabled"),
                (String) m.get("cluster.name"),
                (String) m.get("cluster.host"),
                (Integer) m.get("cluster.port"),
                (List<String>) m.get("cluster.members"),
                only,
                (Boolean) m.get("metrics.enabled"));
    }

    public boolean runs(Concern c) {
        return only.contains(c);
    }

    public NodeConfig withDataDir(Path dir) {
        return new NodeConfig(dir, gatewayHost, gatewayPort, peerHost, peerPort, bootstrap, clusterEnabled,
                clusterName, clusterHost, clusterPort, clusterMembers, only, metricsEnabled);
    }

    public NodeConfig withPorts(int gateway, int peer) {
        return new NodeConfig(dataDir, gatewayHost, gateway, peerHost, peer, bootstrap, clusterEnabled,
                clusterName, clusterHost, clusterPort, clusterMembers, only, metricsEnabled);
    }

    public NodeConfig withCluster(boolean enabled, int port, List<String> members, Set<Concern> onlyThese) {
        return new NodeConfig(dataDir, gatewayHost, gatewayPort, peerHost, peerPort, bootstrap, enabled,
                clusterName, clusterHost, port, members, onlyThese, metricsEnabled);
    }
}
