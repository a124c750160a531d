package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.MessageView;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Multi-device over SimNet: alice has a phone (primary) and a laptop (linked), bob one device.
 * Each device is its own DeliveryService with its own identity key; sessions are per device pair.
 */
class MultiDeviceTest {
    static DeliveryMessage ask(SimNet.Peer p, DeliveryMessage request) {
        return p.service.handle(request).toCompletableFuture().join();
    }

    static DeliveryMessage.Devices devices(SimNet.Peer p) {
        return (DeliveryMessage.Devices) ask(p, new DeliveryMessage.ListDevices());
    }

    static List<MessageView> shown(SimNet.Peer p, String direction, String conversationId) {
        return p.events.stream().filter(e -> e.type().equals("message") && e.message().direction().equals(direction)
                && e.message().conversationId().equals(conversationId)).map(DeliveryMessage.Event::message).toList();
    }

    static List<String> texts(SimNet.Peer p, String direction, String conversationId) {
        return shown(p, direction, conversationId).stream().map(MessageView::text).toList();
    }

    static List<String> notices(SimNet.Peer p) {
        return p.events.stream().filter(e -> e.type().equals("device")).map(e -> e.message().text()).toList();
    }

    static MessageState status(SimNet.Peer p, String messageId) {
        return p.store.allMessages().stream().filter(m -> m.messageId().endsWith(messageId)).findFirst().orElseThrow().status();
    }

    static String send(SimNet.Peer p, String conversationId, String text) {
        return ((DeliveryMessage.MessageReply) ask(p, new DeliveryMessage.SendText(conversationId, text))).message().messageId();
    }

