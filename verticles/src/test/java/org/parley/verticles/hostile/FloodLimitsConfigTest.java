package org.parley.verticles.hostile;

import org.junit.jupiter.api.Test;
import org.parley.routing.circuit.FloodLimits;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.RoutingVerticle;

import static org.assertj.core.api.Assertions.assertThat;

/** The routing.* flood-limit keys reach the relay's {@link FloodLimits}, and their defaults are routing's. */
class FloodLimitsConfigTest {
    @Test
    void theConfigDefaultsAreRoutingsDefaults() {
        assertThat(RoutingVerticle.floodLimits(NodeConfig.defaults())).isEqualTo(FloodLimits.defaults());
    }

    @Test
    void eachKeySetsItsLimitWithABurstOfFourTimesTheRate() {
        NodeConfig d = NodeConfig.defaults();
        NodeConfig c = new NodeConfig(d.dataDir(), d.gatewayHost(), d.gatewayPort(), d.peerHost(), d.peerPort(), d.bootstrap(),
                d.discoveryDnsSeed(), d.discoveryLight(), d.discoveryPowBits(), d.discoverySyncIntervalMs(),
                d.discoveryRpcTimeoutMs(), d.discoveryRefreshIntervalMs(), d.clusterEnabled(), d.clusterName(), d.clusterHost(),
                d.clusterPort(), d.clusterMembers(), d.only(), d.metricsEnabled(), d.gatewayRateLimit(), d.gatewayRateBurst(),
                d.gatewayMaxBodyBytes(), d.routingDistinctSubnets(), d.deliveryName(), d.deliveryTtlSeconds(),
                d.deliveryReadReceipts(), d.deliveryInboxRelays(), d.gatewayRequestTimeoutMs(), d.deliverySendHops(),
                d.deliveryInboxHops(), d.routingCoverCellsPerMinute(), d.discoveryMaxPerSubnet16(), d.discoveryMaxRecordsPerPeer(),
                d.discoveryMaxRecordsPerSubnet(), d.relayOnly(), 7, 11, 0, 5, 3, d.deliveryCoverLoopsPerDay());
        assertThat(RoutingVerticle.floodLimits(c)).isEqualTo(new FloodLimits(7, 28, 11, 44, 0, 1, 5, 0));
        assertThat(RoutingVerticle.acceptLimits(c).perSourceRate()).isEqualTo(3.0);
        assertThat(RoutingVerticle.acceptLimits(c).perSourceBurst()).isEqualTo(15);
        assertThat(RoutingVerticle.acceptLimits(d).perSourceRate()).isEqualTo(org.parley.routing.link.AcceptLimits.DEFAULT_PER_SOURCE_RATE);
        assertThat(RoutingVerticle.acceptLimits(d).perSourceBurst()).isEqualTo(org.parley.routing.link.AcceptLimits.DEFAULT_PER_SOURCE_BURST);
    }
}
