package org.parley.verticles.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.Addresses.Concern;
import org.parley.verticles.config.NodeConfig;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class NodeIT {
    static Node start(NodeConfig cfg) throws Exception {
        return Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static void stop(Node n) throws Exception {
        n.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void startsAllFiveVerticlesServesHealthReadyMetricsAndKeepsItsIdentity(@TempDir Path dir) throws Exception {
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0);
        Node node = start(cfg);
        String id;
        try {
            id = node.nodeId().hex();
            assertThat(id).matches("[0-9a-f]{64}");
            assertThat(node.concerns()).containsExactlyInAnyOrder(Concern.values());
            String base = "http://127.0.0.1:" + node.gatewayPort();
            assertThat(Http.get(base + "/health").statusCode()).isEqualTo(200);

            HttpResponse<String> ready = Http.awaitOk(base + "/ready", 30_000);
            assertThat(ready.statusCode()).isEqualTo(200);
            JsonObject body = new JsonObject(ready.body());
            assertThat(body.getBoolean("ready")).isTrue();
            assertThat(body.getJsonArray("concerns")).hasSize(5);
            assertThat(body.getJsonArray("probe").getList()).containsExactly("gateway@local", "delivery@local", "storage@local");

            String metrics = Http.get(base + "/metrics").body();
            for (Concern c : Concern.values()) {
                assertThat(metrics).contains("parley_" + c.id() + "_up 1.0");
                assertThat(metrics).contains("parley_" + c.id() + "_pings_total");
            }
            assertThat(metrics).contains("vertx_http_server_requests_total");

            HttpResponse<String> missing = Http.get(base + "/nope");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.headers().firstValue("content-type")).contains("application/problem+json");
        } finally {
            stop(node);
        }
        Node again = start(cfg);
        try {
            assertThat(again.nodeId().hex()).isEqualTo(id);
        } finally {
            stop(again);
        }
    }
}
