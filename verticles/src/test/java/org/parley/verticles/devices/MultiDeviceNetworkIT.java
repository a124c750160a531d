package org.parley.verticles.devices;

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
import org.parley.core.bus.Status;
import org.parley.verticles.node.Node;
import org.parley.verticles.testing.FixedDirectoryNet;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Multi-device over the real path: five relay nodes, alice's phone (primary) and laptop (linked),
 * and bob, in this JVM over TLS links on loopback, each device a node of its own. Linking, a send
 * from the laptop right after linking (held until bob's card came, then delivered once), fan-out
 * to both alice devices and bob (each message once), read state synced, unlinking seen by bob.
 */
@Tag("testnet")
class MultiDeviceNetworkIT {
    static final int RELAYS = 5;
    final FixedDirectoryNet net = new FixedDirectoryNet();
    final List<DiscoveryMessage.RelayInfo> directory = net.directory;

    @AfterEach
    void stopAll() {
        net.close();
    }

    Node start(Path dir, EnumSet<Concern> only, String name) throws Exception {
        return net.start(dir, only, name);
    }

    static <T> T ask(Node n, Object body) throws Exception {
        return n.vertx().eventBus().<T>request(Addresses.DELIVERY_API, body, new DeliveryOptions().setSendTimeout(20_000))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).<T>body();
    }

    static void await(String what, BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(50);
        assertThat(c.getAsBoolean()).as(what).isTrue();
    }

    static String state(Node n) {
        try {
            Status s = n.vertx().eventBus().<Status>request(Concern.DELIVERY.pingAddress(), new Ping("it"), new DeliveryOptions().setSendTimeout(5_000))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
            return s.details().getOrDefault("account", s.state());
        } catch (Exception e) {
            return "no answer";
        }
    }

    static List<DeliveryMessage.Event> events(Node n) {
        List<DeliveryMessage.Event> list = new CopyOnWriteArrayList<>();
        n.vertx().eventBus().<DeliveryMessage.Event>consumer(Addresses.DELIVERY_EVENTS, m -> list.add(m.body()));
        return list;
    }

    static long shown(List<DeliveryMessage.Event> events, String direction, String text) {
        return events.stream().filter(e -> e.type().equals("message") && e.message().direction().equals(direction)
                && text.equals(e.message().text())).count();
    }

    static boolean hasStatus(List<DeliveryMessage.Event> events, String text, String status) {
        return events.stream().anyMatch(e -> e.message() != null && text.equals(e.message().text()) && status.equals(e.message().status()));
    }

    static boolean notice(List<DeliveryMessage.Event> events, String text) {
        return events.stream().anyMatch(e -> e.type().equals("device") && text.equals(e.message().text()));
    }

    static String role(Node n) {
        try {
            return MultiDeviceNetworkIT.<DeliveryMessage.Devices>ask(n, new DeliveryMessage.ListDevices()).role();
        } catch (Exception e) {
            return "no answer";
        }
    }

    @Test
    void aliceOnTwoDevicesAndBobOverRealCircuits(@TempDir Path dir) throws Exception {
        EnumSet<Concern> user = EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.DELIVERY, Concern.GATEWAY);
        net.relays(dir, RELAYS);
        Node phone = start(dir.resolve("phone"), user, "Alice");
        Node laptop = start(dir.resolve("laptop"), user, "Alice");
        Node bob = start(dir.resolve("bob"), user, "Bob");
        await("all ready", () -> state(phone).equals("ready") && state(laptop).equals("ready") && state(bob).equals("ready"), 60_000);
        List<DeliveryMessage.Event> atPhone = events(phone), atLaptop = events(laptop), atBob = events(bob);

        DeliveryMessage.Me bobMe = ask(bob, new DeliveryMessage.GetMe());
        DeliveryMessage.ContactReply bobAtAlice = ask(phone, new DeliveryMessage.AddContact(bobMe.invite(), ""));
        String conv = bobAtAlice.contact().contactId();
        await("bob learns alice", () -> atBob.stream().anyMatch(e -> e.type().equals("contact")), 120_000);
        String aliceAtBob = atBob.stream().filter(e -> e.type().equals("contact")).findFirst().orElseThrow().contact().contactId();

        long t0 = System.nanoTime();
        DeliveryMessage.LinkCode code = ask(laptop, new DeliveryMessage.BeginLink("Laptop"));
        DeliveryMessage.Devices linked = ask(phone, new DeliveryMessage.LinkDevice(code.code()));
        assertThat(linked.devices()).hasSize(2);
        await("laptop linked and lists bob (synced by the phone)", () -> role(laptop).equals("linked")
                && MultiDeviceNetworkIT.<DeliveryMessage.Contacts>askQuietly(laptop).stream().anyMatch(c -> c.contactId().equals(conv)), 120_000);
        // right after linking, before bob's card may have reached the laptop: accepted (held until it has), never a 404
        DeliveryMessage.MessageReply early = ask(laptop, new DeliveryMessage.SendText(conv, "right after linking"));
        assertThat(early.message().status()).isIn("pending", "sent");
        await("bob told", () -> notice(atBob, "new device linked: Laptop"), 120_000);
        System.out.println("linking over real circuits took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        await("the early send reaches bob once and shows on the phone", () -> shown(atBob, "in", "right after linking") == 1
                && shown(atPhone, "out", "right after linking") == 1 && hasStatus(atLaptop, "right after linking", "delivered"), 120_000);

        ask(phone, new DeliveryMessage.SendText(conv, "from the phone"));
        ask(laptop, new DeliveryMessage.SendText(conv, "from the laptop"));
        await("both reach bob and each other", () -> shown(atBob, "in", "from the phone") == 1 && shown(atBob, "in", "from the laptop") == 1
                && shown(atPhone, "out", "from the laptop") == 1 && shown(atLaptop, "out", "from the phone") == 1
                && hasStatus(atPhone, "from the phone", "delivered") && hasStatus(atLaptop, "from the laptop", "delivered"), 120_000);
        ask(bob, new DeliveryMessage.SendText(aliceAtBob, "hi both"));
        await("bob's reply on both alice devices", () -> shown(atPhone, "in", "hi both") == 1 && shown(atLaptop, "in", "hi both") == 1, 120_000);
        String replyAtPhone = atPhone.stream().filter(e -> e.type().equals("message") && "hi both".equals(e.message().text()))
                .findFirst().orElseThrow().message().messageId();
        ask(phone, new DeliveryMessage.MarkRead(conv, replyAtPhone));
        await("read on the phone shows on the laptop and at bob", () -> hasStatus(atLaptop, "hi both", "read")
                && hasStatus(atBob, "hi both", "read"), 120_000);

        String laptopId = linked.devices().get(1).deviceId();
        ask(phone, new DeliveryMessage.UnlinkDevice(laptopId));
        await("bob sees the unlink", () -> notice(atBob, "device unlinked: Laptop") && role(laptop).equals("unlinked"), 120_000);
        ask(bob, new DeliveryMessage.SendText(aliceAtBob, "after unlink"));
        await("the phone still gets bob's messages", () -> shown(atPhone, "in", "after unlink") == 1
                && hasStatus(atBob, "after unlink", "delivered"), 120_000);
        Thread.sleep(3_000);
        assertThat(shown(atLaptop, "in", "after unlink")).isZero();
        // exactly once everywhere, after all the retries and receipts
        assertThat(shown(atBob, "in", "from the phone")).isEqualTo(1);
        assertThat(shown(atBob, "in", "from the laptop")).isEqualTo(1);
        assertThat(shown(atBob, "in", "right after linking")).isEqualTo(1);
        assertThat(shown(atLaptop, "in", "hi both")).isEqualTo(1);
        assertThat(shown(atPhone, "in", "hi both")).isEqualTo(1);
    }

    static <T> List<DeliveryMessage.ContactView> askQuietly(Node n) {
        try {
            return MultiDeviceNetworkIT.<DeliveryMessage.Contacts>ask(n, new DeliveryMessage.ListContacts()).contacts();
        } catch (Exception e) {
            return List.of();
        }
    }
}
