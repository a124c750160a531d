package org.parley.verticles.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.DeliveryMessage;
import org.parley.verticles.config.NodeConfig;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.verticles.gateway.GatewayFixture.json;
import static org.parley.verticles.gateway.GatewayFixture.send;

/** Every /v1 route over real HTTP on a real node (port 0) whose delivery is {@link FakeDelivery}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayApiIT {
    Path dir;
    GatewayFixture g;

    @BeforeAll
    void start(@TempDir Path d) throws Exception {
        dir = d;
        g = GatewayFixture.start(dir, "alice", false, 0);
    }

    @AfterAll
    void stop() throws Exception {
        if (g != null) g.close();
    }

    String newConversation(String name) throws Exception {
        HttpResponse<String> r = g.post("/v1/contacts", new JsonObject().put("invite", "parley://invite/" + name + "/xyzxyzxyz").put("name", name).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String contactId = json(r).getString("id");
        for (Object o : json(g.get("/v1/conversations")).getJsonArray("conversations")) {
            JsonObject c = (JsonObject) o;
            if (c.getJsonArray("members").contains(contactId)) return c.getString("id");
        }
        throw new AssertionError("no conversation for " + contactId);
    }

    @Test
    void tokenFileIsOwnerOnlyAndBase64url() throws Exception {
        Path f = dir.resolve("gateway.token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(Files.readString(f).trim()).matches("[A-Za-z0-9_-]{43}");
    }

    @Test
    void meQrNodeAndOpenEndpoints() throws Exception {
        JsonObject me = json(g.get("/v1/me"));
        assertThat(me.getString("displayName")).isEqualTo("alice");
        assertThat(me.getString("invite")).startsWith("parley://invite/alice/");

        HttpResponse<String> qr = g.get("/v1/me/qr.svg");
        assertThat(qr.statusCode()).isEqualTo(200);
        assertThat(qr.headers().firstValue("content-type")).contains("image/svg+xml");
        assertThat(qr.body()).startsWith("<svg").contains("<path").endsWith("</svg>");

        JsonObject node = json(g.get("/v1/node"));
        assertThat(node.getString("nodeId")).isEqualTo(g.node.nodeId().hex());
        assertThat(node.getString("version")).isEqualTo(ClientApi.VERSION);
        assertThat(node.getJsonArray("verticles")).hasSize(5);
        assertThat(node.getJsonArray("verticles").stream().map(o -> ((JsonObject) o).getString("state"))).containsOnly("UP");

        for (String open : List.of("/health", "/metrics", "/openapi.yaml", "/")) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(g.base + open)).GET());
            assertThat(r.statusCode()).as(open).isEqualTo(200);
        }
        assertThat(send(HttpRequest.newBuilder(URI.create(g.base + "/openapi.yaml")).GET()).body()).startsWith("openapi: 3.1.0");
        HttpResponse<String> ready = org.parley.verticles.node.Http.awaitOk(g.base + "/ready", 30_000);
        assertThat(ready.statusCode()).isEqualTo(200);
    }

    @Test
    void contactsConversationsMessagesReadAndGroups() throws Exception {
        String conv = newConversation("bob");
        assertThat(json(g.get("/v1/contacts")).getJsonArray("contacts").stream().map(o -> ((JsonObject) o).getString("name"))).contains("bob");

        HttpResponse<String> sent = g.post("/v1/conversations/" + conv + "/messages", "{\"text\":\"hello bob\"}");
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
        JsonObject m = json(sent);
        assertThat(m.getString("status")).isEqualTo("pending");
        assertThat(m.getString("text")).isEqualTo("hello bob");
        assertThat(m.getString("direction")).isEqualTo("out");
        assertThat(m.getString("id")).isNotBlank();
        g.post("/v1/conversations/" + conv + "/messages", "{\"text\":\"second\"}");

        JsonArray list = json(g.get("/v1/conversations/" + conv + "/messages?limit=10")).getJsonArray("messages");
        assertThat(list.stream().map(o -> ((JsonObject) o).getString("text"))).containsExactly("second", "hello bob");
        long newest = list.getJsonObject(0).getLong("sentAt");
        JsonArray older = json(g.get("/v1/conversations/" + conv + "/messages?before=" + newest + "&limit=1")).getJsonArray("messages");
        assertThat(older.stream().map(o -> ((JsonObject) o).getString("text"))).containsExactly("hello bob");
        ListMessagesSeen seen = new ListMessagesSeen();
        g.onFake(() -> seen.last = g.fake.requests.stream().filter(r -> r instanceof DeliveryMessage.ListMessages)
                .map(r -> (DeliveryMessage.ListMessages) r).reduce((a, b) -> b).orElseThrow());
        assertThat(seen.last.beforeMillis()).isEqualTo(newest);
        assertThat(seen.last.limit()).isEqualTo(1);

        HttpResponse<String> read = g.post("/v1/conversations/" + conv + "/read", new JsonObject().put("upTo", m.getString("id")).encode());
        assertThat(read.statusCode()).isEqualTo(204);

        String carol = json(g.post("/v1/contacts", "{\"invite\":\"parley://invite/carol/abcabcabc\",\"name\":\"carol\"}")).getString("id");
        String bob = json(g.get("/v1/contacts")).getJsonArray("contacts").stream().map(o -> (JsonObject) o)
                .filter(c -> c.getString("name").equals("bob")).findFirst().orElseThrow().getString("id");
        HttpResponse<String> group = g.post("/v1/groups", new JsonObject().put("name", "friends").put("members", new JsonArray().add(bob)).encode());
        assertThat(group.statusCode()).as(group.body()).isEqualTo(201);
        assertThat(json(group).getString("kind")).isEqualTo("group");
        String gid = json(group).getString("id");
        HttpResponse<String> changed = g.post("/v1/groups/" + gid + "/members",
                new JsonObject().put("add", new JsonArray().add(carol)).put("remove", new JsonArray().add(bob)).encode());
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(json(changed).getJsonArray("members").getList()).containsExactly(carol);
        assertThat(json(g.get("/v1/conversations")).getJsonArray("conversations").stream().map(o -> ((JsonObject) o).getString("id"))).contains(gid, conv);
    }

    @Test
    void removingAnAdminFlagIsADeleteThatReachesDeliveryAsAnAdminRoleRemoval() throws Exception {
        String bob = json(g.post("/v1/contacts", "{\"invite\":\"parley://invite/ivan/abcabcabc\",\"name\":\"ivan\"}")).getString("id");
        String gid = json(g.post("/v1/groups", new JsonObject().put("name", "admins").put("members", new JsonArray().add(bob)).encode())).getString("id");
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(g.base + "/v1/groups/" + gid + "/admins/" + bob))
                .header("Authorization", "Bearer " + g.token).DELETE());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).getString("id")).isEqualTo(gid);
        ChangeSeen seen = new ChangeSeen();
        g.onFake(() -> seen.last = g.fake.requests.stream().filter(x -> x instanceof DeliveryMessage.RemoveGroupAdmins)
                .map(x -> (DeliveryMessage.RemoveGroupAdmins) x).reduce((a, b) -> b).orElseThrow());
        assertThat(seen.last).isEqualTo(new DeliveryMessage.RemoveGroupAdmins(gid, List.of(bob)));
        // the contract: a bad contact id is 400 before delivery
        int before = countRequests();
        assertProblem(send(HttpRequest.newBuilder(URI.create(g.base + "/v1/groups/" + gid + "/admins/bad$id"))
                .header("Authorization", "Bearer " + g.token).DELETE()), 400, "contactId");
        assertThat(countRequests()).isEqualTo(before);
    }

    @Test
    void rotatingTheInvitesInboxAnswersWithTheNewLink() throws Exception {
        String before = json(g.get("/v1/me")).getString("invite");
        HttpResponse<String> r = g.post("/v1/inbox/rotate", "{\"invite\": true}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String link = json(r).getString("invite");
        assertThat(link).startsWith("parley://invite/").isNotEqualTo(before).isEqualTo(json(g.get("/v1/me")).getString("invite"));
        assertThat(json(r).getJsonArray("inboxes").getJsonObject(0).getString("contactId")).isEqualTo("invite");
        RotateSeen seen = new RotateSeen();
        g.onFake(() -> seen.last = g.fake.requests.stream().filter(x -> x instanceof DeliveryMessage.RotateInbox)
                .map(x -> (DeliveryMessage.RotateInbox) x).reduce((a, b) -> b).orElseThrow());
        assertThat(seen.last.contactId()).isEqualTo("invite");
        // not both at once, and the flag is a boolean: refused before delivery
        int before2 = countRequests();
        assertProblem(g.post("/v1/inbox/rotate", "{\"invite\": true, \"contactId\": \"abc\"}"), 400, "invite");
        assertProblem(g.post("/v1/inbox/rotate", "{\"invite\": \"yes\"}"), 400, "invite");
        assertThat(countRequests()).isEqualTo(before2);
        // without the flag the answer names no link
        HttpResponse<String> all = g.post("/v1/inbox/rotate", "{}");
        assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
        assertThat(json(all).containsKey("invite")).isFalse();
    }

    static final class RotateSeen {
        DeliveryMessage.RotateInbox last;
    }

    static final class ChangeSeen {
        DeliveryMessage.RemoveGroupAdmins last;
    }

    static final class ListMessagesSeen {
        DeliveryMessage.ListMessages last;
    }

    @Test
    void requestsThatDoNotMatchTheContractGet400NamingTheField() throws Exception {
        String conv = newConversation("dave");
        String path = "/v1/conversations/" + conv + "/messages";
        assertProblem(g.post(path, "{}"), 400, "text");
        assertProblem(g.post(path, "{\"text\": 5}"), 400, "text");
        assertProblem(g.post(path, "{\"text\": \"\"}"), 400, "text");
        assertProblem(g.post(path, "{\"text\": \"hi\", \"extra\": 1}"), 400, "extra");
        assertProblem(g.post(path, "not json"), 400, null);
        assertProblem(g.post("/v1/contacts", "{\"invite\": \"parley://invite/x/yyyyyy\", \"name\": \"\"}"), 400, "name");
        assertProblem(g.get(path + "?limit=0"), 400, "limit");
        assertProblem(g.get(path + "?limit=abc"), 400, "limit");
        assertProblem(g.get("/v1/conversations/bad$id/messages"), 400, "id");
        assertProblem(g.post("/v1/groups", "{\"name\": \"x\", \"members\": []}"), 400, "members");
        int before = countRequests();
        assertThat(countRequests()).isEqualTo(before);
        // what delivery refuses comes back with delivery's status
        assertProblem(g.post("/v1/contacts", "{\"invite\": \"https://evil.example/x\", \"name\": \"eve\"}"), 400, "invite");
        assertProblem(g.post("/v1/conversations/nope/messages", "{\"text\": \"hi\"}"), 404, "nope");
    }

    int countRequests() throws Exception {
        int[] n = new int[1];
        g.onFake(() -> n[0] = g.fake.requests.size());
        return n[0];
    }

    @Test
    void invalidBodiesNeverReachDelivery() throws Exception {
        String conv = newConversation("erin");
        int before = countRequests();
        assertThat(g.post("/v1/conversations/" + conv + "/messages", "{\"txt\": \"hi\"}").statusCode()).isEqualTo(400);
        assertThat(g.post("/v1/contacts", "{\"name\": \"x\"}").statusCode()).isEqualTo(400);
        assertThat(countRequests()).isEqualTo(before);
    }

    static void assertProblem(HttpResponse<String> r, int status, String mention) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).contains("application/problem+json");
        JsonObject p = new JsonObject(r.body());
        assertThat(p.getInteger("status")).isEqualTo(status);
        if (mention != null) assertThat(p.getString("detail") + " " + p.getString("field", "")).contains(mention);
    }

    @Test
    void everyV1RouteNeedsTheToken() throws Exception {
        List<String[]> routes = List.of(new String[]{"GET", "/v1/me"}, new String[]{"GET", "/v1/me/qr.svg"}, new String[]{"GET", "/v1/node"},
                new String[]{"GET", "/v1/contacts"}, new String[]{"POST", "/v1/contacts"}, new String[]{"GET", "/v1/conversations"},
                new String[]{"GET", "/v1/conversations/x/messages"}, new String[]{"POST", "/v1/conversations/x/messages"},
                new String[]{"POST", "/v1/conversations/x/read"}, new String[]{"POST", "/v1/groups"}, new String[]{"POST", "/v1/groups/x/members"},
                new String[]{"POST", "/v1/groups/x/admins"}, new String[]{"DELETE", "/v1/groups/x/admins/y"}, new String[]{"POST", "/v1/inbox/rotate"},
                new String[]{"GET", "/v1/events"}, new String[]{"GET", "/v1/nope"});
        for (String[] r : routes) {
            for (String auth : new String[]{null, "Bearer wrong-token-wrong-token", "Basic " + g.token}) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.base + r[1]))
                        .method(r[0], r[0].equals("POST") ? HttpRequest.BodyPublishers.ofString("{\"text\":\"x\"}") : HttpRequest.BodyPublishers.noBody())
                        .header("content-type", "application/json");
                if (auth != null) b.header("Authorization", auth);
                HttpResponse<String> resp = send(b);
                assertProblem(resp, 401, null);
                assertThat(resp.headers().firstValue("WWW-Authenticate")).as(r[1]).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            }
        }
    }

    @Test
    void unknownPathsAre404ProblemsAndNoCorsHeaderIsEverSent() throws Exception {
        assertProblem(g.get("/v1/nope"), 404, null);
        assertProblem(send(HttpRequest.newBuilder(URI.create(g.base + "/nope")).GET()), 404, null);
        HttpResponse<String> preflight = send(HttpRequest.newBuilder(URI.create(g.base + "/v1/me"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://evil.example")
                .header("Access-Control-Request-Method", "GET").header("Access-Control-Request-Headers", "authorization"));
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        HttpResponse<String> cross = send(HttpRequest.newBuilder(URI.create(g.base + "/v1/me")).header("Origin", "http://evil.example")
                .header("Authorization", "Bearer " + g.token).GET());
        assertThat(cross.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void bodiesOverTheLimitGet413() throws Exception {
        String conv = newConversation("frank");
        String big = "{\"text\":\"" + "a".repeat(70 * 1024) + "\"}";
        assertProblem(g.post("/v1/conversations/" + conv + "/messages", big), 413, null);
        assertThat(g.post("/v1/conversations/" + conv + "/messages", "{\"text\":\"small\"}").statusCode()).isEqualTo(202);
    }

    @Test
    void aTokenOverItsRateGets429WithRetryAfter(@TempDir Path other) throws Exception {
        try (GatewayFixture slow = GatewayFixture.start(NodeConfig.defaults().withGatewayLimits(1, 5, 65536), other, "zed", false, 0)) {
            List<Integer> codes = new ArrayList<>();
            HttpResponse<String> limited = null;
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = slow.get("/v1/me");
                codes.add(r.statusCode());
                if (r.statusCode() == 429) limited = r;
            }
            assertThat(codes.subList(0, 5)).containsOnly(200);
            assertThat(codes).contains(429);
            assertProblem(limited, 429, null);
            assertThat(limited.headers().firstValue("Retry-After")).isPresent();
            assertThat(send(HttpRequest.newBuilder(URI.create(slow.base + "/health")).GET()).statusCode()).isEqualTo(200);
        }
    }

    // ---- WebSocket ----

    String wsUrl(String query) {
        return g.base.replace("http://", "ws://") + "/v1/events" + (query == null ? "" : "?" + query);
    }

    long eventCount() throws Exception {
        long[] n = new long[1];
        g.onFake(() -> n[0] = g.fake.events.size());
        return n[0];
    }

    @Test
    void eventsReplayFromTheCursorThenGoLiveAndResumeAfterADisconnect() throws Exception {
        String conv = newConversation("gina");
        long start = eventCount();
        GatewayFixture.Ws ws = GatewayFixture.Ws.open(wsUrl("cursor=0"), g.token);
        JsonObject hello = ws.next();
        assertThat(hello.getString("type")).isEqualTo("hello");
        assertThat(hello.getLong("cursor")).isEqualTo(0L);
        for (long c = 1; c <= start; c++) assertThat(ws.next().getLong("cursor")).isEqualTo(c);

        g.post("/v1/conversations/" + conv + "/messages", "{\"text\":\"live one\"}");
        JsonObject live = ws.next();
        assertThat(live.getString("type")).isEqualTo("message");
        assertThat(live.getLong("cursor")).isEqualTo(start + 1);
        assertThat(live.getJsonObject("message").getString("text")).isEqualTo("live one");
        assertThat(live.getJsonObject("message").getString("status")).isEqualTo("pending");
        String mid = live.getJsonObject("message").getString("id");
        g.onFake(() -> g.fake.status(mid, "sent", List.of("hops=3")));
        JsonObject tick = ws.next();
        assertThat(tick.getString("type")).isEqualTo("status");
        assertThat(tick.getJsonObject("message").getString("status")).isEqualTo("sent");
        long seen = tick.getLong("cursor");
        ws.close();
        ws.closed.get(5, TimeUnit.SECONDS);

        // away: three events happen
        g.post("/v1/conversations/" + conv + "/messages", "{\"text\":\"while away\"}");
        g.onFake(() -> g.fake.status(mid, "delivered", List.of("hops=3")));
        g.onFake(() -> g.fake.incoming(conv, "reply"));

        GatewayFixture.Ws back = GatewayFixture.Ws.open(wsUrl("cursor=" + seen), g.token);
        assertThat(back.next().getLong("cursor")).isEqualTo(seen);
        JsonObject a = back.next();
        JsonObject b = back.next();
        JsonObject c = back.next();
        assertThat(List.of(a.getLong("cursor"), b.getLong("cursor"), c.getLong("cursor"))).containsExactly(seen + 1, seen + 2, seen + 3);
        assertThat(a.getJsonObject("message").getString("text")).isEqualTo("while away");
        assertThat(b.getJsonObject("message").getString("status")).isEqualTo("delivered");
        assertThat(c.getJsonObject("message").getString("direction")).isEqualTo("in");
        assertThat(back.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();
        back.close();
    }

    @Test
    void noEventIsLostOrRepeatedWhenConnectingWhileEventsPourIn() throws Exception {
        String conv = newConversation("hank");
        g.onFake(() -> g.fake.incoming(conv, "seed"));
        String mid = json(g.post("/v1/conversations/" + conv + "/messages", "{\"text\":\"x\"}")).getString("id");
        int burst = 600;
        java.util.concurrent.CountDownLatch burstDone = new java.util.concurrent.CountDownLatch(1);
        // the fake publishes one event per millisecond while the client connects and pages (EventStream.PAGE = 200)
        g.onFake(() -> {
            long[] left = {burst};
            g.fake.ctx().owner().setPeriodic(1, t -> {
                if (left[0]-- <= 0) {
                    g.fake.ctx().owner().cancelTimer(t);
                    burstDone.countDown();
                    return;
                }
                g.fake.status(mid, left[0] % 2 == 0 ? "sent" : "delivered", List.of());
            });
        });
        Thread.sleep(50);
        GatewayFixture.Ws ws = GatewayFixture.Ws.open(wsUrl("cursor=0"), g.token);
        assertThat(ws.next().getString("type")).isEqualTo("hello");
        long deadline = System.currentTimeMillis() + 20_000;
        long expected = 1;
        while (System.currentTimeMillis() < deadline) {
            // stop only once the burst is over and every event counted so far has arrived
            boolean over = burstDone.getCount() == 0;
            long total = eventCount();
            if (over && expected > total) break;
            String f = ws.frames.poll(200, TimeUnit.MILLISECONDS);
            if (f == null) continue;
            assertThat(new JsonObject(f).getLong("cursor")).isEqualTo(expected);
            expected++;
        }
        assertThat(expected - 1).isEqualTo(eventCount());
        ws.close();
    }

    @Test
    void browsersAuthenticateTheWebSocketWithTheFirstFrame() throws Exception {
        long start = eventCount();
        GatewayFixture.Ws ws = GatewayFixture.Ws.open(wsUrl(null), null);
        ws.socket.sendText(new JsonObject().put("token", g.token).put("cursor", Math.max(0, start - 1)).encode(), true);
        JsonObject hello = ws.next();
        assertThat(hello.getString("type")).isEqualTo("hello");
        if (start > 0) assertThat(ws.next().getLong("cursor")).isEqualTo(start);
        ws.close();

        GatewayFixture.Ws wrong = GatewayFixture.Ws.open(wsUrl(null), null);
        wrong.socket.sendText("{\"token\":\"nope\"}", true);
        assertThat(wrong.closed.get(10, TimeUnit.SECONDS)).isEqualTo((int) EventStream.CLOSE_UNAUTHORIZED);
        assertThat(wrong.frames).isEmpty();
    }

    @Test
    void aWebSocketFromAnotherOriginIsRefused() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(g.base + "/v1/events")).header("Authorization", "Bearer " + g.token)
                .header("Origin", "http://evil.example").GET());
        // plain GET (no upgrade) is refused too
        assertThat(r.statusCode()).isIn(400, 403);
        assertThat(EventStream.sameOrigin("http://127.0.0.1:8080", "127.0.0.1:8080")).isTrue();
        assertThat(EventStream.sameOrigin("http://evil.example", "127.0.0.1:8080")).isFalse();
    }
}
