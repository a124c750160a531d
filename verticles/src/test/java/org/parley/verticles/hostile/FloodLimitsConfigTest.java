package org.parley.verticles.hostile;

import org.junit.jupiter.api.Test;
import org.parley.routing.circuit.FloodLimits;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.storage.InboxQuota;
import org.parley.verticles.link.TlsLinkTransport;
import org.parley.verticles.node.StorageVerticle;

import java.util.List;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.RoutingVerticle;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The routing.* flood-limit and resource-limit keys reach the relay's {@link FloodLimits},
 * {@link RoutingConfig}, peer-link limits and inbox quota, and their defaults are the components' own.
 */
class FloodLimitsConfigTest {
    @Test
    void theConfigDefaultsAreRoutingsDefaults() {
        NodeConfig d = NodeConfig.defaults();
        assertThat(RoutingVerticle.floodLimits(d)).isEqualTo(FloodLimits.defaults());
        assertThat(RoutingVerticle.routingConfig(d)).isEqualTo(RoutingConfig.defaults());
        TlsLinkTransport.Limits l = RoutingVerticle.linkLimits(d);
        assertThat(List.of(l.handshakeTimeoutMillis(), l.maxLinks(), l.maxQueueBytes())).containsExactly(
                TlsLinkTransport.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, TlsLinkTransport.DEFAULT_MAX_LINKS, TlsLinkTransport.DEFAULT_MAX_QUEUE_BYTES);
        assertThat(StorageVerticle.inboxQuota(d)).isEqualTo(InboxQuota.DEFAULT);
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
                d.discoveryMaxRecordsPerSubnet(), d.relayOnly(), 7, 11, 0, 5, 3, d.deliveryCoverLoopsPerDay(),
                2, 300, 70_000, 9, 32, 8_192, 10, 100_000, 2_048);
        assertThat(RoutingVerticle.floodLimits(c)).isEqualTo(new FloodLimits(7, 28, 11, 44, 0, 1, 5, 0));
        assertThat(RoutingVerticle.acceptLimits(c).perSourceRate()).isEqualTo(3.0);
        assertThat(RoutingVerticle.acceptLimits(c).perSourceBurst()).isEqualTo(15);
        assertThat(RoutingVerticle.acceptLimits(d).perSourceRate()).isEqualTo(org.parley.routing.link.AcceptLimits.DEFAULT_PER_SOURCE_RATE);
        assertThat(RoutingVerticle.acceptLimits(d).perSourceBurst()).isEqualTo(org.parley.routing.link.AcceptLimits.DEFAULT_PER_SOURCE_BURST);
        // the resource limits
        RoutingConfig r = RoutingVerticle.routingConfig(c);
        assertThat(List.of(r.maxCircuitsPerLink(), r.maxQueuedCells(), r.maxMessageBytes())).containsExactly(9, 32, 8_192);
        assertThat(r.floodLimits()).isEqualTo(RoutingVerticle.floodLimits(c));
        TlsLinkTransport.Limits l = RoutingVerticle.linkLimits(c);
        assertThat(List.of(l.maxLinks(), l.handshakeTimeoutMillis(), l.maxQueueBytes())).containsExactly(2, 300, 70_000);
        assertThat(l.accepts().perSourceRate()).isEqualTo(3.0);
        assertThat(StorageVerticle.inboxQuota(c)).isEqualTo(new InboxQuota(10, 100_000, 2_048));
    }
}
