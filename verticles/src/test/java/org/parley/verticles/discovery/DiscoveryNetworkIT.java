package org.parley.verticles.discovery;

import io.micrometer.core.instrument.Gauge;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.verticles.config.ConfigLoader;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Http;
import org.parley.verticles.node.Node;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real network in one JVM: full nodes (all five verticles, TLS peer links on loopback) joined
 * through one seed. Timers set through config: directory sync every second, bucket refresh
 * every 5 s, RPC timeout 5 s.
 */
@Tag("testnet")
class DiscoveryNetworkIT {
    static final int NODES = 21;
    static final int SYNC_MS = 1_000;
    static final int REFRESH_MS = 5_000;
    /** 21 JVM-local nodes on a shared 2-core box: replies can queue for seconds behind TLS handshakes. */
    static final int RPC_TIMEOUT_MS = 5_000;

    /**
     * Node {@code i} listens for peers on 127.0.{i+1}.1: every node in its own /24, as on a real
     * network (the DHT keeps at most 2 contacts per /24 per bucket and per lookup result, so a
     * network all on 127.0.0.1 would be a very different one). Bound through the config keys.
     */
    static NodeConfig config(Path dir, int i, List<String> seeds) {
        Map<String, Object> flags = new HashMap<>();
        flags.put("data-dir", dir.toString());
        flags.put("gateway.port", "0");
        flags.put("peer.port", "0");
        flags.put("peer.host", "127.0." + (i + 1) + ".1");
        flags.put("discovery.bootstrap", String.join(",", seeds));
        flags.put("discovery.sync-interval-ms", String.valueOf(SYNC_MS));
        flags.put("discovery.refresh-interval-ms", String.valueOf(REFRESH_MS));
        flags.put("discovery.rpc-timeout-ms", String.valueOf(RPC_TIMEOUT_MS));
        return ConfigLoader.load(null, Map.of(), flags);
    }

