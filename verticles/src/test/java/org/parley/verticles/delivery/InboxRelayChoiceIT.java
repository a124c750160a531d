package org.parley.verticles.delivery;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.time.Clock;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.invite.InviteCodec;
import org.parley.verticles.gateway.GatewayToken;
import org.parley.verticles.node.Node;
import org.parley.verticles.testing.FixedDirectoryNet;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new account's inboxes stay at the relays picked at its first start. One picked while only one
 * relay was known left the user unreachable once that relay died (NetnsFaultIT: bob's only inbox
 * relay was the seed). A first start now waits a little for a second relay.
 */
@Tag("testnet")
class InboxRelayChoiceIT {
    final FixedDirectoryNet net = new FixedDirectoryNet();

    @AfterEach
    void stopAll() {
        net.close();
    }

    @Test
    void aFirstStartWaitsForASecondInboxRelay(@TempDir Path dir) throws Exception {
        net.relays(dir.resolve("relays"), 2);
        DiscoveryMessage.RelayInfo second = net.directory.remove(1); // known to discovery only later
        Node user = net.start(dir.resolve("user"), FixedDirectoryNet.USER, "Ursula");
        Thread.sleep(3_000); // the second relay shows up in discovery a few seconds after the user started
        net.directory.add(second);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String token = GatewayToken.read(dir.resolve("user").resolve(GatewayToken.FILE_NAME)).value();
        HttpRequest me = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + user.gatewayPort() + "/v1/me"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String>[] r = new HttpResponse[1];
        FixedDirectoryNet.await(() -> {
            try {
                r[0] = http.send(me, HttpResponse.BodyHandlers.ofString());
                return r[0].statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }, 60_000);
        Invite invite = InviteCodec.parse(new JsonObject(r[0].body()).getString("invite"), Clock.system());
        assertThat(invite.inbox().relays()).as("inbox relays of the new account").hasSize(2);
    }
}
