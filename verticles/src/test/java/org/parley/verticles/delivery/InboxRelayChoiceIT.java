package org.parley.verticles.delivery;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.time.Clock;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.invite.InviteCodec;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.gateway.GatewayToken;
import org.parley.verticles.node.Node;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new account's inboxes stay at the relays picked at its first start. One picked while only one
 * relay was known left the user unreachable once that relay died (NetnsFaultIT: bob's only inbox
 * relay was the seed). A first start now waits a little for a second relay.
 */
@Tag("testnet")
class InboxRelayChoiceIT {
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

    Node start(Path dir, EnumSet<Concern> only, String name) throws Exception {
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0).withDistinctSubnets(false)
                .withCluster(false, 5701, List.of(), only).withDelivery(name, 3600, true, List.of());
        Node n = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        nodes.add(n);
        n.vertx().eventBus().<DiscoveryMessage.RelayQuery>consumer(Addresses.DISCOVERY_RELAYS,
                m -> m.reply(new DiscoveryMessage.RelayList(List.copyOf(directory))));
        return n;
    }

    DiscoveryMessage.RelayInfo relay(Path dir) throws Exception {
        Node r = start(dir, EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.GATEWAY), "");
        RoutingMessage.SelfDescriptor self = r.vertx().eventBus().<RoutingMessage.SelfDescriptor>request(Addresses.ROUTING_SELF,
                new RoutingMessage.DescribeSelf()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
        return new DiscoveryMessage.RelayInfo(self.nodeId(), self.address(), self.onionKey(), "", 100, true, true);
    }

    @Test
    void aFirstStartWaitsForASecondInboxRelay(@TempDir Path dir) throws Exception {
        directory.add(relay(dir.resolve("relay0")));
        DiscoveryMessage.RelayInfo second = relay(dir.resolve("relay1"));
        Node user = start(dir.resolve("user"), EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.DELIVERY, Concern.GATEWAY), "Ursula");
        Thread.sleep(3_000); // the second relay shows up in discovery a few seconds after the user started
        directory.add(second);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String token = GatewayToken.read(dir.resolve("user").resolve(GatewayToken.FILE_NAME)).value();
        HttpRequest me = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + user.gatewayPort() + "/v1/me"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> r = null;
        long end = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < end) {
            r = http.send(me, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) break;
            Thread.sleep(200);
        }
        assertThat(r).isNotNull();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Invite invite = InviteCodec.parse(new JsonObject(r.body()).getString("invite"), Clock.system());
        assertThat(invite.inbox().relays()).as("inbox relays of the new account").hasSize(2);
    }
}
