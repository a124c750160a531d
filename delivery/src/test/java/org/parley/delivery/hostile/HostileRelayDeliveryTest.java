package org.parley.delivery.hostile;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.bus.DeliveryMessage;
import org.parley.delivery.service.DeliveryConfig;
import org.parley.delivery.service.DeliveryService;
import org.parley.delivery.service.MessageRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delivery against hostile inbox relays: a relay that flips bits in a stored message gets it
 * dropped by the recipient, and the sender's retry (after no receipt) delivers it exactly once;
 * a relay (or anyone who can push to an inbox) that replays old receipts or pushes forged or
 * tampered ones cannot turn a message that was not delivered into ✓✓.
 */
class HostileRelayDeliveryTest {
    static DeliveryConfig fast(String name) {
        return DeliveryConfig.defaults(name).withTimeouts(300, 1_000, 100, 5_000);
    }

    /** Alice adds Bob's invite; both wait until the contact cards are confirmed. Returns their conversation ids. */
    static String[] connect(HostileInboxNet net, HostileInboxNet.Peer a, HostileInboxNet.Peer b) {
        String link = b.service.me().invite();
        a.service.addContact(link, "").toCompletableFuture().join();
        assertThat(net.runUntil(() -> contacts(b).size() == 1 && controlSettled(a) && controlSettled(b), 60_000)).isTrue();
        String bobInAlice = contacts(a).get(0).contactId();
        String aliceInBob = contacts(b).get(0).contactId();
        return new String[]{bobInAlice, aliceInBob};
    }

    static List<DeliveryMessage.ContactView> contacts(HostileInboxNet.Peer p) {
        return ((DeliveryMessage.Contacts) p.service.handle(new DeliveryMessage.ListContacts()).toCompletableFuture().join()).contacts();
    }

    static boolean controlSettled(HostileInboxNet.Peer p) {
        return p.store.allMessages().stream().filter(m -> m.outgoing() && m.conversationId().equals(DeliveryService.CONTROL))
                .allMatch(m -> m.status().label().equals("delivered"));
    }

    static String status(HostileInboxNet.Peer p, String messageId) {
        Optional<MessageRecord> m = p.store.allMessages().stream().filter(r -> r.messageId().equals(messageId)).findFirst();
        return m.orElseThrow().status().label();
    }

    static List<String> shownTexts(HostileInboxNet.Peer p) {
        return p.events.stream().filter(e -> e.type().equals("message") && e.message().direction().equals("in"))
                .map(e -> e.message().text()).toList();
    }

    private static Bytes flip(Bytes b, int at) {
        byte[] x = b.toArray();
        x[at % x.length] ^= 0x20;
        return Bytes.wrap(x);
    }

    @Test
    void aMessageTamperedAtTheInboxRelayIsDroppedThenRetriedAndDeliveredExactlyOnce() {
        HostileInboxNet net = new HostileInboxNet(4);
        HostileInboxNet.Peer alice = net.peer("alice", fast("alice"), 1);
        HostileInboxNet.Peer bob = net.peer("bob", fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        int bobReceivedBefore = bob.counts[1];

        // Bob's relay flips one bit in the next envelope it pushes him (inside the sealed ciphertext)
        net.tamperNextPushes(bob, 1, env -> flip(env, env.length() - 40));
        String id = alice.service.sendText(conv[0], "the tampered one").toCompletableFuture().join().messageId();
        assertThat(net.runUntil(() -> status(alice, id).equals("delivered"), 60_000)).isTrue();
        net.run(5_000); // let any further retry or duplicate arrive

        assertThat(bob.tamperNext).isZero(); // the tampered copy was pushed, and dropped
        assertThat(shownTexts(bob)).containsExactly("the tampered one");
        assertThat(bob.counts[1] - bobReceivedBefore).isEqualTo(1);
        assertThat(alice.counts[3]).isPositive(); // it took a retry
        assertThat(alice.counts[5]).isGreaterThanOrEqualTo(1);
    }

    @Test
    void replayedForgedAndTamperedReceiptsDoNotMarkAnUndeliveredMessageDelivered() {
        HostileInboxNet net = new HostileInboxNet(4);
        HostileInboxNet.Peer alice = net.peer("alice", fast("alice"), 1);
        HostileInboxNet.Peer bob = net.peer("bob", fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        String first = alice.service.sendText(conv[0], "one").toCompletableFuture().join().messageId();
        assertThat(net.runUntil(() -> status(alice, first).equals("delivered"), 60_000)).isTrue();
        net.run(2_000);
        // everything Bob ever sent Alice (contact card, receipts) as her inbox relay saw it
        List<Bytes> seen = new ArrayList<>(alice.pushedTo);
        assertThat(seen).isNotEmpty();

        bob.online = false;
        String second = alice.service.sendText(conv[0], "two").toCompletableFuture().join().messageId();
        net.run(3_000);
        assertThat(status(alice, second)).isEqualTo("sent"); // stored at Bob's relay, no receipt
        int receiptsBefore = alice.counts[2];
        int deliveredBefore = alice.counts[5];
        int eventsBefore = alice.events.size();

        // the relay replays every old envelope, then bit-flipped copies, truncated copies and noise
        List<Bytes> attack = new ArrayList<>(seen);
        for (int i = 0; i < seen.size(); i++) {
            Bytes s = seen.get(i);
            attack.add(flip(s, 7 + 31 * i));
            attack.add(flip(s, s.length() - 1 - i));
            attack.add(s.slice(0, s.length() - 16));
        }
        attack.add(Bytes.wrap(new byte[seen.get(0).length()]));
        for (Bytes a : attack) net.inject(alice, a).toCompletableFuture().join(); // dropped quietly, never an exception
        net.run(3_000);

        assertThat(status(alice, second)).isEqualTo("sent");
        assertThat(status(alice, first)).isEqualTo("delivered");
        assertThat(alice.counts[2]).isEqualTo(receiptsBefore); // no receipt accepted
        assertThat(alice.counts[5]).isEqualTo(deliveredBefore);
        assertThat(alice.events.subList(eventsBefore, alice.events.size()))
                .noneMatch(e -> e.message() != null && e.message().messageId().equals(second) && "delivered".equals(e.message().status()));
        System.out.printf("[hostile] %d replayed/forged/tampered envelopes pushed to alice: 0 receipts accepted, message two still 'sent'%n",
                attack.size());

        // Bob comes back: the real receipt still works
        bob.goOnline();
        assertThat(net.runUntil(() -> status(alice, second).equals("delivered"), 60_000)).isTrue();
        assertThat(shownTexts(bob)).containsExactly("one", "two");
    }
}