    @Test
    void twoAliceDevicesAndOneBobSeeEveryMessageOnceWithSyncedReceiptsReadStateAndUnlinking() {
        SimNet net = new SimNet(5, 4);
        SimNet.Peer phone = net.peer("alice", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 2);
        SimNet.Peer laptop = net.peer("laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 3);
        String[] conv = DeliveryServiceTest.connect(net, phone, bob);
        String bobAtAlice = conv[0], aliceAtBob = conv[1];

        // link: the laptop shows a one-time code, the phone approves it
        DeliveryMessage.LinkCode code = (DeliveryMessage.LinkCode) ask(laptop, new DeliveryMessage.BeginLink("Laptop"));
        assertThat(code.code()).startsWith("parley://link/");
        assertThat(devices(laptop).linking()).isTrue();
        assertThatThrownBy(() -> ask(phone, new DeliveryMessage.LinkDevice(bob.service.me().invite())))
                .hasCauseInstanceOf(ParleyException.class).hasMessageContaining("not a parley link code"); // an invite is not a link code
        DeliveryMessage.Devices atPhone = (DeliveryMessage.Devices) ask(phone, new DeliveryMessage.LinkDevice(code.code()));
        assertThat(atPhone.role()).isEqualTo("primary");
        assertThat(atPhone.devices()).extracting(DeliveryMessage.DeviceView::name).containsExactly("alice", "Laptop");
        String laptopId = atPhone.devices().get(1).deviceId();

        // the laptop is linked, bob is told (never silently) and both ends start sessions with each other
        assertThat(net.runUntil(() -> devices(laptop).role().equals("linked")
                && notices(bob).contains("new device linked: Laptop")
                && DeliveryServiceTest.contacts(laptop).stream().anyMatch(c -> c.contactId().equals(bobAtAlice))
                && DeliveryServiceTest.controlSettled(phone) && DeliveryServiceTest.controlSettled(bob)
                && DeliveryServiceTest.controlSettled(laptop), 120_000)).isTrue();
        assertThat(devices(laptop).devices()).extracting(DeliveryMessage.DeviceView::current).containsExactly(false, true);
        // bob still has one alice (the laptop is a device of her account, not a new contact)
        assertThat(DeliveryServiceTest.contacts(bob)).extracting(DeliveryMessage.ContactView::contactId).containsExactly(aliceAtBob);
        // the laptop does not list the phone as a contact
        assertThat(DeliveryServiceTest.contacts(laptop)).extracting(DeliveryMessage.ContactView::contactId).containsExactly(bobAtAlice);

        // messages from either alice device: once on bob, once (as sent) on the other alice device
        String fromPhone = send(phone, bobAtAlice, "from the phone");
        String fromLaptop = send(laptop, bobAtAlice, "from the laptop");
        assertThat(net.runUntil(() -> texts(bob, "in", aliceAtBob).size() == 2 && status(phone, fromPhone) == MessageState.DELIVERED
                && status(laptop, fromLaptop) == MessageState.DELIVERED && texts(laptop, "out", bobAtAlice).size() == 2
                && texts(phone, "out", bobAtAlice).size() == 2, 60_000)).isTrue();
        net.scheduler.advance(5_000); // any duplicate would have come by now
        assertThat(texts(bob, "in", aliceAtBob)).containsExactlyInAnyOrder("from the phone", "from the laptop");
        assertThat(texts(phone, "out", bobAtAlice)).containsExactlyInAnyOrder("from the phone", "from the laptop");
        assertThat(texts(laptop, "out", bobAtAlice)).containsExactlyInAnyOrder("from the phone", "from the laptop");
        // bob's receipts reach both alice devices: the transcript copies are delivered too
        assertThat(net.runUntil(() -> status(laptop, fromPhone) == MessageState.DELIVERED
                && status(phone, fromLaptop) == MessageState.DELIVERED, 30_000)).isTrue();

        // bob's reply reaches both alice devices once
        String reply = send(bob, aliceAtBob, "hi both");
        assertThat(net.runUntil(() -> texts(phone, "in", bobAtAlice).contains("hi both") && texts(laptop, "in", bobAtAlice).contains("hi both")
                && status(bob, reply) == MessageState.DELIVERED, 60_000)).isTrue();
        net.scheduler.advance(5_000);
        assertThat(texts(phone, "in", bobAtAlice)).containsExactly("hi both");
        assertThat(texts(laptop, "in", bobAtAlice)).containsExactly("hi both");

        // read on the phone: read on the laptop, and bob sees it read
        String replyAtPhone = shown(phone, "in", bobAtAlice).get(0).messageId();
        ask(phone, new DeliveryMessage.MarkRead(bobAtAlice, replyAtPhone));
        assertThat(net.runUntil(() -> status(laptop, reply) == MessageState.READ && status(bob, reply) == MessageState.READ, 60_000)).isTrue();
        // and bob reading alice's messages shows read on both alice devices
        String lastAtBob = shown(bob, "in", aliceAtBob).get(1).messageId();
        String firstAtBob = shown(bob, "in", aliceAtBob).get(0).messageId();
        ask(bob, new DeliveryMessage.MarkRead(aliceAtBob, lastAtBob.compareTo(firstAtBob) >= 0 ? lastAtBob : firstAtBob));
        assertThat(net.runUntil(() -> status(phone, fromPhone) == MessageState.READ && status(laptop, fromPhone) == MessageState.READ, 60_000))
                .isTrue();

        // unlink: bob sees the change, nothing more reaches the laptop
        DeliveryMessage.Devices after = (DeliveryMessage.Devices) ask(phone, new DeliveryMessage.UnlinkDevice(laptopId));
        assertThat(after.devices().get(1).removedAtMillis()).isPositive();
        assertThat(net.runUntil(() -> notices(bob).contains("device unlinked: Laptop") && devices(laptop).role().equals("unlinked"), 60_000))
                .isTrue();
        int laptopBefore = texts(laptop, "in", bobAtAlice).size();
        String afterUnlink = send(bob, aliceAtBob, "after unlink");
        String phoneAfter = send(phone, bobAtAlice, "phone after unlink");
        assertThat(net.runUntil(() -> texts(phone, "in", bobAtAlice).contains("after unlink") && status(bob, afterUnlink) == MessageState.DELIVERED
                && status(phone, phoneAfter) == MessageState.DELIVERED, 60_000)).isTrue();
        net.scheduler.advance(5_000);
        assertThat(texts(laptop, "in", bobAtAlice)).hasSize(laptopBefore);
        assertThat(texts(laptop, "out", bobAtAlice)).doesNotContain("phone after unlink");
        // the removed laptop's messages are refused by bob
        int atBob = texts(bob, "in", aliceAtBob).size();
        send(laptop, bobAtAlice, "from a removed device");
        net.scheduler.advance(10_000);
        assertThat(texts(bob, "in", aliceAtBob)).hasSize(atBob);
    }

    @Test
    void theDeviceStateSurvivesARestartOfBothAliceDevices() {
        SimNet net = new SimNet(8, 4);
        SimNet.Peer phone = net.peer("alice", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 2);
        SimNet.Peer laptop = net.peer("laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 3);
        String bobAtAlice = DeliveryServiceTest.connect(net, phone, bob)[0];
        String code = ((DeliveryMessage.LinkCode) ask(laptop, new DeliveryMessage.BeginLink("Laptop"))).code();
        ask(phone, new DeliveryMessage.LinkDevice(code));
        assertThat(net.runUntil(() -> devices(laptop).role().equals("linked") && notices(bob).contains("new device linked: Laptop")
                && DeliveryServiceTest.contacts(laptop).stream().anyMatch(c -> c.contactId().equals(bobAtAlice))
                && DeliveryServiceTest.controlSettled(phone) && DeliveryServiceTest.controlSettled(laptop), 120_000)).isTrue();

        phone.service.stop();
        laptop.service.stop();
        net.start(phone, DeliveryServiceTest.fast("alice"), 101);
        net.start(laptop, DeliveryServiceTest.fast("alice"), 103);
        assertThat(devices(phone).role()).isEqualTo("primary");
        assertThat(devices(phone).devices()).extracting(DeliveryMessage.DeviceView::name).containsExactly("alice", "Laptop");
        assertThat(devices(laptop).role()).isEqualTo("linked");
        assertThat(DeliveryServiceTest.contacts(laptop)).extracting(DeliveryMessage.ContactView::contactId).containsExactly(bobAtAlice);

        String id = send(phone, bobAtAlice, "after the restart");
        assertThat(net.runUntil(() -> texts(laptop, "out", bobAtAlice).contains("after the restart")
                && status(phone, id) == MessageState.DELIVERED && status(laptop, id) == MessageState.DELIVERED, 60_000)).isTrue();
        assertThat(texts(bob, "in", DeliveryServiceTest.contacts(bob).get(0).contactId())).containsExactly("after the restart");
    }

    @Test
    void aContactAddedAfterLinkingReachesBothDevicesAndTheLaptopCanAnswer() {
        SimNet net = new SimNet(9, 4);
        SimNet.Peer phone = net.peer("alice", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 1);
        SimNet.Peer laptop = net.peer("laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 3);
        String code = ((DeliveryMessage.LinkCode) ask(laptop, new DeliveryMessage.BeginLink("Laptop"))).code();
        ask(phone, new DeliveryMessage.LinkDevice(code));
        assertThat(net.runUntil(() -> devices(laptop).role().equals("linked") && DeliveryServiceTest.controlSettled(phone)
                && DeliveryServiceTest.controlSettled(laptop), 60_000)).isTrue();
        assertThat(DeliveryServiceTest.contacts(laptop)).isEmpty(); // the phone is not a contact of its own laptop

        SimNet.Peer carol = net.peer("carol", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("carol"), 2);
        String[] conv = DeliveryServiceTest.connect(net, phone, carol);
        String carolAtAlice = conv[0], aliceAtCarol = conv[1];
        // carol learns the laptop from the phone's announce (told, not silent) and the laptop learns carol from her card
        assertThat(net.runUntil(() -> notices(carol).contains("new device linked: Laptop")
                && DeliveryServiceTest.contacts(laptop).stream().anyMatch(c -> c.contactId().equals(carolAtAlice)), 60_000)).isTrue();
        send(carol, aliceAtCarol, "hello alice");
        assertThat(net.runUntil(() -> texts(phone, "in", carolAtAlice).size() == 1 && texts(laptop, "in", carolAtAlice).size() == 1, 60_000)).isTrue();
        String answer = send(laptop, carolAtAlice, "hi carol, from the laptop");
        assertThat(net.runUntil(() -> texts(carol, "in", aliceAtCarol).contains("hi carol, from the laptop")
                && texts(phone, "out", carolAtAlice).contains("hi carol, from the laptop")
                && status(laptop, answer) == MessageState.DELIVERED, 60_000)).isTrue();
        assertThat(DeliveryServiceTest.contacts(carol)).hasSize(1);
    }
}
