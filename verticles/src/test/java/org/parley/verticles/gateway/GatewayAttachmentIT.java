package org.parley.verticles.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.verticles.node.Node;
import org.parley.verticles.testing.FixedDirectoryNet;
import org.parley.verticles.testing.GatewayClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attachments through the gateway on real nodes: four relays and two users over TLS circuits.
 * Alice uploads 1.5 MiB (streamed) over REST, posts it in a message; Bob's node receives the
 * chunks through his inbox relays, checks them, and his gateway serves the same bytes. Also the
 * refusals: 413 past the limit, 400 for bad bodies and ids, 404 for unknown ones, 409 for an
 * attachment not received yet or never checked.
 */
@Tag("testnet")
class GatewayAttachmentIT {
    static final HttpClient HTTP = GatewayClient.HTTP;
    final FixedDirectoryNet net = new FixedDirectoryNet();
    final List<DiscoveryMessage.RelayInfo> directory = net.directory;

    @AfterEach
    void stopAll() {
        net.close();
    }

    static final class User extends GatewayClient {
        User(String base, String token) {
            super(base, token);
        }
    }

    Node start(Path dir, EnumSet<Concern> only, String name) throws Exception {
        return net.start(dir, only, name);
    }

    User user(Path dir, String name) throws Exception {
        Node n = start(dir, EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.DELIVERY, Concern.GATEWAY), name);
        return new User("http://127.0.0.1:" + n.gatewayPort(), GatewayToken.read(dir.resolve(GatewayToken.FILE_NAME)).value());
    }

    static void await(BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(100);
        assertThat(c.getAsBoolean()).isTrue();
    }

    static boolean ready(User u) {
        try {
            return u.get("/v1/me").statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /** Bob's incoming message with an attachment, or null. */
    static JsonObject incomingWithFile(User u) {
        try {
            HttpResponse<String> r = u.get("/v1/conversations");
            for (Object c : new JsonObject(r.body()).getJsonArray("conversations")) {
                String id = ((JsonObject) c).getString("id");
                for (Object o : new JsonObject(u.get("/v1/conversations/" + id + "/messages?limit=20").body()).getJsonArray("messages")) {
                    JsonObject m = (JsonObject) o;
                    if (m.getString("direction").equals("in") && !m.getJsonArray("attachments").isEmpty()) return m;
                }
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }

    @Test
    void alicesUploadReachesBobByteExactAndEveryRefusalHasItsStatus(@TempDir Path dir) throws Exception {
        net.relays(dir, 4);
        User alice = user(dir.resolve("alice"), "Alice");
        User bob = user(dir.resolve("bob"), "Bob");
        await(() -> ready(alice) && ready(bob), 60_000);
        HttpResponse<String> added = alice.post("/v1/contacts", new JsonObject().put("invite",
                new JsonObject(bob.get("/v1/me").body()).getString("invite")).put("name", "Bob"));
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        String conv = new JsonObject(added.body()).getString("id");

        byte[] data = new byte[3 * 512 * 1024 + 123];
        new Random(9).nextBytes(data);
        HttpResponse<String> up = alice.upload("holiday.jpg", "image/jpeg", data);
        assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
        JsonObject att = new JsonObject(up.body());
        assertThat(att.getString("status")).isEqualTo("ready");
        assertThat(att.getLong("size")).isEqualTo(data.length);
        assertThat(att.getString("mime")).isEqualTo("image/jpeg");
        // the sender reads its own upload back, byte for byte
        HttpResponse<byte[]> own = alice.download(att.getString("id"));
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(Arrays.equals(own.body(), data)).isTrue();

        HttpResponse<String> posted = alice.post("/v1/conversations/" + conv + "/messages",
                new JsonObject().put("text", "").put("attachments", new JsonArray().add(att.getString("id"))));
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
        assertThat(new JsonObject(posted.body()).getJsonArray("attachments").getJsonObject(0).getString("name")).isEqualTo("holiday.jpg");

        // generous bounds: on a loaded 2-core CI box, 26 chunks and their receipts take their time
        await(() -> incomingWithFile(bob) != null, 120_000);
        JsonObject got = incomingWithFile(bob).getJsonArray("attachments").getJsonObject(0);
        String bobId = got.getString("id");
        HttpResponse<byte[]> early = bob.download(bobId);
        if (early.statusCode() == 409) {
            assertThat(new String(early.body())).contains("receiving"); // not exposed before the check
        } else {
            assertThat(early.statusCode()).isEqualTo(200);
        }
        await(() -> "received".equals(incomingWithFile(bob).getJsonArray("attachments").getJsonObject(0).getString("status")), 120_000);
        HttpResponse<byte[]> file = bob.download(bobId);
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValue("content-type")).contains("image/jpeg");
        assertThat(file.headers().firstValue("content-disposition").orElse("")).contains("holiday.jpg");
        assertThat(Arrays.equals(file.body(), data)).as("bob's copy is byte-exact").isTrue();
        await(() -> {
            try {
                for (Object o : new JsonObject(alice.get("/v1/conversations/" + conv + "/messages?limit=5").body()).getJsonArray("messages")) {
                    JsonArray a = ((JsonObject) o).getJsonArray("attachments");
                    if (!a.isEmpty() && a.getJsonObject(0).getString("status").equals("sent")) return true;
                }
            } catch (Exception e) {
                return false;
            }
            return false;
        }, 120_000);

        // refusals
        assertThat(alice.upload("big.bin", "application/octet-stream", new byte[16 * 1024 * 1024 + 1]).statusCode()).isEqualTo(413);
        assertThat(alice.download("0123456789abcdef0123456789abcdef").statusCode()).isEqualTo(404);
        assertThat(alice.download("not-hex").statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = alice.post("/v1/conversations/" + conv + "/messages",
                new JsonObject().put("text", "x").put("attachments", new JsonArray().add("00112233445566778899aabbccddeeff")));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(alice.post("/v1/conversations/" + conv + "/messages", new JsonObject().put("text", "")).statusCode()).isEqualTo(400);
        assertThat(alice.post("/v1/conversations/" + conv + "/messages", new JsonObject().put("text", "x").put("attachments", "nope"))
                .statusCode()).isEqualTo(400);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(alice.base() + "/v1/attachments")).POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }
}
