package org.parley.verticles.delivery;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.Ping;
import org.parley.core.bus.Status;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;
import org.parley.verticles.testing.FixedDirectoryNet;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.verticles.testing.FixedDirectoryNet.ask;
import static org.parley.verticles.testing.FixedDirectoryNet.await;

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
    final FixedDirectoryNet net = new FixedDirectoryNet();
    final List<DiscoveryMessage.RelayInfo> directory = net.directory;

    @AfterEach
    void stopAll() {
        net.close();
    }

    /** The longest end-to-end route (5 relays): 3-hop circuits on both sides; DeliveryLoadIT runs the default 2 + 2. */
    static NodeConfig hops(NodeConfig c) {
        return c.withHops(3, 3);
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
        Node alice = net.start(dir.resolve("alice"), FixedDirectoryNet.USER, "Alice", DeliveryNetworkIT::hops);
        assertThat(state(alice)).isEqualTo("NOT_READY: no inbox relay yet"); // the directory is still empty (status details)
        net.relays(dir, RELAYS, DeliveryNetworkIT::hops);
        Node bob = net.start(dir.resolve("bob"), FixedDirectoryNet.USER, "Bob", DeliveryNetworkIT::hops);
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