    static Node start(NodeConfig cfg) throws Exception {
        return Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static double relaysKnown(Node n) {
        Gauge g = n.registry().find(DiscoveryMetrics.RELAYS_KNOWN).gauge();
        return g == null ? -1 : g.value();
    }

    @Test
    void everyNodeLearnsNearlyEveryRelayAndIsReady(@TempDir Path dir) throws Exception {
        List<Node> nodes = new ArrayList<>();
        try {
            long tStart = System.nanoTime();
            Node seed = start(config(dir.resolve("n0"), 0, List.of()));
            nodes.add(seed);
            String seedSpec = "127.0.1.1:" + seed.peerPort() + "@" + seed.nodeId().hex();
            List<CompletableFuture<Node>> starting = new ArrayList<>();
            for (int i = 1; i < NODES; i++) {
                starting.add(Node.start(config(dir.resolve("n" + i), i, List.of(seedSpec))).toCompletionStage().toCompletableFuture());
            }
            for (CompletableFuture<Node> f : starting) nodes.add(f.get(120, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            System.out.printf("DiscoveryNetworkIT: %d nodes started in %.2f s%n", NODES, (t0 - tStart) / 1e9);

            // 95 % of the relays (a node's own descriptor comes back to it from its neighbours, and counts)
            int target = (int) Math.ceil(0.95 * NODES);
            long deadline = System.currentTimeMillis() + 30_000;
            int reached = 0;
            int polls = 0;
            while (System.currentTimeMillis() < deadline) {
                reached = 0;
                for (Node n : nodes) if (relaysKnown(n) >= target) reached++;
                if (reached == NODES) break;
                if (++polls % 10 == 0) {
                    StringBuilder line = new StringBuilder();
                    for (Node n : nodes) line.append((int) relaysKnown(n)).append('/')
                            .append((int) n.registry().find(DiscoveryMetrics.ROUTING_TABLE_SIZE).gauge().value()).append(' ');
                    System.out.printf("t=%.1f s known/table: %s%n", (System.nanoTime() - t0) / 1e9, line);
                }
                Thread.sleep(100);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<Double> known = new ArrayList<>();
            for (Node n : nodes) known.add(relaysKnown(n));
            System.out.printf("DiscoveryNetworkIT: %d nodes, %d/%d reached >= %d relays known after %.2f s; known = %s%n",
                    NODES, reached, NODES, target, seconds, known);
            for (Node n : reached < NODES ? nodes : List.<Node>of()) { // diagnostics for a failure
                StringBuilder sb = new StringBuilder("DEBUG ");
                for (io.micrometer.core.instrument.Meter m : n.registry().getMeters()) {
                    if (m.getId().getName().startsWith("parley.discovery.dropped")) sb.append(m.getId().getTag("reason")).append('=').append((long) ((io.micrometer.core.instrument.Counter) m).count()).append(' ');
                }
                sb.append(n.vertx().eventBus().request("parley.discovery.ping", new org.parley.core.bus.Ping("t")).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).body());
                System.out.println(sb);
            }
            assertThat(known).as("relays known per node after %.1f s", seconds).allSatisfy(k -> assertThat(k).isGreaterThanOrEqualTo(target));

            for (Node n : nodes) {
                HttpResponse<String> ready = Http.awaitOk("http://127.0.0.1:" + n.gatewayPort() + "/ready", 10_000);
                assertThat(ready).isNotNull();
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                JsonArray concerns = new JsonObject(ready.body()).getJsonArray("concerns");
                JsonObject disc = concerns.stream().map(o -> (JsonObject) o)
                        .filter(c -> c.getString("concern").equals("discovery")).findFirst().orElseThrow();
                assertThat(disc.getString("state")).isEqualTo("UP");
            }

            // the bus query path selection uses: every other node, at the address it listens on, with its onion key
            Node asker = nodes.get(NODES - 1);
            DiscoveryMessage.RelayList list = asker.vertx().eventBus()
                    .<DiscoveryMessage.RelayList>request(Addresses.DISCOVERY_RELAYS, new DiscoveryMessage.RelayQuery(100))
                    .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).body();
            Map<String, String> addressById = new HashMap<>();
            for (DiscoveryMessage.RelayInfo r : list.relays()) addressById.put(r.nodeId(), r.address());
            assertThat(list.relays()).hasSizeGreaterThanOrEqualTo(target);
            int matched = 0;
            for (int i = 0; i < NODES; i++) {
                Node n = nodes.get(i);
                String a = addressById.get(n.nodeId().hex());
                if (a != null) {
                    assertThat(a).isEqualTo("127.0." + (i + 1) + ".1:" + n.peerPort());
                    matched++;
                }
            }
            assertThat(matched).isEqualTo(list.relays().size());
            assertThat(list.relays()).allSatisfy(r -> assertThat(r.onionKey().length()).isEqualTo(32));

            String metrics = Http.get("http://127.0.0.1:" + asker.gatewayPort() + "/metrics").body();
            assertThat(metrics).contains("parley_discovery_relays_known", "parley_discovery_routing_table_size",
                    "parley_discovery_lookups_total{result=\"found\"", "parley_discovery_lookup_seconds_bucket",
                    "parley_discovery_rpcs_total{direction=\"in\",type=\"find_node\"");
        } finally {
            List<CompletableFuture<Void>> stops = new ArrayList<>();
            for (Node n : nodes) stops.add(n.stop().toCompletionStage().toCompletableFuture());
            for (CompletableFuture<Void> f : stops) {
                try {
                    f.get(20, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // keep stopping the others
                }
            }
        }
    }

    @Test
    void aNodeWhoseSeedIsUnreachableIsNotReadyAndSaysWhy(@TempDir Path dir) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String nowhere = "127.0.0.1:" + closed + "@" + NodeIdentity.generate(new SecureRandom()).nodeId().hex();
        Node n = start(config(dir, 0, List.of(nowhere)));
        try {
            String url = "http://127.0.0.1:" + n.gatewayPort() + "/ready";
            HttpResponse<String> r = null;
            long end = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < end) {
                r = Http.get(url);
                if (r.body().contains("no reachable seed")) break;
                Thread.sleep(100);
            }
            assertThat(r).isNotNull();
            assertThat(r.statusCode()).isEqualTo(503);
            JsonObject body = new JsonObject(r.body());
            assertThat(body.getBoolean("ready")).isFalse();
            JsonObject disc = body.getJsonArray("concerns").stream().map(o -> (JsonObject) o)
                    .filter(c -> c.getString("concern").equals("discovery")).findFirst().orElseThrow();
            assertThat(disc.getString("state")).startsWith("NOT_READY");
            assertThat(disc.getString("reason")).isEqualTo("no reachable seed");
            // the other four concerns are fine: only discovery holds readiness back
            assertThat(body.getJsonArray("concerns").stream().map(o -> (JsonObject) o)
                    .filter(c -> !c.getString("concern").equals("discovery")))
                    .allSatisfy(c -> assertThat(c.getString("state")).isEqualTo("UP"));
            assertThat(relaysKnown(n)).isZero();
        } finally {
            n.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }
}
