package org.parley.verticles.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.time.Clock;
import org.parley.delivery.invite.InviteCodec;
import org.parley.verticles.node.Node;
import org.parley.verticles.testing.FixedDirectoryNet;
import org.parley.verticles.testing.GatewayClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.verticles.testing.FixedDirectoryNet.await;

/**
 * Group admins, per-member status and inbox rotation through the gateway, on real nodes: four
 * relays and three users (Alice, Bob, Carol) over TLS circuits. Alice makes a group of Bob and
 * Carol; a group message shows each member's status; Carol (no admin) is refused; Alice makes Bob
 * an admin and Bob removes Carol, which every member applies. Alice moves her inbox for Bob and
 * Bob's next message still reaches her; too many moves in a row are refused with 429. Admin flags
 * are removed with DELETE: not by a non-admin, not the last admin's nor the creator's; once Alice
 * clears Bob's, Bob's holds it too and his changes are refused. Alice moves her invite's inbox and
 * gets a new link.
 */
@Tag("testnet")
class GatewayGroupAdminIT {
    static final HttpClient HTTP = GatewayClient.HTTP;
    final FixedDirectoryNet net = new FixedDirectoryNet();

    @AfterEach
    void stopAll() {
        net.close();
    }

    static final class User extends GatewayClient {
        User(String base, String token) {
            super(base, token);
        }

