package org.parley.verticles.routing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.RoutingMessage;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Http;
import org.parley.verticles.node.Node;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Five real nodes over TLS (three relays, a sender, a recipient): after one envelope crosses a
 * 2-hop circuit to an inbox relay, every routing meter is in each node's Prometheus /metrics with
 * the value the traffic implies.
 */
@Tag("testnet")
class RoutingMetricsIT {
    final List<Node> nodes = new ArrayList<>();
    final List<DiscoveryMessage.RelayInfo> directory = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopAll() {
        for (Node n : nodes) {
            try {
                n.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // best effort
            }
        }
    }

    Node start(Path dir) throws Exception {
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0).withDistinctSubnets(false)
                .withCluster(false, 5701, List.of(), EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.GATEWAY));
        Node n = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        nodes.add(n);
        n.vertx().eventBus().<DiscoveryMessage.RelayQuery>consumer(Addresses.DISCOVERY_RELAYS,
                m -> m.reply(new DiscoveryMessage.RelayList(List.copyOf(directory))));
        return n;
    }

    static <T> T ask(Node n, String address, Object body) throws Exception {
        return n.vertx().eventBus().<T>request(address, body, new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(20_000))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
    }

    static String metrics(Node n) throws Exception {
        return Http.get("http://127.0.0.1:" + n.gatewayPort() + "/metrics").body();
    }

    /** The value of the sample line {@code name} (with its labels, exactly as printed), or -1 when absent. */
    static double sample(String scrape, String nameAndLabels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(nameAndLabels) + " ([0-9.eE+-]+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    static void await(java.util.function.BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(20);
        assertThat(c.getAsBoolean()).isTrue();
    }

    @Test
    void routingMetersAppearInEachNodesScrapeWithTheTrafficsValues(@TempDir Path dir) throws Exception {
        List<Node> relays = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Node r = start(dir.resolve("relay" + i));
            relays.add(r);
            RoutingMessage.SelfDescriptor self = ask(r, Addresses.ROUTING_SELF, new RoutingMessage.DescribeSelf());
            directory.add(new DiscoveryMessage.RelayInfo(self.nodeId(), self.address(), self.onionKey(), "", 100, true, true));
        }
        Node alice = start(dir.resolve("alice"));
        Node bob = start(dir.resolve("bob"));
        alice.vertx().eventBus().<RoutingMessage.InboundEnvelope>consumer(Addresses.DELIVERY_INBOUND, m -> m.reply("durable"));
        for (Node n : List.of(alice, bob)) {
            await(() -> n.registry().find("parley.routing.relays.known").gauge() != null
                    && n.registry().find("parley.routing.relays.known").gauge().value() == directory.size(), 10_000);
        }
        DiscoveryMessage.RelayInfo inboxRelay = directory.get(2);
        RoutingMessage.Hop inboxHop = new RoutingMessage.Hop(inboxRelay.nodeId(), inboxRelay.address(), inboxRelay.onionKey());
        Bytes inbox = Bytes.wrap(new SecureRandom().generateSeed(16));
        ask(alice, Addresses.ROUTING_OPEN_INBOX, new RoutingMessage.OpenInbox(inboxHop, inbox,
                Bytes.wrap(new SecureRandom().generateSeed(32)), 2));
        RoutingMessage.SendResult sent = ask(bob, Addresses.ROUTING_SEND, new RoutingMessage.SendEnvelope(inboxHop, inbox,
                Bytes.wrap(new SecureRandom().generateSeed(16)), Bytes.fromHex("c0ffee"), 2));
        assertThat(sent.outcome()).isEqualTo("STORED");
        assertThat(sent.path()).hasSize(2);
        Node middle = relays.stream().filter(r -> r.nodeId().hex().equals(sent.path().get(0))).findFirst().orElseThrow();

        // bob built one 2-hop circuit, timed in the histogram
        String bobs = metrics(bob);
        assertThat(sample(bobs, "parley_routing_circuits_built_total")).isEqualTo(1.0);
        assertThat(sample(bobs, "parley_routing_circuit_build_seconds_count")).isEqualTo(1.0);
        assertThat(sample(bobs, "parley_routing_circuit_build_seconds_sum")).isPositive();
        assertThat(bobs).contains("parley_routing_circuit_build_seconds_bucket{le=");
        assertThat(sample(bobs, "parley_routing_circuit_build_failures_total")).isZero();
        for (String reason : org.parley.routing.RoutingMetrics.REASONS) {
            assertThat(sample(bobs, "parley_routing_cells_dropped_total{reason=\"" + reason + "\"}")).as(reason).isZero();
        }
        // bob's first hop passed the DELIVER cell forward and the STORED cell back (a 2-hop build relays
        // nothing: the first hop handles EXTEND2 itself)
        await(() -> {
            try {
                return sample(metrics(middle), "parley_routing_cells_relayed_total") >= 2;
            } catch (Exception e) {
                return false;
            }
        }, 5_000);
        // the inbox relay stored it once
        String relay = metrics(relays.get(2));
        relay.lines().filter(l -> l.startsWith("parley_routing_")).forEach(System.out::println);
        assertThat(sample(relay, "parley_routing_inbox_envelopes_stored_total")).isEqualTo(1.0);
        assertThat(sample(relay, "parley_routing_circuits_open")).isPositive();
        assertThat(sample(relay, "parley_routing_links_open")).isPositive();
    }
}
