package org.parley.verticles.delivery;

import io.vertx.core.eventbus.DeliveryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.Ping;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.bus.Status;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two real nodes (storage with RocksDB, delivery, gateway; routing and discovery, which needs it, left out) whose
 * routing requests are answered by a TEST-ONLY stand-in:
 * an in-memory inbox relay shared by both nodes that stores by (inbox, message id), answers
 * STORED, and pushes to the inbox owner's {@code DELIVERY_INBOUND}, forgetting an envelope only
 * once the owner replied (durable). Everything above routing is the production path.
 */
class DeliveryVerticleIT {
    private static final String RELAY = "127.0.0.1:1@" + "ab".repeat(32);
    private final List<Node> nodes = new ArrayList<>();
    // the stand-in inbox relay: inbox -> (message id -> envelope); inbox -> owner
    private final Map<Bytes, Map<Bytes, Bytes>> relay = new HashMap<>();
    private final Map<Bytes, Node> owners = new HashMap<>();
    private final List<String> sendPaths = new CopyOnWriteArrayList<>();
    private volatile boolean refuse;

    @AfterEach
    void stop() throws Exception {
        for (Node n : nodes) n.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    Node start(Path dir, String name) throws Exception {
        // routing (and discovery, which needs it) left out: the stand-in answers routing's two addresses; DeliveryNetworkIT runs the real routing over TLS
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0)
                .withDelivery(name, 3600, true, List.of(RELAY))
                .withCluster(false, 5701, List.of(), EnumSet.of(Concern.STORAGE, Concern.DELIVERY, Concern.GATEWAY));
        Node n = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        nodes.add(n);
        standIn(n, name);
        return n;
    }

    private void standIn(Node n, String name) {
        n.vertx().eventBus().<RoutingMessage.OpenInbox>consumer(Addresses.ROUTING_OPEN_INBOX, m -> {
            synchronized (relay) {
                owners.put(m.body().inboxId(), n);
            }
            m.reply(new RoutingMessage.InboxOpened(m.body().inboxId(), List.of(name + "-guard", name + "-middle")));
            pushAll(m.body().inboxId());
        });
        n.vertx().eventBus().<RoutingMessage.SendEnvelope>consumer(Addresses.ROUTING_SEND, m -> {
            RoutingMessage.SendEnvelope s = m.body();
            if (refuse) {
                m.fail(503, "stand-in refuses");
                return;
            }
            boolean dup;
            synchronized (relay) {
                Map<Bytes, Bytes> box = relay.computeIfAbsent(s.inboxId(), k -> new LinkedHashMap<>());
                dup = box.putIfAbsent(s.messageId(), s.envelope()) != null;
            }
            List<String> path = List.of(name + "-guard", name + "-middle", s.inboxRelay().nodeId().substring(0, 8));
            sendPaths.add(String.join(">", path));
            m.reply(new RoutingMessage.SendResult(dup ? "DUPLICATE" : "STORED", path));
            pushAll(s.inboxId());
        });
    }

    private void pushAll(Bytes inbox) {
        Node owner;
        List<Map.Entry<Bytes, Bytes>> items;
        synchronized (relay) {
            owner = owners.get(inbox);
            items = new ArrayList<>(relay.getOrDefault(inbox, Map.of()).entrySet());
        }
        if (owner == null) return;
        for (Map.Entry<Bytes, Bytes> e : items) {
            owner.vertx().eventBus().request(Addresses.DELIVERY_INBOUND,
                            new RoutingMessage.InboundEnvelope(inbox, e.getKey(), e.getValue(), List.of("relay")), new DeliveryOptions().setSendTimeout(10_000))
                    .onSuccess(ok -> {
                        synchronized (relay) {
                            relay.getOrDefault(inbox, new HashMap<>()).remove(e.getKey());
                        }
                    });
        }
    }

    static <T> T ask(Node n, String address, Object body) throws Exception {
        return n.vertx().eventBus().<T>request(address, body, new DeliveryOptions().setSendTimeout(20_000))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
    }

    static void await(BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(20);
        assertThat(c.getAsBoolean()).isTrue();
    }

    static String deliveryState(Node n) {
        try {
            Status s = ask(n, Concern.DELIVERY.pingAddress(), new Ping("it"));
            return s.details().getOrDefault("account", s.state());
        } catch (Exception e) {
            return "no answer";
        }
    }

