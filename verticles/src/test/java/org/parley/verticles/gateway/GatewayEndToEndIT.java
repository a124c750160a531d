package org.parley.verticles.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;
import org.parley.verticles.testing.FixedDirectoryNet;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.verticles.testing.FixedDirectoryNet.ask;
import static org.parley.verticles.testing.FixedDirectoryNet.await;

/**
 * The product path through the gateway, with real nodes: six relays and two users over TLS
 * circuits (discovery replaced by a fixed relay list, as in the other network tests). Alice adds
 * Bob by his invite and posts a message over REST; it appears on Bob's WebSocket; Alice sees it
 * sent, then delivered, then read after Bob marks it read — each status from the real receipts.
 */
@Tag("testnet")
class GatewayEndToEndIT {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    final FixedDirectoryNet net = new FixedDirectoryNet();

    @AfterEach
    void stopAll() {
        net.close();
    }

    record User(Node node, String base, String token) {
        JsonObject get(String path) throws Exception {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
            return new JsonObject(r.body());
        }

        HttpResponse<String> post(String path, JsonObject body) throws Exception {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + token).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    User user(Path dir, String name) throws Exception {
        Node n = net.start(dir, FixedDirectoryNet.USER, name);
        return new User(n, "http://127.0.0.1:" + n.gatewayPort(), GatewayToken.read(dir.resolve(GatewayToken.FILE_NAME)).value());
    }

    /** GET /v1/me answers 200 once the account has its inbox relays (503 before). */
    static boolean ready(User u) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(u.base + "/v1/me")).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + u.token).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    static String status(User u, String conv, String id) {
        try {
            for (Object o : u.get("/v1/conversations/" + conv + "/messages?limit=20").getJsonArray("messages")) {
                JsonObject m = (JsonObject) o;
                if (m.getString("id").equals(id)) return m.getString("status");
            }
        } catch (Exception e) {
            return "error: " + e.getMessage();
        }
        return "absent";
    }

    @Test
    void aliceMessagesBobThroughTheGatewaysAndSeesSentDeliveredRead(@TempDir Path dir) throws Exception {
        net.relays(dir, 6);
        User alice = user(dir.resolve("alice"), "Alice");
        User bob = user(dir.resolve("bob"), "Bob");
        await(() -> ready(alice) && ready(bob), 60_000);

        GatewayFixture.Ws bobWs = GatewayFixture.Ws.open(bob.base.replace("http", "ws") + "/v1/events?cursor=0", bob.token);
        String invite = bob.get("/v1/me").getString("invite");
        assertThat(invite).startsWith("parley://invite/");
        HttpResponse<String> added = alice.post("/v1/contacts", new JsonObject().put("invite", invite).put("name", "Bob"));
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        String conv = new JsonObject(added.body()).getString("id");

        HttpResponse<String> posted = alice.post("/v1/conversations/" + conv + "/messages", new JsonObject().put("text", "hello over onions"));
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
        JsonObject msg = new JsonObject(posted.body());
        assertThat(msg.getString("status")).isEqualTo("pending");
        String id = msg.getString("id");

        // bob's page gets the message on its WebSocket
        JsonObject seen = null;
        long end = System.currentTimeMillis() + 120_000;
        while (seen == null && System.currentTimeMillis() < end) {
            JsonObject e;
            try {
                e = bobWs.next();
            } catch (AssertionError quiet) {
                continue; // no frame in the last 10 s; keep waiting until the deadline
            }
            if (e != null && "message".equals(e.getString("type")) && e.getJsonObject("message") != null
                    && "hello over onions".equals(e.getJsonObject("message").getString("text"))) {
                seen = e.getJsonObject("message");
            }
        }
        assertThat(seen).as("bob's WebSocket showed the message").isNotNull();
        assertThat(seen.getString("direction")).isEqualTo("in");

        // alice: delivered (the E2E receipt came back), after sent
        await(() -> status(alice, conv, id).equals("delivered"), 120_000);
        JsonArray path = null;
        for (Object o : alice.get("/v1/conversations/" + conv + "/messages?limit=20").getJsonArray("messages")) {
            if (((JsonObject) o).getString("id").equals(id)) path = ((JsonObject) o).getJsonArray("path");
        }
        assertThat(path).as("the circuit the message took (delivery.send-hops = 2)").hasSize(2);

        // bob reads it; alice sees read
        String bobConv = seen.getString("conversationId");
        HttpResponse<String> read = bob.post("/v1/conversations/" + bobConv + "/read", new JsonObject().put("upTo", seen.getString("id")));
        assertThat(read.statusCode()).as(read.body()).isEqualTo(204);
        await(() -> status(alice, conv, id).equals("read"), 120_000);
    }
}
