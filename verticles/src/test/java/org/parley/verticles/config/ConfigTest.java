package org.parley.verticles.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses.Concern;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {
    static final Path NODE_YAML = Path.of("..", "conf", "node.yaml");

    @Test
    void confFileListsEveryKeyWithItsCodeDefault() {
        Map<String, Object> file = ConfigLoader.readYaml(NODE_YAML);
        assertThat(file.keySet()).containsExactlyInAnyOrderElementsOf(NodeSchema.byName().keySet());
        for (ConfigKey k : NodeSchema.KEYS) {
            Object coerced = ConfigLoader.coerce(k, file.get(k.name()), "in node.yaml");
            assertThat(coerced).as(k.name()).isEqualTo(k.defaultValue());
        }
        assertThat(ConfigLoader.load(NODE_YAML, Map.of(), Map.of())).isEqualTo(NodeConfig.defaults());
    }

    @Test
    void everyKeyIsDocumentedWithAComment() throws Exception {
        List<String> lines = Files.readAllLines(NODE_YAML);
        for (ConfigKey k : NodeSchema.KEYS) {
            String leaf = k.name().substring(k.name().lastIndexOf('.') + 1);
            assertThat(lines).as("line for " + k.name())
                    .anySatisfy(l -> assertThat(l.trim()).startsWith(leaf + ":").contains("#"));
            assertThat(k.description()).isNotBlank();
        }
    }

    @Test
    void layersFileThenEnvironmentThenFlags(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("n.yaml");
        Files.writeString(f, "gateway:\n  port: 7000\npeer:\n  port: 7001\ncluster:\n  only: [routing, storage]\n");
        Map<String, Object> flags = new HashMap<>();
        flags.put("peer.port", "7003");
        NodeConfig c = ConfigLoader.load(f, Map.of("PARLEY_GATEWAY_PORT", "7002", "PARLEY_PEER_PORT", "7005"), flags);
        assertThat(c.gatewayPort()).isEqualTo(7002);
        assertThat(c.peerPort()).isEqualTo(7003);
        assertThat(c.only()).isEqualTo(EnumSet.of(Concern.ROUTING, Concern.STORAGE));
    }

    @Test
    void unknownKeyIsRefusedByName(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("n.yaml");
        Files.writeString(f, "gateway:\n  prot: 7000\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), Map.of()))
                .isInstanceOf(ParleyException.class)
                .hasMessageContaining("unknown key 'gateway.prot'")
                .satisfies(e -> assertThat(((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.CONFIG));
    }

    @Test
    void wrongTypeAndOutOfRangeNameTheKeyAndTheExpectedForm(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("n.yaml");
        Files.writeString(f, "gateway:\n  port: eighty\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), Map.of()))
                .hasMessageContaining("'gateway.port'").hasMessageContaining("an integer from 0 to 65535");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PARLEY_PEER_PORT", "70000"), Map.of()))
                .hasMessageContaining("'peer.port'").hasMessageContaining("PARLEY_PEER_PORT").hasMessageContaining("70000");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PARLEY_METRICS_ENABLED", "maybe"), Map.of()))
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("cluster.only", "routing,teleport")))
                .hasMessageContaining("teleport");
    }

    @Test
    void aRelayOnlyNodeRunsNoDeliveryAndAnUnknownRoleIsRefused() {
        NodeConfig user = ConfigLoader.load(null, Map.of(), Map.of());
        assertThat(user.role()).isEqualTo("user");
        assertThat(user.runs(org.parley.core.bus.Addresses.Concern.DELIVERY)).isTrue();
        NodeConfig relay = ConfigLoader.load(null, Map.of("PARLEY_NODE_ROLE", "relay"), Map.of());
        assertThat(relay.role()).isEqualTo("relay");
        assertThat(relay.runs(org.parley.core.bus.Addresses.Concern.DELIVERY)).isFalse();
        assertThat(relay.runs(org.parley.core.bus.Addresses.Concern.ROUTING)).isTrue();
        assertThat(NodeConfig.fromMap(relay.toMap())).isEqualTo(relay);
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("node.role", "exit")))
                .isInstanceOf(ParleyException.class).hasMessageContaining("node.role");
    }

    @Test
    void garbageYamlIsAConfigError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("n.yaml");
        Files.writeString(f, "gateway: [unclosed\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), Map.of()))
                .isInstanceOf(ParleyException.class).hasMessageContaining("cannot read config file");
    }

    @Test
    void copiesChangeOnlyTheirKeysAndRoundTripThroughTheKeyMap() {
        NodeConfig d = NodeConfig.defaults();
        assertThat(d.toMap().keySet()).containsExactlyInAnyOrderElementsOf(NodeSchema.byName().keySet());
        assertThat(NodeConfig.fromMap(d.toMap())).isEqualTo(d);
        NodeConfig c = d.withPorts(1, 2).withDistinctSubnets(false)
                .withCluster(true, 5702, List.of("h:1"), EnumSet.of(Concern.ROUTING));
        assertThat(c.gatewayPort()).isEqualTo(1);
        assertThat(c.peerPort()).isEqualTo(2);
        assertThat(c.routingDistinctSubnets()).isFalse();
        assertThat(c.only()).isEqualTo(EnumSet.of(Concern.ROUTING));
        assertThat(c.clusterMembers()).containsExactly("h:1");
        assertThat(c.withDataDir(Path.of("/x"))).isEqualTo(new NodeConfig(Path.of("/x"), c.gatewayHost(), 1, c.peerHost(), 2,
                c.bootstrap(), c.discoveryDnsSeed(), c.discoveryLight(), c.discoveryPowBits(), c.discoverySyncIntervalMs(),
                c.discoveryRpcTimeoutMs(), c.discoveryRefreshIntervalMs(), true, c.clusterName(), c.clusterHost(), 5702,
                c.clusterMembers(), c.only(), c.metricsEnabled(), c.gatewayRateLimit(), c.gatewayRateBurst(),
                c.gatewayMaxBodyBytes(), false, c.deliveryName(), c.deliveryTtlSeconds(), c.deliveryReadReceipts(),
                c.deliveryInboxRelays(), c.gatewayRequestTimeoutMs(), c.deliverySendHops(), c.deliveryInboxHops(),
                c.routingCoverCellsPerMinute()));
        NodeConfig h = d.withHops(2, 3).withCover(60);
        assertThat(List.of(h.deliverySendHops(), h.deliveryInboxHops(), h.routingCoverCellsPerMinute())).containsExactly(2, 3, 60);
    }
}
