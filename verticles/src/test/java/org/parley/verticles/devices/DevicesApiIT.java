package org.parley.verticles.devices;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.Ping;
import org.parley.core.bus.Status;
import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.parley.delivery.device.LinkCodec;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.handshake.InMemoryPreKeyStore;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.service.DeliveryConfig;
import org.parley.delivery.service.DeliveryMetrics;
import org.parley.delivery.service.DeliveryService;
import org.parley.delivery.service.EnvelopeRouter;
import org.parley.delivery.service.InMemoryDeliveryStore;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.gateway.GatewayToken;
import org.parley.verticles.node.Node;
import org.parley.verticles.node.VertxScheduler;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /v1/devices over real HTTP on a real node (port 0) whose delivery is the real
 * {@link DeliveryService} (device logic included) on an in-memory store, behind a router that
 * stores every envelope at once (no network): link, list, unlink, link codes, and the errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DevicesApiIT {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Node node;
    LocalDelivery delivery;
    String base, token;
    Path dataDir;
    final SecureRandom rnd = new SecureRandom();

    /** The real DeliveryService on a verticle's context; envelopes are "stored" and recorded, nothing is pushed. */
    static final class LocalDelivery extends VerticleBase implements EnvelopeRouter {
        DeliveryService service;
        final List<InboxId> sentTo = new ArrayList<>();

        @Override
        public Future<?> start() {
            var bus = vertx.eventBus();
            Invite.Relay relay = new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[]{1})), "127.0.0.1:1");
            service = new DeliveryService(DeliveryConfig.defaults("alice"), new InMemoryDeliveryStore(), this, e -> { }, Clock.system(),
                    new VertxScheduler(context), new SecureRandom(), DeliveryMetrics.NONE);
            return Future.fromCompletionStage(service.start(List.of(relay)), context).compose(v -> Future.join(List.of(
                    bus.<Ping>consumer(Concern.DELIVERY.pingAddress(), m -> m.reply(new Status("delivery", "local", "UP", Map.of()))).completion(),
                    bus.<DeliveryMessage>consumer(Addresses.DELIVERY_API, this::api).completion())));
        }

        private void api(Message<DeliveryMessage> m) {
            service.handle(m.body()).whenComplete((r, e) -> {
                if (e == null) {
                    m.reply(r);
                    return;
                }
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                m.fail(FailureCodes.of(c instanceof ParleyException pe ? pe.kind() : ParleyException.Kind.INTERNAL), String.valueOf(c.getMessage()));
            });
        }

        @Override
        public CompletionStage<SendOutcome> sendToInbox(Invite.Relay relay, InboxId inbox, MessageId messageId, Bytes envelope) {
            sentTo.add(inbox);
            return CompletableFuture.completedFuture(new SendOutcome("STORED", List.of("guard", "middle", "relay")));
        }

        @Override
        public CompletionStage<List<String>> openInbox(Invite.Relay relay, InboxId inbox, Bytes authSeed) {
            return CompletableFuture.completedFuture(List.of("guard", "middle", "relay"));
        }
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0)
                .withCluster(false, 0, List.of(), EnumSet.complementOf(EnumSet.of(Concern.DELIVERY)));
        node = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        delivery = new LocalDelivery();
        node.vertx().deployVerticle(delivery).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + node.gatewayPort();
        dataDir = dir;
        token = GatewayToken.read(dir.resolve(GatewayToken.FILE_NAME)).value();
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) node.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    HttpResponse<String> call(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(15));
        if (json == null) b.method(method, HttpRequest.BodyPublishers.noBody());
        else b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String newDeviceCode(String name) {
        return newDeviceCode(name, System.currentTimeMillis() + 600_000);
    }

    String newDeviceCode(String name, long expiresAt) {
        IdentityKeyPair laptop = IdentityKeyPair.generate(rnd);
        Invite.ContactInbox inbox = new Invite.ContactInbox(InboxId.random(rnd),
                List.of(new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[]{2})), "127.0.0.1:2")));
        return LinkCodec.toCode(LinkCodec.create(laptop, new InMemoryPreKeyStore(laptop, rnd).bundle(false), inbox, name,
                expiresAt, rnd));
    }

    @Test
    void linkListAndUnlinkADeviceThroughTheApi() throws Exception {
        JsonObject solo = new JsonObject(call("GET", "/v1/devices", null).body());
        assertThat(solo.getString("role")).isIn("solo", "primary"); // the other test may have linked first
        int before = solo.getJsonArray("devices").size();

        String code = newDeviceCode("Laptop");
        int sentBefore = delivery.sentTo.size();
        HttpResponse<String> linked = call("POST", "/v1/devices", new JsonObject().put("code", code).encode());
        assertThat(linked.statusCode()).as(linked.body()).isEqualTo(201);
        JsonObject d = new JsonObject(linked.body());
        assertThat(d.getString("role")).isEqualTo("primary");
        JsonArray devices = d.getJsonArray("devices");
        assertThat(devices.size()).isEqualTo(Math.max(before, 1) + 1);
        JsonObject me = devices.getJsonObject(0), laptop = devices.getJsonObject(devices.size() - 1);
        assertThat(me.getBoolean("current")).isTrue();
        assertThat(me.getBoolean("primary")).isTrue();
        assertThat(laptop.getString("name")).isEqualTo("Laptop");
        assertThat(laptop.getLong("removedAt")).isZero();
        assertThat(laptop.getString("id")).matches("[0-9a-f]{32}");
        // the approval (and our card) went out to the new device's inbox
        assertThat(delivery.sentTo.size()).isGreaterThan(sentBefore);
        // the same code twice is refused (that device is in the list now)
        assertThat(call("POST", "/v1/devices", new JsonObject().put("code", code).encode()).statusCode()).isEqualTo(403);

        JsonObject listed = new JsonObject(call("GET", "/v1/devices", null).body());
        assertThat(listed).isEqualTo(d);

        HttpResponse<String> unlinked = call("DELETE", "/v1/devices/" + laptop.getString("id"), null);
        assertThat(unlinked.statusCode()).as(unlinked.body()).isEqualTo(200);
        JsonObject u = new JsonObject(unlinked.body());
        assertThat(u.getLong("version")).isEqualTo(d.getLong("version") + 1);
        JsonArray after = u.getJsonArray("devices");
        assertThat(after.getJsonObject(after.size() - 1).getLong("removedAt")).isPositive();
        // unlinking again, or the primary itself, fails; an unknown id is 404
        assertThat(call("DELETE", "/v1/devices/" + laptop.getString("id"), null).statusCode()).isEqualTo(404);
        assertThat(call("DELETE", "/v1/devices/" + me.getString("id"), null).statusCode()).isEqualTo(400);
        assertThat(call("DELETE", "/v1/devices/" + "0".repeat(32), null).statusCode()).isEqualTo(404);
        // the primary cannot become someone else's linked device
        assertThat(call("POST", "/v1/devices/link", new JsonObject().put("name", "x").encode()).statusCode()).isEqualTo(403);
    }

    @Test
    void badRequestsAreRefusedWithProblems() throws Exception {
        HttpResponse<String> invite = call("POST", "/v1/devices", new JsonObject().put("code", "parley://invite/AAAAAAAAAAAAAAAA").encode());
        assertThat(invite.statusCode()).isEqualTo(400); // not a link code: the contract's pattern
        HttpResponse<String> garbage = call("POST", "/v1/devices", new JsonObject().put("code", "parley://link/!!!!!!!!!!!!").encode());
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        HttpResponse<String> expired = call("POST", "/v1/devices", new JsonObject().put("code", newDeviceCode("Old", 1)).encode());
        assertThat(expired.statusCode()).isEqualTo(403);
        assertThat(new JsonObject(expired.body()).getString("detail")).contains("expired");
        HttpResponse<String> extra = call("POST", "/v1/devices", new JsonObject().put("code", newDeviceCode("T")).put("admin", true).encode());
        assertThat(extra.statusCode()).isEqualTo(400);
        assertThat(call("DELETE", "/v1/devices/not-hex", null).statusCode()).isEqualTo(400);
        // history: an integer 0..200
        for (Object bad : new Object[] {201, -1, "five"}) {
            HttpResponse<String> r = call("POST", "/v1/devices", new JsonObject().put("code", newDeviceCode("H")).put("history", bad).encode());
            assertThat(r.statusCode()).as(String.valueOf(bad)).isEqualTo(400);
        }
        HttpResponse<String> withHistory = call("POST", "/v1/devices", new JsonObject().put("code", newDeviceCode("With history")).put("history", 200).encode());
        assertThat(withHistory.statusCode()).as(withHistory.body()).isEqualTo(201);
        assertThat(new JsonObject(withHistory.body()).getJsonArray("devices").stream().map(o -> ((JsonObject) o).getString("name")))
                .contains("With history");
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/devices")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }

    @Test
    void theLinkCommandApprovesOnThePrimaryAndRefusesToMakeACodeThere() {
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        String tokenFile = dataDir.resolve(GatewayToken.FILE_NAME).toString();
        int code = org.parley.verticles.cli.ParleyCli.run(new String[]{"link", "--approve", newDeviceCode("Tablet"), "--gateway", base,
                "--token-file", tokenFile}, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("approved").contains("Tablet").contains("(this device)");
        java.io.StringWriter out2 = new java.io.StringWriter(), err2 = new java.io.StringWriter();
        int refused = org.parley.verticles.cli.ParleyCli.run(new String[]{"link", "--name", "x", "--wait", "1", "--gateway", base,
                "--token-file", tokenFile}, new java.io.PrintWriter(out2, true), new java.io.PrintWriter(err2, true));
        assertThat(refused).isEqualTo(org.parley.verticles.cli.ParleyCli.EXIT_USAGE);
        assertThat(err2.toString()).contains("403");
    }
}
