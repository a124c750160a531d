package org.parley.verticles.delivery;

import io.vertx.core.eventbus.DeliveryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.Ping;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.bus.Status;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real path end to end: six relay nodes and two users in this JVM over TLS links on loopback;
 * routing builds 3-hop circuits to the inbox relays, which store through their storage verticles.
 * Discovery is replaced by a fixed directory served on each node's bus (as in RoutingNetworkIT);
 * delivery picks its two inbox relays from it. A message goes pending → sent → delivered, and the
 * reply comes back over the recipient's own circuit to the sender's inbox relays.
 */
@Tag("testnet")
class DeliveryNetworkIT {
    static final int RELAYS = 6;
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
                .withCluster(false, 5701, List.of(), only).withDelivery(name, 3600, true, List.of())
                .withHops(3, 3); // the longest end-to-end route (5 relays); DeliveryLoadIT runs the default 2 + 2
        Node n = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        nodes.add(n);
        n.vertx().eventBus().<DiscoveryMessage.RelayQuery>consumer(Addresses.DISCOVERY_RELAYS,
                m -> m.reply(new DiscoveryMessage.RelayList(List.copyOf(directory))));
        return n;
    }

    static <T> T ask(Node n, String address, Object body) throws Exception {
        return n.vertx().eventBus().<T>request(address, body, new DeliveryOptions().setSendTimeout(20_000))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
    }

    static void await(BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(50);
        assertThat(c.getAsBoolean()).isTrue();
    }

    static String state(Node n) {
        try {
            Status s = ask(n, Concern.DELIVERY.pingAddress(), new Ping("it"));
            return s.details().getOrDefault("account", s.state());
        } catch (Exception e) {
            return "no answer";
        }
    }

    @Test
    void twoUsersChatOverRealCircuitsAndInboxRelays(@TempDir Path dir) throws Exception {
        EnumSet<Concern> relayOnly = EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.GATEWAY);
        EnumSet<Concern> user = EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.DELIVERY, Concern.GATEWAY);
        Node alice = start(dir.resolve("alice"), user, "Alice");
        assertThat(state(alice)).isEqualTo("NOT_READY: no inbox relay yet"); // the directory is still empty (status details)
        for (int i = 0; i < RELAYS; i++) {
            Node r = start(dir.resolve("relay" + i), relayOnly, "");
            RoutingMessage.SelfDescriptor self = ask(r, Addresses.ROUTING_SELF, new RoutingMessage.DescribeSelf());
            directory.add(new DiscoveryMessage.RelayInfo(self.nodeId(), self.address(), self.onionKey(), "", 100, true, true));
        }
        Node bob = start(dir.resolve("bob"), user, "Bob");
        await(() -> state(alice).equals("ready") && state(bob).equals("ready"), 40_000);
        List<DeliveryMessage.Event> aliceEvents = new CopyOnWriteArrayList<>(), bobEvents = new CopyOnWriteArrayList<>();
        alice.vertx().eventBus().<DeliveryMessage.Event>consumer(Addresses.DELIVERY_EVENTS, m -> aliceEvents.add(m.body()));
        bob.vertx().eventBus().<DeliveryMessage.Event>consumer(Addresses.DELIVERY_EVENTS, m -> bobEvents.add(m.body()));

        DeliveryMessage.Me bobMe = ask(bob, Addresses.DELIVERY_API, new DeliveryMessage.GetMe());
        DeliveryMessage.ContactReply bobAtAlice = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.AddContact(bobMe.invite(), ""));
        assertThat(bobAtAlice.contact().name()).isEqualTo("Bob");
        String conv = bobAtAlice.contact().contactId();
        DeliveryMessage.MessageReply sent = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.SendText(conv, "over onions"));
        String id = sent.message().messageId();
        // generous: a first attempt that finds no path yet (directories still filling) waits out a retry backoff
        await(() -> aliceEvents.stream().anyMatch(e -> e.message() != null && e.message().messageId().equals(id)
                && e.message().status().equals("delivered")), 120_000);
        assertThat(aliceEvents.stream().filter(e -> e.message() != null && e.message().messageId().equals(id))
                .map(e -> e.message().status()).toList()).containsExactly("pending", "sent", "delivered");
        await(() -> bobEvents.stream().anyMatch(e -> e.type().equals("message") && "over onions".equals(e.message().text())), 10_000);

        // bob learnt alice from her contact card and answers over his own circuits to her inbox relays
        String aliceAtBob = bobEvents.stream().filter(e -> e.type().equals("contact")).findFirst().orElseThrow().contact().contactId();
        DeliveryMessage.MessageReply reply = ask(bob, Addresses.DELIVERY_API, new DeliveryMessage.SendText(aliceAtBob, "got it"));
        await(() -> aliceEvents.stream().anyMatch(e -> e.type().equals("message") && "got it".equals(e.message().text())), 60_000);
        await(() -> bobEvents.stream().anyMatch(e -> e.message() != null && e.message().messageId().equals(reply.message().messageId())
                && e.message().status().equals("delivered")), 60_000);
        DeliveryMessage.Messages mine = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.ListMessages(conv, 0, 10));
        List<String> alicePath = mine.messages().stream().filter(m -> m.messageId().equals(id)).findFirst().orElseThrow().path();
        DeliveryMessage.Messages his = ask(bob, Addresses.DELIVERY_API, new DeliveryMessage.ListMessages(aliceAtBob, 0, 10));
        List<String> bobPath = his.messages().stream().filter(m -> m.direction().equals("out")).findFirst().orElseThrow().path();
        assertThat(alicePath).hasSize(3).doesNotHaveDuplicates();
        assertThat(bobPath).hasSize(3);
        List<String> relayIds = directory.stream().map(DiscoveryMessage.RelayInfo::nodeId).toList();
        assertThat(relayIds).contains(alicePath.get(2), bobPath.get(2)); // each circuit ends at an inbox relay of the other side

        // a 5 MiB attachment: uploaded in parts, sent as fixed-size chunk envelopes through bob's inbox relays, checked, read back
        byte[] file = new byte[5 * 1024 * 1024];
        new java.util.Random(5).nextBytes(file);
        DeliveryMessage.AttachmentReply begun = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.BeginAttachment("five.bin", ""));
        String attId = begun.attachment().attachmentId();
        for (int off = 0; off < file.length; off += 256 * 1024) {
            ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.AttachmentPart(attId,
                    org.parley.core.Bytes.of(file, off, Math.min(256 * 1024, file.length - off))));
        }
        DeliveryMessage.AttachmentReply ready = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.FinishAttachment(attId));
        assertThat(ready.attachment().status()).isEqualTo("ready");
        long t0 = System.nanoTime();
        ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.SendAttachments(conv, "five", List.of(attId)));
        await(() -> bobEvents.stream().anyMatch(e -> e.type().equals("attachment")
                && e.message().attachments().stream().anyMatch(a -> a.status().equals("received"))), 40_000);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        String bobAtt = bobEvents.stream().filter(e -> e.type().equals("attachment")).findFirst().orElseThrow()
                .message().attachments().get(0).attachmentId();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        int count = 1;
        for (int i = 0; i < count; i++) {
            DeliveryMessage.AttachmentChunk c = ask(bob, Addresses.DELIVERY_API, new DeliveryMessage.ReadAttachmentChunk(bobAtt, i));
            count = c.count();
            got.writeBytes(c.data().toArray());
        }
        assertThat(java.util.Arrays.equals(got.toByteArray(), file)).as("byte-exact after %d ms", millis).isTrue();
        System.out.println("5 MiB attachment alice -> bob over 3-hop circuits: received and checked in " + millis + " ms");
    }
}
