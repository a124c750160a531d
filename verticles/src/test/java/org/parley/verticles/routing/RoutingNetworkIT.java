package org.parley.verticles.routing;

import io.vertx.core.eventbus.ReplyException;
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
import org.parley.verticles.node.Node;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Twelve real nodes in this JVM (ten relays, two users) over TLS links on loopback. The relay
 * directory is a fixed list served by a test consumer in place of discovery (tested on its own);
 * the recipient's delivery is a test consumer that records envelopes. Everything else is the
 * production path: routing verticle, circuits, ntor v3, CGO, inbox relay, storage verticle, RocksDB.
 */
@Tag("testnet")
class RoutingNetworkIT {
    static final int RELAYS = 10;
    final List<Node> nodes = new ArrayList<>();
    final List<DiscoveryMessage.RelayInfo> directory = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (Node n : nodes) {
            try {
                n.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // already stopped (killed in a test)
            }
        }
    }

    Node start(Path dir, EnumSet<Concern> only) throws Exception {
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0).withDistinctSubnets(false)
                .withCluster(false, 5701, List.of(), only);
        Node n = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        nodes.add(n);
        // stands in for discovery: the fixed directory of this test
        n.vertx().eventBus().<DiscoveryMessage.RelayQuery>consumer(Addresses.DISCOVERY_RELAYS,
                m -> m.reply(new DiscoveryMessage.RelayList(List.copyOf(directory))));
        return n;
    }

    static <T> T ask(Node n, String address, Object body) throws Exception {
        return n.vertx().eventBus().<T>request(address, body, new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(20_000))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
    }

    static RoutingMessage.Hop hop(DiscoveryMessage.RelayInfo r) {
        return new RoutingMessage.Hop(r.nodeId(), r.address(), r.onionKey());
    }

    record Inbound(RoutingMessage.InboundEnvelope envelope) {}

    /** A recipient whose delivery verticle is a recorder. */
    List<RoutingMessage.InboundEnvelope> recorder(Node n) {
        List<RoutingMessage.InboundEnvelope> got = new CopyOnWriteArrayList<>();
        n.vertx().eventBus().<RoutingMessage.InboundEnvelope>consumer(Addresses.DELIVERY_INBOUND, m -> {
            got.add(m.body());
            m.reply("durable");
        });
        return got;
    }

    void awaitDirectory(Node n) throws InterruptedException {
        await(() -> n.registry().find("parley.routing.relays.known").gauge() != null
                && n.registry().find("parley.routing.relays.known").gauge().value() == directory.size(), 10_000);
    }

    static void await(java.util.function.BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(20);
        assertThat(c.getAsBoolean()).isTrue();
    }

    @Test
    void envelopesCrossCircuitsToInboxRelaysOnlineOfflineAndAroundADeadRelay(@TempDir Path dir) throws Exception {
        EnumSet<Concern> relayOnly = EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.GATEWAY);
        List<Node> relays = new ArrayList<>();
        for (int i = 0; i < RELAYS; i++) {
            Node r = start(dir.resolve("relay" + i), relayOnly);
            relays.add(r);
            RoutingMessage.SelfDescriptor self = ask(r, Addresses.ROUTING_SELF, new RoutingMessage.DescribeSelf());
            directory.add(new DiscoveryMessage.RelayInfo(self.nodeId(), self.address(), self.onionKey(), "", 100, true, true));
        }
        Node alice = start(dir.resolve("alice"), relayOnly);
        Node bob = start(dir.resolve("bob"), relayOnly);
        List<RoutingMessage.InboundEnvelope> aliceGot = recorder(alice);
        awaitDirectory(alice);
        awaitDirectory(bob);

        DiscoveryMessage.RelayInfo inboxRelay = directory.get(RELAYS - 1);
        Bytes inbox = Bytes.wrap(new SecureRandom().generateSeed(16));
        Bytes authSeed = Bytes.wrap(new SecureRandom().generateSeed(32));
        RoutingMessage.InboxOpened opened = ask(alice, Addresses.ROUTING_OPEN_INBOX,
                new RoutingMessage.OpenInbox(hop(inboxRelay), inbox, authSeed, 3));
        assertThat(opened.path()).hasSize(3).endsWith(inboxRelay.nodeId());

        // 1-4 hop circuits from bob to alice's inbox relay; each answer is STORED, each envelope arrives byte-exact
        for (int hops = 1; hops <= 4; hops++) {
            byte[] body = new byte[hops == 4 ? 3000 : 200 * hops];
            new SecureRandom().nextBytes(body);
            Bytes messageId = Bytes.wrap(new SecureRandom().generateSeed(16));
            RoutingMessage.SendResult r = ask(bob, Addresses.ROUTING_SEND,
                    new RoutingMessage.SendEnvelope(hop(inboxRelay), inbox, messageId, Bytes.of(body), hops));
            assertThat(r.outcome()).isEqualTo("STORED");
            assertThat(r.path()).hasSize(hops).endsWith(inboxRelay.nodeId()).doesNotHaveDuplicates();
            int expected = hops;
            await(() -> aliceGot.size() == expected, 20_000);
            assertThat(aliceGot.get(hops - 1).messageId()).isEqualTo(messageId);
            assertThat(aliceGot.get(hops - 1).envelope()).isEqualTo(Bytes.of(body));
        }
        // the sender's path and the recipient's path are different circuits: no relay but the inbox relay is on both
        RoutingMessage.SendResult again = ask(bob, Addresses.ROUTING_SEND, new RoutingMessage.SendEnvelope(hop(inboxRelay), inbox,
                Bytes.fromHex("0f".repeat(16)), Bytes.fromHex("00"), 2));
        assertThat(again.outcome()).isEqualTo("STORED");
        RoutingMessage.SendResult dup = ask(bob, Addresses.ROUTING_SEND, new RoutingMessage.SendEnvelope(hop(inboxRelay), inbox,
                Bytes.fromHex("0f".repeat(16)), Bytes.fromHex("00"), 2));
        assertThat(dup.outcome()).isEqualTo("DUPLICATE");

        // unknown inbox: an explicit refusal, not a silent drop
        assertThatThrownBy(() -> ask(bob, Addresses.ROUTING_SEND, new RoutingMessage.SendEnvelope(hop(inboxRelay),
                Bytes.fromHex("ee".repeat(16)), Bytes.fromHex("01".repeat(16)), Bytes.fromHex("00"), 2)))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ReplyException.class)
                .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(404));

        // recipient offline: the relay stores, and pushes when alice comes back (same data dir, same inbox)
        await(() -> aliceGot.size() == 5, 20_000);
        alice.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        nodes.remove(alice);
        Bytes offlineId = Bytes.wrap(new SecureRandom().generateSeed(16));
        RoutingMessage.SendResult stored = ask(bob, Addresses.ROUTING_SEND,
                new RoutingMessage.SendEnvelope(hop(inboxRelay), inbox, offlineId, Bytes.fromHex("5eed"), 2));
        assertThat(stored.outcome()).isEqualTo("STORED");
        Node aliceBack = start(dir.resolve("alice"), relayOnly);
        List<RoutingMessage.InboundEnvelope> backGot = recorder(aliceBack);
        awaitDirectory(aliceBack);
        ask(aliceBack, Addresses.ROUTING_OPEN_INBOX, new RoutingMessage.OpenInbox(hop(inboxRelay), inbox, authSeed, 2));
        await(() -> backGot.stream().anyMatch(e -> e.messageId().equals(offlineId)), 20_000);

        // a relay on bob's path dies: the send over it fails (bob is told), and once the directory
        // drops it, a rebuilt circuit delivers
        Node victimNode = null;
        String victim = again.path().get(0);
        for (Node r : relays) if (r.nodeId().hex().equals(victim)) victimNode = r;
        assertThat(victimNode).isNotNull();
        victimNode.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        nodes.remove(victimNode);
        Bytes afterId = Bytes.wrap(new SecureRandom().generateSeed(16));
        assertThatThrownBy(() -> ask(bob, Addresses.ROUTING_SEND,
                new RoutingMessage.SendEnvelope(hop(inboxRelay), inbox, afterId, Bytes.fromHex("aa"), 2)))
                .isInstanceOf(ExecutionException.class);
        directory.removeIf(r -> r.nodeId().equals(victim));
        awaitDirectory(bob); // the routing verticle refreshes its directory every 2 s
        RoutingMessage.SendResult rebuilt = ask(bob, Addresses.ROUTING_SEND,
                new RoutingMessage.SendEnvelope(hop(inboxRelay), inbox, afterId, Bytes.fromHex("aa"), 2));
        assertThat(rebuilt.outcome()).isEqualTo("STORED");
        assertThat(rebuilt.path()).doesNotContain(victim);
        await(() -> backGot.stream().anyMatch(e -> e.messageId().equals(afterId)), 20_000);

        // one inbox held at a second relay too (delivery keeps every inbox at two): a registration of its own there,
        // answered with a path that ends at that relay, and envelopes stored there reach alice
        DiscoveryMessage.RelayInfo second = directory.stream().filter(r -> !r.nodeId().equals(inboxRelay.nodeId())).findFirst().orElseThrow();
        RoutingMessage.InboxOpened atSecond = ask(aliceBack, Addresses.ROUTING_OPEN_INBOX,
                new RoutingMessage.OpenInbox(hop(second), inbox, authSeed, 2));
        assertThat(atSecond.path()).hasSize(2).endsWith(second.nodeId());
        RoutingMessage.InboxOpened atFirstAgain = ask(aliceBack, Addresses.ROUTING_OPEN_INBOX,
                new RoutingMessage.OpenInbox(hop(inboxRelay), inbox, authSeed, 2));
        assertThat(atFirstAgain.path()).endsWith(inboxRelay.nodeId());
        Bytes viaSecond = Bytes.wrap(new SecureRandom().generateSeed(16));
        assertThat(((RoutingMessage.SendResult) ask(bob, Addresses.ROUTING_SEND,
                new RoutingMessage.SendEnvelope(hop(second), inbox, viaSecond, Bytes.fromHex("bb"), 2))).outcome()).isEqualTo("STORED");
        await(() -> backGot.stream().anyMatch(e -> e.messageId().equals(viaSecond)), 20_000);
    }
}