        boolean ready() {
            try {
                return get("/v1/me").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }

        /** Contact ids by name. */
        Map<String, String> contacts() {
            Map<String, String> out = new HashMap<>();
            try {
                for (Object o : ok("/v1/contacts").getJsonArray("contacts")) out.put(((JsonObject) o).getString("name"), ((JsonObject) o).getString("id"));
            } catch (Exception e) {
                return Map.of();
            }
            return out;
        }

        JsonObject conversation(String id) {
            try {
                for (Object o : ok("/v1/conversations").getJsonArray("conversations")) {
                    if (((JsonObject) o).getString("id").equals(id)) return (JsonObject) o;
                }
            } catch (Exception e) {
                return null;
            }
            return null;
        }

        JsonObject message(String conv, String id) {
            try {
                for (Object o : ok("/v1/conversations/" + conv + "/messages?limit=50").getJsonArray("messages")) {
                    if (((JsonObject) o).getString("id").equals(id)) return (JsonObject) o;
                }
            } catch (Exception e) {
                return null;
            }
            return null;
        }

        HttpResponse<String> delete(String path) throws Exception {
            return HTTP.send(req(path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        }

        List<String> texts(String conv) throws Exception {
            return ok("/v1/conversations/" + conv + "/messages?limit=50").getJsonArray("messages").stream()
                    .map(o -> ((JsonObject) o).getString("text")).toList();
        }
    }

    User user(Path dir, String name) throws Exception {
        Node n = net.start(dir, FixedDirectoryNet.USER, name);
        return new User("http://127.0.0.1:" + n.gatewayPort(), GatewayToken.read(dir.resolve(GatewayToken.FILE_NAME)).value());
    }

    static void connect(User a, User b, String bName) throws Exception {
        String invite = b.ok("/v1/me").getString("invite");
        HttpResponse<String> r = a.post("/v1/contacts", new JsonObject().put("invite", invite).put("name", bName));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    static List<Object> list(JsonObject o, String field) {
        JsonArray a = o == null ? null : o.getJsonArray(field);
        return a == null ? List.of() : a.getList();
    }

    @Test
    void adminsPerMemberStatusAndInboxRotation(@TempDir Path dir) throws Exception {
        net.relays(dir, 4);
        User alice = user(dir.resolve("alice"), "Alice");
        User bob = user(dir.resolve("bob"), "Bob");
        User carol = user(dir.resolve("carol"), "Carol");
        await(() -> alice.ready() && bob.ready() && carol.ready(), 60_000);
        connect(alice, bob, "Bob");
        connect(alice, carol, "Carol");
        connect(bob, carol, "Carol");
        await(() -> alice.contacts().size() == 2 && bob.contacts().size() == 2 && carol.contacts().size() == 2, 90_000);
        Map<String, String> ofAlice = alice.contacts(), ofBob = bob.contacts(), ofCarol = carol.contacts();
        String aliceUser = alice.ok("/v1/me").getString("userId"), bobUser = bob.ok("/v1/me").getString("userId");

        // a group; every member holds it
        HttpResponse<String> made = alice.post("/v1/groups", new JsonObject().put("name", "trio")
                .put("members", new JsonArray().add(ofAlice.get("Bob")).add(ofAlice.get("Carol"))));
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String gid = new JsonObject(made.body()).getString("id");
        assertThat(list(new JsonObject(made.body()), "admins")).containsExactly(aliceUser);
        await(() -> list(bob.conversation(gid), "members").size() == 2 && list(carol.conversation(gid), "members").size() == 2, 90_000);

        // a group message: one status per member, each reaching delivered; the message's status as before
        HttpResponse<String> sent = alice.post("/v1/conversations/" + gid + "/messages", new JsonObject().put("text", "to both"));
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
        JsonObject m0 = new JsonObject(sent.body());
        assertThat(m0.getString("status")).isEqualTo("pending");
        assertThat(list(m0, "members")).hasSize(2);
        String mid = m0.getString("id");
        await(() -> "delivered".equals(alice.message(gid, mid) == null ? null : alice.message(gid, mid).getString("status")), 120_000);
        JsonObject m1 = alice.message(gid, mid);
        Map<String, String> perMember = new HashMap<>();
        for (Object o : m1.getJsonArray("members")) perMember.put(((JsonObject) o).getString("contact"), ((JsonObject) o).getString("status"));
        assertThat(perMember).containsOnlyKeys(ofAlice.get("Bob"), ofAlice.get("Carol")).containsValues("delivered");
        // a direct message has no members field
        HttpResponse<String> direct = alice.post("/v1/conversations/" + ofAlice.get("Bob") + "/messages", new JsonObject().put("text", "just you"));
        assertThat(new JsonObject(direct.body()).containsKey("members")).isFalse();

        // carol is no admin: refused both ways
        HttpResponse<String> notAdmin = carol.post("/v1/groups/" + gid + "/members", new JsonObject().put("remove", new JsonArray().add(ofCarol.get("Bob"))));
        assertThat(notAdmin.statusCode()).as(notAdmin.body()).isEqualTo(403);
        HttpResponse<String> notAdmin2 = carol.post("/v1/groups/" + gid + "/admins", new JsonObject().put("add", new JsonArray().add(ofCarol.get("Bob"))));
        assertThat(notAdmin2.statusCode()).as(notAdmin2.body()).isEqualTo(403);
        HttpResponse<String> notAdmin3 = carol.delete("/v1/groups/" + gid + "/admins/" + ofCarol.get("Alice"));
        assertThat(notAdmin3.statusCode()).as(notAdmin3.body()).isEqualTo(403);
        // alice is the last admin: she cannot step down
        HttpResponse<String> last = alice.delete("/v1/groups/" + gid + "/admins/" + aliceUser);
        assertThat(last.statusCode()).as(last.body()).isEqualTo(403);
        assertThat(alice.post("/v1/groups/" + gid + "/admins", new JsonObject().put("add", new JsonArray())).statusCode()).isEqualTo(400);

        // alice makes bob an admin; bob removes carol; every member applies it
        HttpResponse<String> promoted = alice.post("/v1/groups/" + gid + "/admins", new JsonObject().put("add", new JsonArray().add(ofAlice.get("Bob"))));
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        assertThat(list(new JsonObject(promoted.body()), "admins")).containsExactlyInAnyOrder(aliceUser, ofAlice.get("Bob"));
        await(() -> list(bob.conversation(gid), "admins").contains(bobUser), 90_000);
        HttpResponse<String> removed = bob.post("/v1/groups/" + gid + "/members", new JsonObject().put("remove", new JsonArray().add(ofBob.get("Carol"))));
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
        assertThat(list(new JsonObject(removed.body()), "members")).containsExactly(ofBob.get("Alice"));
        await(() -> list(alice.conversation(gid), "members").equals(List.of(ofAlice.get("Bob"))) && carol.conversation(gid) != null
                && list(carol.conversation(gid), "members").isEmpty(), 90_000);

        // bob may not clear the creator's flag; alice clears bob's, every member applies it, and bob's changes are refused
        HttpResponse<String> creator = bob.delete("/v1/groups/" + gid + "/admins/" + ofBob.get("Alice"));
        assertThat(creator.statusCode()).as(creator.body()).isEqualTo(403);
        HttpResponse<String> demoted = alice.delete("/v1/groups/" + gid + "/admins/" + ofAlice.get("Bob"));
        assertThat(demoted.statusCode()).as(demoted.body()).isEqualTo(200);
        assertThat(list(new JsonObject(demoted.body()), "admins")).containsExactly(aliceUser);
        assertThat(list(new JsonObject(demoted.body()), "members")).containsExactly(ofAlice.get("Bob"));
        await(() -> bob.conversation(gid) != null && list(bob.conversation(gid), "admins").equals(List.of(ofBob.get("Alice"))), 90_000);
        HttpResponse<String> noLonger = bob.post("/v1/groups/" + gid + "/members", new JsonObject().put("add", new JsonArray().add(ofBob.get("Carol"))));
        assertThat(noLonger.statusCode()).as(noLonger.body()).isEqualTo(403);
        assertThat(alice.delete("/v1/groups/" + gid + "/admins/nobody").statusCode()).isEqualTo(400);

        // inbox rotation: 401 without the token, 404 for an unknown contact, then a move for bob
        HttpResponse<String> noToken = HTTP.send(HttpRequest.newBuilder(URI.create(alice.base() + "/v1/inbox/rotate"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(alice.post("/v1/inbox/rotate", new JsonObject().put("contactId", "nobody")).statusCode()).isEqualTo(404);
        HttpResponse<String> moved = alice.post("/v1/inbox/rotate", new JsonObject().put("contactId", ofAlice.get("Bob")));
        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
        JsonArray inboxes = new JsonObject(moved.body()).getJsonArray("inboxes");
        assertThat(inboxes).hasSize(1);
        assertThat(inboxes.getJsonObject(0).getString("contactId")).isEqualTo(ofAlice.get("Bob"));
        assertThat(inboxes.getJsonObject(0).getString("inboxId")).matches("[0-9a-f]{32,64}");
        assertThat(inboxes.getJsonObject(0).getJsonArray("relays")).isNotEmpty();
        // bob's next message reaches alice
        HttpResponse<String> back = bob.post("/v1/conversations/" + ofBob.get("Alice") + "/messages", new JsonObject().put("text", "after the move"));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(202);
        await(() -> {
            try {
                return alice.texts(ofAlice.get("Bob")).contains("after the move");
            } catch (Exception e) {
                return false;
            }
        }, 120_000);
        // every contact at once (no body), then bob's inbox until 4 old ones are still being read: 429, nothing moves
        HttpResponse<String> all = alice.post("/v1/inbox/rotate", null);
        assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
        assertThat(new JsonObject(all.body()).getJsonArray("inboxes")).hasSize(2);
        for (int i = 0; i < 2; i++) assertThat(alice.post("/v1/inbox/rotate", new JsonObject().put("contactId", ofAlice.get("Bob"))).statusCode()).isEqualTo(200);
        HttpResponse<String> tooMany = alice.post("/v1/inbox/rotate", new JsonObject().put("contactId", ofAlice.get("Bob")));
        assertThat(tooMany.statusCode()).as(tooMany.body()).isEqualTo(429);
        assertThat(alice.post("/v1/inbox/rotate", null).statusCode()).isEqualTo(429);
        assertThat(alice.post("/v1/inbox/rotate", new JsonObject().put("contactId", ofAlice.get("Carol"))).statusCode()).isEqualTo(200);

        // the invite's own inbox: a new link (same user), which /v1/me names from then on; not together with a contact
        String oldLink = alice.ok("/v1/me").getString("invite");
        HttpResponse<String> revoked = alice.post("/v1/inbox/rotate", new JsonObject().put("invite", true));
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        JsonObject rj = new JsonObject(revoked.body());
        // links carry their expiry (made per request): compare the inbox and identity they name
        org.parley.delivery.invite.Invite was = InviteCodec.parse(oldLink, Clock.system());
        org.parley.delivery.invite.Invite now = InviteCodec.parse(rj.getString("invite"), Clock.system());
        assertThat(now.inbox().id()).isNotEqualTo(was.inbox().id());
        assertThat(now.bundle().identity()).isEqualTo(was.bundle().identity());
        assertThat(InviteCodec.parse(alice.ok("/v1/me").getString("invite"), Clock.system()).inbox().id()).isEqualTo(now.inbox().id());
        assertThat(rj.getJsonArray("inboxes")).hasSize(1);
        assertThat(rj.getJsonArray("inboxes").getJsonObject(0).getString("contactId")).isEqualTo("invite");
        assertThat(alice.ok("/v1/me").getString("userId")).isEqualTo(aliceUser);
        assertThat(alice.post("/v1/inbox/rotate", new JsonObject().put("invite", true).put("contactId", ofAlice.get("Bob"))).statusCode()).isEqualTo(400);
    }
}
