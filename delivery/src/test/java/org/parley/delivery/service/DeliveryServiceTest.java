package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.MessageView;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeliveryServiceTest {
    static DeliveryConfig fast(String name) {
        return DeliveryConfig.defaults(name).withTimeouts(300, 1_000, 100, 5_000);
    }

    /** Alice adds Bob's invite; Bob learns Alice from her contact card. Returns [alice's conv with bob, bob's conv with alice]. */
    static String[] connect(SimNet net, SimNet.Peer a, SimNet.Peer b) {
        String link = b.service.me().invite();
        DeliveryMessage.ContactView bob = a.service.addContact(link, "").toCompletableFuture().join();
        assertThat(net.runUntil(() -> hasContact(b, a), 60_000)).isTrue();
        assertThat(net.runUntil(() -> controlSettled(a) && controlSettled(b), 60_000)).isTrue(); // both cards confirmed
        String aId = contacts(b).stream().filter(c -> c.name().equals(a.name)).findFirst().orElseThrow().contactId();
        return new String[]{bob.contactId(), aId};
    }

    static boolean controlSettled(SimNet.Peer p) {
        return p.store.allMessages().stream().filter(m -> m.outgoing() && m.conversationId().equals(DeliveryService.CONTROL))
                .allMatch(m -> m.status() == MessageState.DELIVERED);
    }

    static boolean hasContact(SimNet.Peer of, SimNet.Peer who) {
        return contacts(of).stream().anyMatch(c -> c.name().equals(who.name));
    }

    static List<DeliveryMessage.ContactView> contacts(SimNet.Peer p) {
        return ((DeliveryMessage.Contacts) p.service.handle(new DeliveryMessage.ListContacts()).toCompletableFuture().join()).contacts();
    }

    static List<String> shownTexts(SimNet.Peer p, String conversationId) {
        return p.events.stream().filter(e -> e.type().equals("message") && e.message().direction().equals("in")
                        && e.message().conversationId().equals(conversationId))
                .map(e -> e.message().text()).toList();
    }

    static Map<String, Long> statusCounts(SimNet.Peer p) {
        return p.store.allMessages().stream().filter(m -> m.outgoing() && !m.conversationId().equals(DeliveryService.CONTROL))
                .collect(Collectors.groupingBy(m -> m.status().label(), Collectors.counting()));
    }

    @Test
    void aNewKeyUnderAKnownContactsNameIsANewFlaggedContactNeverATakeover() {
        SimNet net = new SimNet(9, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] ids = connect(net, bob, alice); // bob adds alice; alice learns "bob" from his card
        // bob reinstalls: a new key, the same name, and he adds alice's invite again
        SimNet.Peer bob2 = net.peer("bob-2", new InMemoryDeliveryStore(), fast("bob"), 3); // shows itself as "bob"
        bob2.service.addContact(alice.service.me().invite(), "").toCompletableFuture().join();
        assertThat(net.runUntil(() -> contacts(alice).size() == 2, 60_000)).isTrue();
        List<DeliveryMessage.ContactView> cs = contacts(alice);
        DeliveryMessage.ContactView old = cs.stream().filter(c -> c.contactId().equals(ids[1])).findFirst().orElseThrow();
        DeliveryMessage.ContactView fresh = cs.stream().filter(c -> !c.contactId().equals(ids[1])).findFirst().orElseThrow();
        assertThat(old.identityChanged()).isFalse();
        assertThat(fresh.identityChanged()).as("flagged: same name, another key").isTrue();
        assertThat(fresh.safetyNumber()).isNotEqualTo(old.safetyNumber());
        // a contact with a name nobody else has is not flagged
        SimNet.Peer carol = net.peer("carol", new InMemoryDeliveryStore(), fast("carol"), 4);
        carol.service.addContact(alice.service.me().invite(), "").toCompletableFuture().join();
        assertThat(net.runUntil(() -> contacts(alice).size() == 3, 60_000)).isTrue();
        assertThat(contacts(alice).stream().filter(c -> !c.contactId().equals(ids[1]) && !c.contactId().equals(fresh.contactId()))
                .findFirst().orElseThrow().identityChanged()).isFalse();
    }

    @Test
    void aFirstMessageThatOvertakesTheSendersContactCardWaitsForItInsteadOfBeingDropped() {
        SimNet net = new SimNet(7, 4);
        // receipts wait 20 s before a resend: a dropped first message would show as a 20 s delay and a retry
        DeliveryConfig patient = DeliveryConfig.defaults("alice").withTimeouts(300, 20_000, 100, 5_000);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), patient, 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        net.slowSendIndex = 0; // alice's first send is her contact card: it reaches bob 3 s late
        net.slowPushMillis = 3_000;
        DeliveryMessage.ContactView bobAtAlice = alice.service.addContact(bob.service.me().invite(), "").toCompletableFuture().join();
        MessageView sent = ((DeliveryMessage.MessageReply) alice.service.handle(
                new DeliveryMessage.SendText(bobAtAlice.contactId(), "before the card")).toCompletableFuture().join()).message();
        assertThat(net.sends.get(0).from()).isEqualTo("alice");
        long start = net.clock.nowMillis();
        assertThat(net.runUntil(() -> alice.store.allMessages().stream()
                .anyMatch(m -> m.messageId().equals(sent.messageId()) && m.status() == MessageState.DELIVERED), 15_000)).isTrue();
        assertThat(net.clock.nowMillis() - start).isBetween(3_000L, 5_000L); // held until the card came, then confirmed
        assertThat(alice.counts[3]).as("retries").isZero();
        assertThat(shownTexts(bob, contacts(bob).get(0).contactId())).containsExactly("before the card");
    }

    @Test
    void thousandMessagesEachWayThroughLossyRelaysArriveOnceInOrderAndAreDelivered() {
        SimNet net = new SimNet(42, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        net.dropBeforeStore = 0.05;
        net.dropAfterStore = 0.05;
        net.reorder = 0.10;
        net.duplicate = 0.05;
        int n = 1000;
        List<String> fromAlice = new ArrayList<>(), fromBob = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fromAlice.add("a" + i);
            fromBob.add("b" + i);
            alice.service.sendText(conv[0], "a" + i);
            bob.service.sendText(conv[1], "b" + i);
            if (i % 50 == 0) net.scheduler.advance(10);
        }
        boolean done = net.runUntil(() -> statusCounts(alice).getOrDefault("delivered", 0L) == n
                && statusCounts(bob).getOrDefault("delivered", 0L) == n, 600_000);
        assertThat(done).as("alice %s bob %s", statusCounts(alice), statusCounts(bob)).isTrue();
        assertThat(shownTexts(bob, conv[1])).containsExactlyElementsOf(fromAlice);
        assertThat(shownTexts(alice, conv[0])).containsExactlyElementsOf(fromBob);
        // the conversation as a client lists it (newest first) keeps each sender's order too
        // (pages cut at timestamps may hide a few messages that share one; the order of the rest is checked)
        List<String> listedAtBob = listedIncoming(bob, conv[1]);
        List<String> listedAtAlice = listedIncoming(alice, conv[0]);
        assertThat(listedAtBob.size()).isGreaterThan(n / 2);
        assertThat(listedAtAlice.size()).isGreaterThan(n / 2);
        assertThat(listedAtBob).containsExactlyElementsOf(fromAlice.stream().filter(listedAtBob::contains).toList());
        assertThat(listedAtAlice).containsExactlyElementsOf(fromBob.stream().filter(listedAtAlice::contains).toList());

        // receipts travel another route: Bob's receipts and texts go to Alice's inboxes over Bob's circuits, never back on Alice's
        Set<Object> aliceInboxes = new HashSet<>(alice.ownInboxes), bobInboxes = new HashSet<>(bob.ownInboxes);
        assertThat(aliceInboxes).doesNotContainAnyElementsOf(bobInboxes);
        for (SimNet.Sent s : net.sends) {
            if (s.from().equals("alice")) {
                assertThat(bobInboxes).contains(s.inbox());
                assertThat(s.path().get(0)).isEqualTo("alice-guard");
            } else {
                assertThat(aliceInboxes).contains(s.inbox());
                assertThat(s.path().get(0)).isEqualTo("bob-guard");
            }
        }
        // the faults happened: more envelopes sent than messages, and retries beyond 2n messages + receipts
        assertThat(net.sends.size()).isGreaterThan(2 * n + 100);
        // metrics hooks: n texts received each side, n delivered (with a latency), retries happened
        assertThat(bob.counts[1]).isEqualTo(n);
        assertThat(alice.counts[1]).isEqualTo(n);
        assertThat(alice.counts[5]).isGreaterThanOrEqualTo(n);
        assertThat(alice.counts[3] + bob.counts[3]).isPositive();
        assertThat(alice.counts[0]).isGreaterThanOrEqualTo(n);
        assertThat(alice.counts[4]).isZero();
        // a delivered message's path is the circuit the sender used
        MessageView any = ((DeliveryMessage.Messages) alice.service.handle(new DeliveryMessage.ListMessages(conv[0], 0, 1))
                .toCompletableFuture().join()).messages().get(0);
        assertThat(any.path()).isNotEmpty();
    }

    @Test
    void pendingIsPersistedBeforeTheFirstSendThenSentThenDelivered() {
        SimNet net = new SimNet(7, 3);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        int sendsBefore = net.sends.size();
        MessageView m = alice.service.sendText(conv[0], "hello").toCompletableFuture().join();
        assertThat(m.status()).isEqualTo("pending");
        assertThat(alice.store.get(m.messageId()).orElseThrow().status()).isEqualTo(MessageState.PENDING);
        assertThat(net.sends.size()).isEqualTo(sendsBefore + 1); // sent right after it was persisted
        List<String> statuses = new ArrayList<>();
        assertThat(net.runUntil(() -> alice.store.get(m.messageId()).orElseThrow().status() == MessageState.DELIVERED, 10_000)).isTrue();
        alice.events.stream().filter(e -> e.message() != null && e.message().messageId().equals(m.messageId()))
                .forEach(e -> statuses.add(e.message().status()));
        assertThat(statuses).containsExactly("pending", "sent", "delivered");
        // cursors increase by one and EventsSince resumes after a cursor
        List<Long> cursors = alice.events.stream().map(DeliveryMessage.Event::cursor).toList();
        for (int i = 0; i < cursors.size(); i++) assertThat(cursors.get(i)).isEqualTo(i + 1L);
        DeliveryMessage.Events since = (DeliveryMessage.Events) alice.service.handle(new DeliveryMessage.EventsSince(cursors.size() - 2, 10))
                .toCompletableFuture().join();
        assertThat(since.events()).extracting(DeliveryMessage.Event::cursor).containsExactly((long) cursors.size() - 1, (long) cursors.size());

        // read receipt: bob marks it read, alice sees "read"
        String bobsId = shownIds(bob, conv[1]).get(0);
        bob.service.markRead(conv[1], bobsId).toCompletableFuture().join();
        assertThat(net.runUntil(() -> alice.store.get(m.messageId()).orElseThrow().status() == MessageState.READ, 10_000)).isTrue();
    }

    static List<String> shownIds(SimNet.Peer p, String conv) {
        return p.events.stream().filter(e -> e.type().equals("message") && e.message().direction().equals("in")
                && e.message().conversationId().equals(conv)).map(e -> e.message().messageId()).toList();
    }

    @Test
    void recipientOfflineThenBackGetsEverythingOnce() {
        SimNet net = new SimNet(9, 3);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        bob.online = false;
        for (int i = 0; i < 30; i++) alice.service.sendText(conv[0], "m" + i);
        net.scheduler.advance(60_000);
        assertThat(statusCounts(alice)).containsEntry("sent", 30L).doesNotContainKey("delivered");
        assertThat(shownTexts(bob, conv[1])).isEmpty();
        bob.goOnline();
        assertThat(net.runUntil(() -> statusCounts(alice).getOrDefault("delivered", 0L) == 30, 120_000)).isTrue();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) expected.add("m" + i);
        assertThat(shownTexts(bob, conv[1])).containsExactlyElementsOf(expected);
    }

    @Test
    void messagesToANewContactWaitUntilOurCardIsStoredSoNoneOvertakesIt() {
        // A contact card that relays refused twice (the new contact's inbox not registered yet) while
        // 30 texts were queued: without waiting for the card, the texts reach Bob first, he can hold
        // only 16 messages from an unknown sender and drops the rest, and Alice resends those only
        // when no receipt comes. With the texts held until a relay stored the card, each goes once.
        SimNet net = new SimNet(23, 3);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String link = bob.service.me().invite();
        int card = net.sends.size();
        net.refuseSends.addAll(List.of(card, card + 1));
        String conv = alice.service.addContact(link, "").toCompletableFuture().join().contactId();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            alice.service.sendText(conv, "t" + i);
            expected.add("t" + i);
        }
        assertThat(net.runUntil(() -> statusCounts(alice).getOrDefault("delivered", 0L) == 30, 60_000)).isTrue();
        assertThat(alice.counts[3]).as("retries: the card's two, no text resent").isEqualTo(2);
        String bobsConv = contacts(bob).get(0).contactId();
        assertThat(shownTexts(bob, bobsConv)).containsExactlyElementsOf(expected);
    }

    @Test
    void aRepeatedFirstMessageDoesNotForkTheSession() {
        // Relays push at least once, and anyone who knows an inbox can deliver to it: alice's first
        // message (her card, a PreKey message) comes to bob again after the session is up. No session
        // decrypts the copy (its key is used); making a new session from it gave bob a session alice
        // never had, and everything he sent over it was unreadable to her.
        SimNet net = new SimNet(29, 3);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        int first = net.sends.size();
        String[] conv = connect(net, alice, bob);
        assertThat(net.sends.get(first).from()).isEqualTo("alice");
        bob.service.onInbound(net.envelopes.get(first), List.of("replay")).toCompletableFuture().join();
        net.scheduler.advance(100);
        List<String> fromAlice = new ArrayList<>(), fromBob = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            alice.service.sendText(conv[0], "a" + i);
            fromAlice.add("a" + i);
            bob.service.sendText(conv[1], "b" + i);
            fromBob.add("b" + i);
        }
        assertThat(net.runUntil(() -> statusCounts(alice).getOrDefault("delivered", 0L) == 5
                && statusCounts(bob).getOrDefault("delivered", 0L) == 5, 60_000)).isTrue();
        assertThat(shownTexts(bob, conv[1])).containsExactlyElementsOf(fromAlice);
        assertThat(shownTexts(alice, conv[0])).containsExactlyElementsOf(fromBob);
        assertThat(alice.counts[3] + bob.counts[3]).as("nothing had to be resent").isZero();
    }

    @Test
    void anAccountMadeWithOneRelayTakesASecondForItsRequestInboxAndNewContacts() {
        SimNet net = new SimNet(31, 3);
        SimNet.Peer alice = net.new Peer("alice", new InMemoryDeliveryStore());
        net.peers.put("alice", alice);
        net.start(alice, fast("alice"), 1, List.of(net.relays.get(0)));
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        assertThat(alice.service.inboxRelayCount()).isEqualTo(1);
        assertThat(org.parley.delivery.invite.InviteCodec.parse(alice.service.me().invite(), net.clock).inbox().relays()).hasSize(1);

        assertThat(alice.service.topUpInboxRelays(List.of(net.relays.get(0), net.relays.get(1), net.relays.get(2)))
                .toCompletableFuture().join()).isTrue();
        assertThat(alice.service.inboxRelayCount()).isEqualTo(2);
        assertThat(org.parley.delivery.invite.InviteCodec.parse(alice.service.me().invite(), net.clock).inbox().relays())
                .extracting(org.parley.delivery.invite.Invite.Relay::nodeId).containsExactly(net.relays.get(0).nodeId(), net.relays.get(1).nodeId());
        assertThat(alice.service.topUpInboxRelays(List.of(net.relays.get(2))).toCompletableFuture().join()).as("already full").isFalse();

        // a contact made now reaches alice's inbox through the second relay when the first refuses
        String[] conv = connect(net, bob, alice);
        int before = net.sends.size();
        net.refuseSends.add(before); // bob's first attempt (to alice's first relay) is refused
        bob.service.sendText(conv[0], "via the second relay");
        assertThat(net.runUntil(() -> shownTexts(alice, conv[1]).contains("via the second relay"), 30_000)).isTrue();
        assertThat(net.sends.get(before + 1).relay()).isEqualTo(net.relays.get(1).nodeId().shortHex());

        // the account keeps both relays over a restart
        alice.service.stop();
        net.start(alice, fast("alice"), 1, List.of());
        assertThat(alice.service.inboxRelayCount()).isEqualTo(2);
    }

    @Test
    void aRotatedInboxTakesNewMessagesAndTheOldOneStillDeliversUntilItsTimeIsUp() {
        SimNet net = new SimNet(37, 3);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob); // conv[0]: alice's with bob, conv[1]: bob's with alice
        bob.service.sendText(conv[1], "before");
        assertThat(net.runUntil(() -> shownTexts(alice, conv[0]).contains("before"), 30_000)).isTrue();
        Bytes oldInbox = lastInboxOf(net, "bob");

        alice.service.rotateInbox(conv[0]).toCompletableFuture().join();
        bob.service.sendText(conv[1], "in flight"); // bob has not seen the new card yet: goes to the old inbox
        assertThat(lastInboxOf(net, "bob")).isEqualTo(oldInbox);
        assertThat(net.runUntil(() -> shownTexts(alice, conv[0]).contains("in flight"), 30_000)).isTrue();
        assertThat(net.runUntil(() -> controlSettled(alice), 30_000)).isTrue(); // the card with the new inbox arrived

        bob.service.sendText(conv[1], "after");
        assertThat(net.runUntil(() -> shownTexts(alice, conv[0]).contains("after"), 30_000)).isTrue();
        Bytes newInbox = lastInboxOf(net, "bob");
        assertThat(newInbox).isNotEqualTo(oldInbox);
        assertThat(shownTexts(alice, conv[0])).containsExactly("before", "in flight", "after");

        // a restart listens to the old inbox again while its time lasts, and lets it go after
        alice.service.stop();
        alice.ownInboxes.clear();
        net.start(alice, fast("alice"), 1, List.of());
        assertThat(alice.ownInboxes).contains(oldInbox, newInbox);
        net.clock.advance(fast("alice").ttlMillis() + 1);
        alice.service.stop();
        alice.ownInboxes.clear();
        net.start(alice, fast("alice"), 1, List.of());
        assertThat(alice.ownInboxes).contains(newInbox).doesNotContain(oldInbox);
    }

    /** The inbox {@code from} sent to last. */
    private static Bytes lastInboxOf(SimNet net, String from) {
        for (int i = net.sends.size() - 1; i >= 0; i--) if (net.sends.get(i).from().equals(from)) return net.sends.get(i).inbox();
        throw new AssertionError("no send from " + from);
    }

    @Test
    void noReceiptWithinTheTtlFailsWithAReason() {
        SimNet net = new SimNet(11, 3);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice").withTtl(20_000), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        bob.online = false;
        MessageView m = alice.service.sendText(conv[0], "lost").toCompletableFuture().join();
        assertThat(net.runUntil(() -> alice.store.get(m.messageId()).orElseThrow().status() == MessageState.FAILED, 60_000)).isTrue();
        assertThat(net.clock.nowMillis() - m.sentAtMillis()).isBetween(20_000L, 20_500L);
        DeliveryMessage.Event failed = alice.events.stream()
                .filter(e -> e.message() != null && e.message().messageId().equals(m.messageId()) && e.message().status().equals("failed"))
                .findFirst().orElseThrow();
        assertThat(failed.message().failureReason()).contains("TTL");
        assertThat(alice.counts[4]).isEqualTo(1);
        int sends = net.sends.size();
        net.scheduler.advance(60_000);
        assertThat(net.sends.size()).as("no more retries after failure").isEqualTo(sends);
    }

    @Test
    void aRestartedServiceResumesPendingWorkFromTheStore() {
        SimNet net = new SimNet(13, 3);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        String meBefore = alice.service.me().userId();
        net.dropBeforeStore = 1.0; // nothing gets through while alice is up
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) ids.add(alice.service.sendText(conv[0], "r" + i).toCompletableFuture().join().messageId());
        net.scheduler.advance(2_000);
        assertThat(statusCounts(alice)).containsEntry("pending", 10L);
        alice.service.stop();
        net.dropBeforeStore = 0;
        net.start(alice, fast("alice"), 101); // a new service over the same store
        assertThat(alice.service.me().userId()).isEqualTo(meBefore);
        assertThat(net.runUntil(() -> statusCounts(alice).getOrDefault("delivered", 0L) == 10, 60_000)).isTrue();
        assertThat(shownTexts(bob, conv[1])).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
        // and the session survived: a new message both ways still works
        bob.service.sendText(conv[1], "after restart");
        assertThat(net.runUntil(() -> shownTexts(alice, conv[0]).contains("after restart"), 10_000)).isTrue();
    }

    @Test
    void groupOfFiveFansOutPairwise() {
        SimNet net = new SimNet(17, 5);
        List<SimNet.Peer> ps = new ArrayList<>();
        for (int i = 0; i < 5; i++) ps.add(net.peer("p" + i, new InMemoryDeliveryStore(), fast("p" + i), i + 1));
        Map<String, Map<String, String>> ids = new java.util.HashMap<>();
        for (int i = 0; i < 5; i++) {
            for (int j = i + 1; j < 5; j++) {
                String[] c = connect(net, ps.get(i), ps.get(j));
                ids.computeIfAbsent(ps.get(i).name, k -> new java.util.HashMap<>()).put(ps.get(j).name, c[0]);
                ids.computeIfAbsent(ps.get(j).name, k -> new java.util.HashMap<>()).put(ps.get(i).name, c[1]);
            }
        }
        SimNet.Peer owner = ps.get(0);
        List<String> members = List.of(ids.get("p0").get("p1"), ids.get("p0").get("p2"), ids.get("p0").get("p3"), ids.get("p0").get("p4"));
        DeliveryMessage.ConversationView g = owner.service.createGroup("five", members).toCompletableFuture().join();
        assertThat(g.memberContactIds()).hasSize(4);
        assertThat(net.runUntil(() -> ps.subList(1, 5).stream().allMatch(p -> groupOf(p, g.conversationId()) != null
                && groupOf(p, g.conversationId()).memberContactIds().size() == 4), 30_000)).isTrue();
        MessageView m = owner.service.sendText(g.conversationId(), "hi all").toCompletableFuture().join();
        ps.get(3).service.sendText(g.conversationId(), "hi from p3");
        assertThat(net.runUntil(() -> owner.store.get(m.messageId()).orElseThrow().status() == MessageState.DELIVERED, 30_000)).isTrue();
        for (int i = 1; i < 5; i++) assertThat(shownTexts(ps.get(i), g.conversationId())).contains("hi all");
        for (int i : new int[]{0, 1, 2, 4}) {
            int k = i;
            assertThat(net.runUntil(() -> shownTexts(ps.get(k), g.conversationId()).contains("hi from p3"), 30_000)).isTrue();
        }
        // remove p4: the others drop it, p4 no longer counts as a member
        owner.service.changeGroup(g.conversationId(), List.of(), List.of(ids.get("p0").get("p4"))).toCompletableFuture().join();
        assertThat(net.runUntil(() -> groupOf(ps.get(1), g.conversationId()).memberContactIds().size() == 3
                && groupOf(ps.get(4), g.conversationId()).memberContactIds().isEmpty(), 30_000)).isTrue();
        assertThatThrownBy(() -> ps.get(4).service.sendText(g.conversationId(), "x")).isInstanceOf(ParleyException.class);
    }

    static DeliveryMessage.ConversationView groupOf(SimNet.Peer p, String id) {
        return p.service.listConversations().toCompletableFuture().join().stream()
                .filter(c -> c.conversationId().equals(id)).findFirst().orElse(null);
    }

    @Test
    void badRequestsFailWithAKind() {
        SimNet net = new SimNet(19, 2);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        assertThatThrownBy(() -> alice.service.addContact("parley://invite/AAAA", "x"))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
        assertThatThrownBy(() -> alice.service.addContact(alice.service.me().invite(), "me")).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> alice.service.sendText("nope", "x"))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.NOT_FOUND));
        // garbage inbound is dropped (and acknowledged), never an exception
        assertThat(alice.service.onInbound(org.parley.core.Bytes.of(new byte[]{1, 2, 3}), List.of()).toCompletableFuture().join()).isNull();
    }

    @Test
    void bothAddEachOthersInviteAtOnceAndConvergeOnOneSession() {
        for (long seed : new long[]{21, 22, 23, 24}) { // both orders of the identity keys show up across seeds
            SimNet net = new SimNet(seed, 3);
            SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), seed);
            SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), seed + 7);
            String bobInvite = bob.service.me().invite(), aliceInvite = alice.service.me().invite();
            String toBob = alice.service.addContact(bobInvite, "Bob").toCompletableFuture().join().contactId();
            String toAlice = bob.service.addContact(aliceInvite, "Alice").toCompletableFuture().join().contactId();
            for (int i = 0; i < 5; i++) {
                alice.service.sendText(toBob, "a" + i);
                bob.service.sendText(toAlice, "b" + i);
            }
            assertThat(net.runUntil(() -> statusCounts(alice).getOrDefault("delivered", 0L) == 5
                    && statusCounts(bob).getOrDefault("delivered", 0L) == 5, 60_000)).as("seed %d", seed).isTrue();
            assertThat(shownTexts(bob, toAlice)).containsExactly("a0", "a1", "a2", "a3", "a4");
            assertThat(shownTexts(alice, toBob)).containsExactly("b0", "b1", "b2", "b3", "b4");
            assertThat(contacts(alice)).hasSize(1);
            assertThat(contacts(bob)).hasSize(1);
            assertThat(contacts(alice).get(0).safetyNumber()).isEqualTo(contacts(bob).get(0).safetyNumber());
        }
    }

    /** Incoming texts of a conversation in listing order, oldest first, paging with ListMessages(before). */
    static List<String> listedIncoming(SimNet.Peer p, String conv) {
        List<MessageView> all = new ArrayList<>();
        long before = 0;
        for (int page = 0; page < 100; page++) {
            List<MessageView> got = ((DeliveryMessage.Messages) p.service.handle(new DeliveryMessage.ListMessages(conv, before, 200))
                    .toCompletableFuture().join()).messages();
            if (got.isEmpty()) break;
            all.addAll(got);
            long oldest = got.get(got.size() - 1).sentAtMillis();
            if (got.size() < 200) break;
            before = oldest;
        }
        List<String> texts = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).direction().equals("in") && !texts.contains(all.get(i).text())) texts.add(all.get(i).text());
        }
        return texts;
    }
}
