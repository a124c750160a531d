package org.parley.verticles.delivery;

import io.vertx.core.eventbus.DeliveryContext;
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
import org.parley.core.bus.StorageMessage;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;
import org.parley.verticles.testing.FixedDirectoryNet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.verticles.testing.FixedDirectoryNet.ask;
import static org.parley.verticles.testing.FixedDirectoryNet.await;

/**
 * Issue 6's load check on the real stack: 10 relay nodes and two users in this JVM over TLS links;
 * the users exchange {@code parley.loadit.messages} (default 1,000) texts in each direction at
 * once while the test injects faults at the inbox relays and on the push to the recipient: 5 % of
 * the relays' inbox writes fail (the sender hears an error and retries, maybe via the other
 * inbox relay), 5 % of pushes to the recipient are lost (the relay's push is not taken; routing
 * hands it over again) and 10 % are held back 20–200 ms (reordered). Every message must be shown
 * exactly once, in send order per sender, and reach {@code delivered}; each receipt's route must
 * differ from its message's route (different circuits from different nodes).
 */
@Tag("testnet")
class DeliveryLoadIT {
    static final int RELAYS = 10;
    static final int MESSAGES = Integer.getInteger("parley.loadit.messages", 1000);
    final FixedDirectoryNet net = new FixedDirectoryNet();
    final Random faults = new Random(11);
    final AtomicInteger failedWrites = new AtomicInteger(), lostPushes = new AtomicInteger(), heldPushes = new AtomicInteger();

    synchronized boolean roll(double p) {
        return faults.nextDouble() < p;
    }

    synchronized long delay() {
        return 20 + faults.nextInt(181);
    }

    /** Inbox writes at a relay fail 5 % of the time (the relay answers the sender with an error). */
    void faultyInboxWrites(Node relay) {
        relay.vertx().eventBus().addInboundInterceptor((DeliveryContext<Object> ctx) -> {
            if (ctx.message().address().equals(Addresses.STORAGE_INBOX) && ctx.message().body() instanceof StorageMessage.InboxPut
                    && roll(0.05)) {
                failedWrites.incrementAndGet();
                ctx.message().fail(503, "injected inbox write failure");
                return;
            }
            ctx.next();
        });
    }

    /** Pushes to the user's delivery: 5 % lost, 10 % held back 20–200 ms. */
    void faultyPushes(Node user) {
        user.vertx().eventBus().addInboundInterceptor((DeliveryContext<Object> ctx) -> {
            if (!ctx.message().address().equals(Addresses.DELIVERY_INBOUND) || ctx.message().replyAddress() == null) {
                ctx.next();
                return;
            }
            if (roll(0.05)) {
                lostPushes.incrementAndGet();
                ctx.message().fail(503, "injected lost push");
            } else if (roll(0.10)) {
                heldPushes.incrementAndGet();
                user.vertx().setTimer(delay(), t -> ctx.next());
            } else {
                ctx.next();
            }
        });
    }

    static boolean ready(Node n) {
        try {
            Status s = ask(n, Concern.DELIVERY.pingAddress(), new Ping("it"));
            return "ready".equals(s.details().get("account"));
        } catch (Exception e) {
            return false;
        }
    }

    /** Message ids whose latest status event is delivered or read. */
    static Set<String> delivered(List<DeliveryMessage.Event> events, Set<String> ids) {
        Map<String, String> last = new HashMap<>();
        for (DeliveryMessage.Event e : events) {
            if (e.message() != null && ids.contains(e.message().messageId())) last.put(e.message().messageId(), e.message().status());
        }
        Set<String> out = new HashSet<>();
        last.forEach((id, s) -> {
            if (s.equals("delivered") || s.equals("read")) out.add(id);
        });
        return out;
    }

    static List<String> shown(List<DeliveryMessage.Event> events, String prefix) {
        return events.stream().filter(e -> e.type().equals("message") && e.message().direction().equals("in")
                && e.message().text().startsWith(prefix)).map(e -> e.message().text()).toList();
    }

    @AfterEach
    void stopAll() {
        net.close();
    }

