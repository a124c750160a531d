package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.MessageView;

import java.util.List;
import java.util.Set;

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

    // ------------------------------------------------------------------ link sync: contacts, groups, history

    static List<MessageRecord> stored(SimNet.Peer p, String conversationId) {
        return p.store.allMessages().stream().filter(m -> m.conversationId().equals(conversationId)).sorted(DeliveryService.order()).toList();
    }

    static List<MessageView> listed(SimNet.Peer p, String conversationId) {
        List<MessageView> out = new java.util.ArrayList<>(((DeliveryMessage.Messages) ask(p, new DeliveryMessage.ListMessages(conversationId, 0, 200))).messages());
        java.util.Collections.reverse(out); // listed newest first
        return out;
    }

    static List<DeliveryMessage.ConversationView> conversations(SimNet.Peer p) {
        return ((DeliveryMessage.Conversations) ask(p, new DeliveryMessage.ListConversations())).conversations();
    }

    /** Alice (phone) with bob and carol (renamed "Caroline" on the phone), a group "team" of both, and messages in all three. */
    record World(SimNet net, SimNet.Peer phone, SimNet.Peer bob, SimNet.Peer carol, SimNet.Peer laptop,
                 String bobAtAlice, String aliceAtBob, String carolAtAlice, String group) {}

    static World world(long seed, int bobMessages, int carolMessages, int groupMessages) {
        SimNet net = new SimNet(seed, 4);
        SimNet.Peer phone = net.peer("alice", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 2);
        SimNet.Peer carol = net.peer("carol", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("carol"), 4);
        SimNet.Peer laptop = net.peer("laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 3);
        String[] b = DeliveryServiceTest.connect(net, phone, bob);
        String[] c = DeliveryServiceTest.connect(net, phone, carol);
        phone.service.addContact(carol.service.me().invite(), "Caroline").toCompletableFuture().join(); // the phone's own name for her
        String group = ((DeliveryMessage.ConversationReply) ask(phone, new DeliveryMessage.CreateGroup("team", List.of(b[0], c[0]))))
                .conversation().conversationId();
        assertThat(net.runUntil(() -> DeliveryServiceTest.controlSettled(phone) && conversations(bob).stream()
                .anyMatch(v -> v.conversationId().equals(group)), 60_000)).isTrue();
        for (int i = 0; i < bobMessages; i++) { // alternating: even from the phone, odd from bob; one second apart
            net.clock.advance(1_000);
            String id = i % 2 == 0 ? send(phone, b[0], "bob chat " + i) : send(bob, b[1], "bob chat " + i);
            SimNet.Peer from = i % 2 == 0 ? phone : bob;
            assertThat(net.runUntil(() -> status(from, id) == MessageState.DELIVERED, 30_000)).isTrue();
        }
        for (int i = 0; i < carolMessages; i++) {
            net.clock.advance(1_000);
            String id = i % 2 == 0 ? send(carol, c[1], "carol chat " + i) : send(phone, c[0], "carol chat " + i);
            SimNet.Peer from = i % 2 == 0 ? carol : phone;
            assertThat(net.runUntil(() -> status(from, id) == MessageState.DELIVERED, 30_000)).isTrue();
        }
        for (int i = 0; i < groupMessages; i++) {
            net.clock.advance(1_000);
            String id = i % 3 == 1 ? send(bob, group, "team " + i) : send(phone, group, "team " + i);
            SimNet.Peer from = i % 3 == 1 ? bob : phone;
            assertThat(net.runUntil(() -> status(from, id) == MessageState.DELIVERED, 30_000)).isTrue();
        }
        if (bobMessages >= 7) { // read on the phone up to "bob chat 5": the synced incoming ones are then read and unread ones
            String upTo = listed(phone, b[0]).stream().filter(m -> m.text().equals("bob chat 5")).findFirst().orElseThrow().messageId();
            ask(phone, new DeliveryMessage.MarkRead(b[0], upTo));
            assertThat(net.runUntil(() -> stored(phone, b[0]).stream().filter(m -> m.status() == MessageState.READ).count() == 3, 10_000)).isTrue();
        }
        assertThat(stored(phone, b[0])).hasSize(bobMessages);
        assertThat(stored(phone, c[0])).hasSize(carolMessages);
        assertThat(stored(phone, group)).hasSize(groupMessages);
        return new World(net, phone, bob, carol, laptop, b[0], b[1], c[0], group);
    }

    static void link(World w, int history) {
        String code = ((DeliveryMessage.LinkCode) ask(w.laptop(), new DeliveryMessage.BeginLink("Laptop"))).code();
        ask(w.phone(), new DeliveryMessage.LinkDevice(code, history));
        assertThat(w.net().runUntil(() -> devices(w.laptop()).role().equals("linked")
                && DeliveryServiceTest.contacts(w.laptop()).size() == 2
                && conversations(w.laptop()).stream().anyMatch(v -> v.conversationId().equals(w.group()))
                && DeliveryServiceTest.controlSettled(w.phone()) && DeliveryServiceTest.controlSettled(w.laptop())
                && DeliveryServiceTest.controlSettled(w.bob()) && DeliveryServiceTest.controlSettled(w.carol()), 120_000)).isTrue();
        w.net().scheduler.advance(10_000); // any repeated batch or duplicate would have come by now
    }

    /** Checks what the laptop shows against the phone's last {@code n} messages of a conversation. */
    static void assertLastSynced(World w, String conversationId, int n) {
        List<MessageRecord> atPhone = stored(w.phone(), conversationId);
        List<MessageRecord> expected = atPhone.subList(Math.max(0, atPhone.size() - n), atPhone.size());
        List<MessageRecord> atLaptop = stored(w.laptop(), conversationId);
        assertThat(atLaptop).extracting(MessageRecord::messageId).containsExactlyElementsOf(expected.stream().map(MessageRecord::messageId).toList());
        assertThat(atLaptop).extracting(MessageRecord::createdAtMillis)
                .containsExactlyElementsOf(expected.stream().map(MessageRecord::createdAtMillis).toList()); // original times
        assertThat(atLaptop).extracting(MessageRecord::outgoing).containsExactlyElementsOf(expected.stream().map(MessageRecord::outgoing).toList());
        assertThat(atLaptop).allMatch(LinkSync::isSynced);
        for (MessageRecord m : atLaptop) {
            // incoming: read (no unread count, no read receipt later); outgoing: the status it had on the phone
            MessageState want = m.outgoing() ? atPhone.stream().filter(p -> p.messageId().equals(m.messageId())).findFirst().orElseThrow().status()
                    : MessageState.READ;
            assertThat(m.status()).isEqualTo(want);
        }
        List<MessageView> phoneViews = listed(w.phone(), conversationId);
        assertThat(listed(w.laptop(), conversationId)).extracting(MessageView::text)
                .containsExactlyElementsOf(phoneViews.subList(Math.max(0, phoneViews.size() - n), phoneViews.size()).stream().map(MessageView::text).toList());
        assertThat(listed(w.laptop(), conversationId)).extracting(MessageView::senderName).doesNotContain("?");
    }

    @Test
    void aNewDeviceGetsTheContactsTheGroupAndTheLastFiveMessagesOfEachConversationOnce() {
        World w = world(21, 10, 3, 7);
        int bobInBefore = texts(w.bob(), "in", w.aliceAtBob()).size();
        link(w, 5);

        // both contacts, by the names the phone gave them, and the group with its name and members
        assertThat(DeliveryServiceTest.contacts(w.laptop())).extracting(DeliveryMessage.ContactView::contactId)
                .containsExactlyInAnyOrder(w.bobAtAlice(), w.carolAtAlice());
        assertThat(DeliveryServiceTest.contacts(w.laptop())).filteredOn(c -> c.contactId().equals(w.carolAtAlice()))
                .extracting(DeliveryMessage.ContactView::name).containsExactly("Caroline");
        DeliveryMessage.ConversationView team = conversations(w.laptop()).stream().filter(v -> v.conversationId().equals(w.group())).findFirst().orElseThrow();
        assertThat(team.title()).isEqualTo("team");
        assertThat(team.memberContactIds()).containsExactlyInAnyOrder(w.bobAtAlice(), w.carolAtAlice());
        assertThat(conversations(w.laptop())).extracting(DeliveryMessage.ConversationView::conversationId)
                .containsExactlyInAnyOrder(w.bobAtAlice(), w.carolAtAlice(), w.group());

        // exactly the last 5 (carol: all 3) per conversation, in order, once each, marked synced, nothing unread
        assertLastSynced(w, w.bobAtAlice(), 5);
        assertLastSynced(w, w.carolAtAlice(), 5);
        assertLastSynced(w, w.group(), 5);
        assertThat(stored(w.laptop(), w.bobAtAlice())).hasSize(5);
        assertThat(stored(w.laptop(), w.carolAtAlice())).hasSize(3);
        assertThat(stored(w.laptop(), w.group())).hasSize(5);
        assertThat(conversations(w.laptop())).allMatch(v -> v.unread() == 0);
        assertThat(w.laptop().events).noneMatch(e -> e.type().equals("message")); // synced history is not news
        // nothing was sent again: bob got no copy of alice's old messages from the laptop
        assertThat(texts(w.bob(), "in", w.aliceAtBob())).hasSize(bobInBefore);

        // existing behaviour: a new message from bob reaches both alice devices once, after the synced ones
        w.net().clock.advance(1_000);
        String reply = send(w.bob(), w.aliceAtBob(), "after the link");
        assertThat(w.net().runUntil(() -> texts(w.phone(), "in", w.bobAtAlice()).contains("after the link")
                && texts(w.laptop(), "in", w.bobAtAlice()).contains("after the link") && status(w.bob(), reply) == MessageState.DELIVERED, 60_000)).isTrue();
        w.net().scheduler.advance(5_000);
        assertThat(texts(w.laptop(), "in", w.bobAtAlice())).containsExactly("after the link");
        List<MessageView> atLaptop = listed(w.laptop(), w.bobAtAlice());
        assertThat(atLaptop).hasSize(6);
        assertThat(atLaptop.get(5).text()).isEqualTo("after the link");
        assertThat(atLaptop.get(5).senderName()).isEqualTo("bob");
        // and the laptop can answer bob: its session with him came from bob's side after the announce
        String answer = send(w.laptop(), w.bobAtAlice(), "from the laptop");
        assertThat(w.net().runUntil(() -> texts(w.bob(), "in", w.aliceAtBob()).contains("from the laptop")
                && status(w.laptop(), answer) == MessageState.DELIVERED, 60_000)).isTrue();
    }

    @Test
    void withHistoryZeroTheNewDeviceGetsContactsAndGroupsButNoMessages() {
        World w = world(22, 4, 1, 2);
        link(w, 0);
        assertThat(DeliveryServiceTest.contacts(w.laptop())).extracting(DeliveryMessage.ContactView::contactId)
                .containsExactlyInAnyOrder(w.bobAtAlice(), w.carolAtAlice());
        assertThat(conversations(w.laptop())).extracting(DeliveryMessage.ConversationView::conversationId)
                .containsExactlyInAnyOrder(w.bobAtAlice(), w.carolAtAlice(), w.group());
        assertThat(w.laptop().store.allMessages()).noneMatch(m -> !m.conversationId().startsWith("_"));

        String reply = send(w.bob(), w.aliceAtBob(), "after the link");
        assertThat(w.net().runUntil(() -> texts(w.phone(), "in", w.bobAtAlice()).contains("after the link")
                && texts(w.laptop(), "in", w.bobAtAlice()).contains("after the link") && status(w.bob(), reply) == MessageState.DELIVERED, 60_000)).isTrue();
        assertThat(stored(w.laptop(), w.bobAtAlice())).hasSize(1);
    }

    @Test
    void aHistoryCountOutOfRangeIsRefusedBeforeAnythingIsLinked() {
        SimNet net = new SimNet(23, 4);
        SimNet.Peer phone = net.peer("alice", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 1);
        SimNet.Peer laptop = net.peer("laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 3);
        String code = ((DeliveryMessage.LinkCode) ask(laptop, new DeliveryMessage.BeginLink("Laptop"))).code();
        for (int bad : new int[] {-1, 201}) {
            assertThatThrownBy(() -> ask(phone, new DeliveryMessage.LinkDevice(code, bad)))
                    .hasCauseInstanceOf(ParleyException.class).hasMessageContaining("history must be 0..200");
        }
        assertThat(devices(phone).role()).isEqualTo("solo");
        assertThat(((DeliveryMessage.Devices) ask(phone, new DeliveryMessage.LinkDevice(code, 200))).role()).isEqualTo("primary");
    }

    @Test
    void aSyncedContactThatIsOfflineIsListedAtOnceSurvivesARestartAndBecomesReachableOnceItsCardComes() {
        World w = world(24, 2, 1, 1);
        w.carol().online = false; // carol cannot learn the laptop yet, so she sends it no card
        w.net().clock.advance(1_000);
        String away = send(w.phone(), w.carolAtAlice(), "while you are away"); // stored by a relay, no receipt yet: "sent"
        assertThat(w.net().runUntil(() -> status(w.phone(), away) == MessageState.SENT, 30_000)).isTrue();
        String code = ((DeliveryMessage.LinkCode) ask(w.laptop(), new DeliveryMessage.BeginLink("Laptop"))).code();
        ask(w.phone(), new DeliveryMessage.LinkDevice(code, 3));
        assertThat(w.net().runUntil(() -> devices(w.laptop()).role().equals("linked") && DeliveryServiceTest.contacts(w.laptop()).size() == 2
                && stored(w.laptop(), w.carolAtAlice()).size() == 2 && stored(w.laptop(), w.bobAtAlice()).size() == 2
                && stored(w.laptop(), w.group()).size() == 1, 120_000)).isTrue();
        // listed by the phone's name for her, with her synced message, before any session with her exists
        assertThat(DeliveryServiceTest.contacts(w.laptop())).filteredOn(c -> c.contactId().equals(w.carolAtAlice()))
                .extracting(DeliveryMessage.ContactView::name).containsExactly("Caroline");
        assertThat(listed(w.laptop(), w.carolAtAlice())).extracting(MessageView::senderName).containsExactly("Caroline", "alice");
        assertThat(status(w.laptop(), away)).isEqualTo(MessageState.SENT); // as on the phone when it was synced
        assertThat(w.laptop().events).anyMatch(e -> e.type().equals("contact") && e.contact().contactId().equals(w.carolAtAlice()));

        // a restart keeps the synced contact, the history, and opens no synced message for sending
        int before = w.laptop().store.allMessages().size();
        w.laptop().service.stop();
        w.net().start(w.laptop(), DeliveryServiceTest.fast("alice"), 103);
        assertThat(DeliveryServiceTest.contacts(w.laptop())).extracting(DeliveryMessage.ContactView::name).containsExactlyInAnyOrder("bob", "Caroline");
        assertThat(w.laptop().store.allMessages()).hasSize(before);
        Set<String> synced = w.laptop().store.allMessages().stream().filter(m -> !m.conversationId().startsWith("_"))
                .map(MessageRecord::messageId).collect(java.util.stream.Collectors.toSet());
        assertThat(synced).hasSize(5).contains(away);
        assertThat(w.laptop().service.openMessageIds()).doesNotContainAnyElementsOf(synced); // "sent" but never sent from here

        // carol comes back: she learns the laptop from the phone's announce, sends her card; still one carol, by the synced name
        w.carol().goOnline();
        assertThat(w.net().runUntil(() -> notices(w.carol()).contains("new device linked: Laptop")
                && DeliveryServiceTest.controlSettled(w.carol()) && DeliveryServiceTest.controlSettled(w.laptop()), 120_000)).isTrue();
        assertThat(DeliveryServiceTest.contacts(w.laptop())).extracting(DeliveryMessage.ContactView::contactId)
                .containsExactlyInAnyOrder(w.bobAtAlice(), w.carolAtAlice());
        assertThat(DeliveryServiceTest.contacts(w.laptop())).filteredOn(c -> c.contactId().equals(w.carolAtAlice()))
                .extracting(DeliveryMessage.ContactView::name).containsExactly("Caroline");
        String aliceAtCarol = DeliveryServiceTest.contacts(w.carol()).get(0).contactId();
        String answer = send(w.laptop(), w.carolAtAlice(), "hi carol from the laptop");
        assertThat(w.net().runUntil(() -> texts(w.carol(), "in", aliceAtCarol).contains("hi carol from the laptop")
                && status(w.laptop(), answer) == MessageState.DELIVERED, 60_000)).isTrue();
        assertThat(DeliveryServiceTest.contacts(w.carol())).hasSize(1);
    }
}