    @Test
    void aMessageGoesPendingSentDeliveredBetweenTwoNodesAndTheEventStreamShowsIt(@TempDir Path dir) throws Exception {
        Node alice = start(dir.resolve("alice"), "Alice");
        Node bob = start(dir.resolve("bob"), "Bob");
        await(() -> deliveryState(alice).equals("ready") && deliveryState(bob).equals("ready"), 20_000);
        List<DeliveryMessage.Event> aliceEvents = new CopyOnWriteArrayList<>(), bobEvents = new CopyOnWriteArrayList<>();
        alice.vertx().eventBus().<DeliveryMessage.Event>consumer(Addresses.DELIVERY_EVENTS, m -> aliceEvents.add(m.body()));
        bob.vertx().eventBus().<DeliveryMessage.Event>consumer(Addresses.DELIVERY_EVENTS, m -> bobEvents.add(m.body()));

        DeliveryMessage.Me aliceMe = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.GetMe());
        DeliveryMessage.Me bobMe = ask(bob, Addresses.DELIVERY_API, new DeliveryMessage.GetMe());
        assertThat(aliceMe.displayName()).isEqualTo("Alice");
        assertThat(aliceMe.invite()).startsWith("parley://invite/");
        DeliveryMessage.ContactReply bobAtAlice = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.AddContact(bobMe.invite(), "Bob"));
        DeliveryMessage.ContactReply aliceAtBob = ask(bob, Addresses.DELIVERY_API, new DeliveryMessage.AddContact(aliceMe.invite(), "Alice"));
        assertThat(bobAtAlice.contact().safetyNumber()).isEqualTo(aliceAtBob.contact().safetyNumber());

        String conv = bobAtAlice.contact().contactId();
        DeliveryMessage.MessageReply sent = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.SendText(conv, "hello bob"));
        assertThat(sent.message().status()).isEqualTo("pending");
        String id = sent.message().messageId();
        await(() -> aliceEvents.stream().anyMatch(e -> e.message() != null && e.message().messageId().equals(id)
                && e.message().status().equals("delivered")), 30_000);
        List<String> statuses = aliceEvents.stream().filter(e -> e.message() != null && e.message().messageId().equals(id))
                .map(e -> e.message().status()).toList();
        assertThat(statuses).containsExactly("pending", "sent", "delivered");
        await(() -> bobEvents.stream().anyMatch(e -> e.type().equals("message") && "hello bob".equals(e.message().text())), 10_000);

        // the stream is persisted (RocksDB through the storage verticle) and resumable by cursor
        DeliveryMessage.Events since = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.EventsSince(0, 100));
        assertThat(since.events()).extracting(DeliveryMessage.Event::cursor).isSorted().doesNotHaveDuplicates();
        assertThat(since.events()).anyMatch(e -> e.message() != null && e.message().messageId().equals(id) && e.message().status().equals("delivered"));
        DeliveryMessage.Messages list = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.ListMessages(conv, 0, 10));
        assertThat(list.messages()).anyMatch(m -> m.messageId().equals(id) && m.status().equals("delivered") && !m.path().isEmpty());
        // receipts came back over Bob's route, not Alice's
        assertThat(sendPaths).anyMatch(p -> p.startsWith("Bob-guard")).anyMatch(p -> p.startsWith("Alice-guard"));
        // metrics
        assertThat(alice.registry().find("parley.delivery.receipts.received").counter().count()).isGreaterThanOrEqualTo(1);
        assertThat(alice.registry().find("parley.delivery.latency").timer().count()).isGreaterThanOrEqualTo(1);
        assertThat(bob.registry().find("parley.delivery.messages.received").counter().count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aRestartedNodeResumesPendingMessagesFromRocksDb(@TempDir Path dir) throws Exception {
        Node alice = start(dir.resolve("alice"), "Alice");
        Node bob = start(dir.resolve("bob"), "Bob");
        await(() -> deliveryState(alice).equals("ready") && deliveryState(bob).equals("ready"), 20_000);
        DeliveryMessage.Me aliceMe = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.GetMe());
        DeliveryMessage.Me bobMe = ask(bob, Addresses.DELIVERY_API, new DeliveryMessage.GetMe());
        String conv = ((DeliveryMessage.ContactReply) ask(alice, Addresses.DELIVERY_API,
                new DeliveryMessage.AddContact(bobMe.invite(), "Bob"))).contact().contactId();
        List<DeliveryMessage.Event> bobEvents = new CopyOnWriteArrayList<>();
        bob.vertx().eventBus().<DeliveryMessage.Event>consumer(Addresses.DELIVERY_EVENTS, m -> bobEvents.add(m.body()));
        await(() -> bobEvents.stream().anyMatch(e -> e.type().equals("contact")), 20_000);

        refuse = true; // no inbox relay takes anything: the messages stay pending
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(((DeliveryMessage.MessageReply) ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.SendText(conv, "r" + i)))
                    .message().messageId());
        }
        DeliveryMessage.Events before = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.EventsSince(0, 1000));
        long lastCursor = before.events().get(before.events().size() - 1).cursor();
        alice.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        nodes.remove(alice);

        refuse = false;
        Node again = start(dir.resolve("alice"), "Alice");
        await(() -> deliveryState(again).equals("ready"), 20_000);
        DeliveryMessage.Me meAgain = ask(again, Addresses.DELIVERY_API, new DeliveryMessage.GetMe());
        assertThat(meAgain.userId()).isEqualTo(aliceMe.userId());
        DeliveryMessage.Contacts contacts = ask(again, Addresses.DELIVERY_API, new DeliveryMessage.ListContacts());
        assertThat(contacts.contacts()).extracting(DeliveryMessage.ContactView::name).containsExactly("Bob");
        await(() -> {
            try {
                DeliveryMessage.Messages list = ask(again, Addresses.DELIVERY_API, new DeliveryMessage.ListMessages(conv, 0, 10));
                return list.messages().stream().filter(m -> ids.contains(m.messageId())).allMatch(m -> m.status().equals("delivered"))
                        && list.messages().size() == 3;
            } catch (Exception e) {
                return false;
            }
        }, 60_000);
        await(() -> bobEvents.stream().filter(e -> e.type().equals("message")).count() == 3, 10_000);
        assertThat(bobEvents.stream().filter(e -> e.type().equals("message")).map(e -> e.message().text()).toList())
                .containsExactly("r0", "r1", "r2");
        DeliveryMessage.Events after = ask(again, Addresses.DELIVERY_API, new DeliveryMessage.EventsSince(lastCursor, 1000));
        assertThat(after.events()).isNotEmpty();
        assertThat(after.events().get(0).cursor()).isEqualTo(lastCursor + 1); // the cursor survived the restart
    }
}