    @Test
    void aThousandMessagesEachWayThroughFaultyInboxRelaysArriveOnceInOrderAndAreDelivered(@TempDir Path dir) throws Exception {
        List<Node> relays = net.relays(dir, RELAYS);
        Node alice = net.start(dir.resolve("alice"), FixedDirectoryNet.USER, "Alice");
        Node bob = net.start(dir.resolve("bob"), FixedDirectoryNet.USER, "Bob");
        await(() -> ready(alice) && ready(bob), 60_000);
        List<DeliveryMessage.Event> aliceEvents = new CopyOnWriteArrayList<>(), bobEvents = new CopyOnWriteArrayList<>();
        alice.vertx().eventBus().<DeliveryMessage.Event>consumer(Addresses.DELIVERY_EVENTS, m -> aliceEvents.add(m.body()));
        bob.vertx().eventBus().<DeliveryMessage.Event>consumer(Addresses.DELIVERY_EVENTS, m -> bobEvents.add(m.body()));

        DeliveryMessage.Me bobMe = ask(bob, Addresses.DELIVERY_API, new DeliveryMessage.GetMe());
        String bobAtAlice = ((DeliveryMessage.ContactReply) ask(alice, Addresses.DELIVERY_API,
                new DeliveryMessage.AddContact(bobMe.invite(), ""))).contact().contactId();
        await(() -> bobEvents.stream().anyMatch(e -> e.type().equals("contact")), 60_000);
        String aliceAtBob = bobEvents.stream().filter(e -> e.type().equals("contact")).findFirst().orElseThrow().contact().contactId();

        relays.forEach(this::faultyInboxWrites);
        faultyPushes(alice);
        faultyPushes(bob);
        long start = System.nanoTime();
        Set<String> fromAlice = new HashSet<>(), fromBob = new HashSet<>();
        for (int i = 0; i < MESSAGES; i++) {
            fromAlice.add(((DeliveryMessage.MessageReply) ask(alice, Addresses.DELIVERY_API,
                    new DeliveryMessage.SendText(bobAtAlice, "a" + i))).message().messageId());
            fromBob.add(((DeliveryMessage.MessageReply) ask(bob, Addresses.DELIVERY_API,
                    new DeliveryMessage.SendText(aliceAtBob, "b" + i))).message().messageId());
        }
        await(() -> delivered(aliceEvents, fromAlice).size() == MESSAGES && delivered(bobEvents, fromBob).size() == MESSAGES, 300_000);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        List<String> expectA = new ArrayList<>(), expectB = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            expectA.add("a" + i);
            expectB.add("b" + i);
        }
        await(() -> shown(bobEvents, "a").size() >= MESSAGES && shown(aliceEvents, "b").size() >= MESSAGES, 30_000);
        Thread.sleep(500); // a duplicate would show up right after
        assertThat(shown(bobEvents, "a")).containsExactlyElementsOf(expectA); // exactly once, in send order
        assertThat(shown(aliceEvents, "b")).containsExactlyElementsOf(expectB);
        assertThat(failedWrites.get()).as("injected inbox write failures").isPositive();
        assertThat(lostPushes.get()).as("injected lost pushes").isPositive();
        assertThat(heldPushes.get()).as("injected held-back pushes").isPositive();

        // receipts take the recipient's own circuit to the sender's inbox (the circuit bob's texts to alice use too,
        // circuits being per destination inbox): never the message's circuit back
        DeliveryMessage.Messages aliceOut = ask(alice, Addresses.DELIVERY_API, new DeliveryMessage.ListMessages(bobAtAlice, 0, 50));
        DeliveryMessage.Messages bobOut = ask(bob, Addresses.DELIVERY_API, new DeliveryMessage.ListMessages(aliceAtBob, 0, 50));
        List<String> alicePath = aliceOut.messages().stream().filter(m -> m.direction().equals("out")).findFirst().orElseThrow().path();
        List<String> bobPath = bobOut.messages().stream().filter(m -> m.direction().equals("out")).findFirst().orElseThrow().path();
        assertThat(alicePath).hasSize(2); // delivery.send-hops default: guard, inbox relay
        assertThat(bobPath).hasSize(2);
        List<String> back = new ArrayList<>(alicePath);
        java.util.Collections.reverse(back);
        assertThat(bobPath).isNotEqualTo(alicePath).isNotEqualTo(back);
        System.out.printf("DeliveryLoadIT: %d messages each way delivered in %d ms over TLS circuits; injected %d inbox write failures, "
                + "%d lost and %d held-back pushes%n", MESSAGES, millis, failedWrites.get(), lostPushes.get(), heldPushes.get());
    }
}
