package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.invite.InviteCodec;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.delivery.service.DeliveryServiceTest.connect;
import static org.parley.delivery.service.DeliveryServiceTest.fast;
import static org.parley.delivery.service.DeliveryServiceTest.hasContact;

/**
 * Rotating the request inbox our invite link names, to revoke a link we shared: a new link with a
 * new inbox; the old inbox is still read for the TTL (requests sent to it then still make contacts,
 * also across a restart), then contact requests arriving there are dropped and a restart no longer
 * opens it. Contacts made before are not affected.
 */
class InviteRotationTest {
    static final long GRACE = 60_000; // the TTL of these accounts

    @Test
    void theOldLinkStillWorksDuringItsGraceAndIsRevokedAfterWhileTheNewLinkWorks() {
        SimNet net = new SimNet(71, 3);
        DeliveryConfig cfg = fast("alice").withTtl(GRACE);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), cfg, 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        SimNet.Peer carol = net.peer("carol", new InMemoryDeliveryStore(), fast("carol"), 3);
        SimNet.Peer dave = net.peer("dave", new InMemoryDeliveryStore(), fast("dave"), 4);
        SimNet.Peer erin = net.peer("erin", new InMemoryDeliveryStore(), fast("erin"), 5);
        String[] withBob = connect(net, bob, alice); // a contact made before the rotation
        String oldLink = alice.service.me().invite();
        Invite before = InviteCodec.parse(oldLink, net.clock);

        // as the gateway asks: RotateInbox naming the invite's inbox
        DeliveryMessage.InboxesRotated rotated = (DeliveryMessage.InboxesRotated) alice.service
                .handle(new DeliveryMessage.RotateInbox(DeliveryService.INVITE_INBOX)).toCompletableFuture().join();
        String newLink = alice.service.me().invite();
        Invite after = InviteCodec.parse(newLink, net.clock);
        assertThat(newLink).isNotEqualTo(oldLink);
        assertThat(after.inbox().id()).isNotEqualTo(before.inbox().id());
        assertThat(after.inbox().relays()).isEqualTo(before.inbox().relays());
        assertThat(after.bundle().identity()).isEqualTo(before.bundle().identity());
        assertThat(rotated.inboxes()).singleElement().satisfies(r -> {
            assertThat(r.contactId()).isEqualTo(DeliveryService.INVITE_INBOX);
            assertThat(r.inboxId()).isEqualTo(after.inbox().id().value().hex());
            assertThat(r.relays()).hasSize(2);
        });
        assertThat(alice.ownInboxes).contains(after.inbox().id().value());

        // within the grace the old link still makes a contact, also after a restart of alice
        alice.service.stop();
        alice.ownInboxes.clear();
        net.start(alice, cfg, 11, List.of());
        assertThat(alice.ownInboxes).contains(before.inbox().id().value(), after.inbox().id().value());
        assertThat(alice.service.me().invite()).isEqualTo(newLink);
        carol.service.addContact(oldLink, "alice").toCompletableFuture().join();
        assertThat(net.runUntil(() -> hasContact(alice, carol), 30_000)).isTrue();
        int daveFrom = net.sends.size();
        connect(net, dave, alice); // the new link: dave's request goes to the new inbox
        assertThat(net.sends.subList(daveFrom, net.sends.size())).anySatisfy(s -> {
            assertThat(s.from()).isEqualTo("dave");
            assertThat(s.inbox()).isEqualTo(after.inbox().id().value());
        }).noneSatisfy(s -> assertThat(s.inbox()).isEqualTo(before.inbox().id().value()));

        // the grace ends: a request to the old inbox (still open at the relay) is dropped, the new link still works
        assertThat(net.runUntil(() -> false, GRACE)).isFalse();
        int sendsBefore = net.sends.size();
        erin.service.addContact(oldLink, "alice").toCompletableFuture().join();
        assertThat(net.runUntil(() -> hasContact(alice, erin), 20_000)).isFalse();
        assertThat(net.sends.subList(sendsBefore, net.sends.size())).anySatisfy(s -> {
            assertThat(s.from()).isEqualTo("erin");
            assertThat(s.inbox()).isEqualTo(before.inbox().id().value());
        });
        assertThat(net.pushes).isPositive();
        SimNet.Peer frank = net.peer("frank", new InMemoryDeliveryStore(), fast("frank"), 6);
        connect(net, frank, alice);
        // bob, a contact from before, is not affected
        bob.service.sendText(withBob[0], "still here");
        assertThat(net.runUntil(() -> DeliveryServiceTest.shownTexts(alice, withBob[1]).contains("still here"), 30_000)).isTrue();

        // a restart after the grace no longer opens the old inbox
        alice.service.stop();
        alice.ownInboxes.clear();
        net.start(alice, cfg, 12, List.of());
        assertThat(alice.ownInboxes).contains(after.inbox().id().value()).doesNotContain(before.inbox().id().value());
    }

    @Test
    void movesWhileFourOldInboxesAreStillReadAreRefused() {
        SimNet net = new SimNet(72, 3);
        DeliveryConfig cfg = fast("alice").withTtl(GRACE);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), cfg, 1);
        for (int i = 0; i < Account.MAX_RETIRED_REQUEST_INBOXES; i++) alice.service.rotateRequestInbox().toCompletableFuture().join();
        String current = alice.service.me().invite();
        assertThatThrownBy(() -> alice.service.rotateRequestInbox().toCompletableFuture().join())
                .satisfies(t -> assertThat(DeliveryService.cause(t)).isInstanceOfSatisfying(ParleyException.class,
                        e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.RESOURCE_LIMIT)));
        assertThat(alice.service.me().invite()).isEqualTo(current); // nothing moved
        // once the oldest is let go, a move is possible again; the account as stored keeps the retired ones
        net.clock.advance(GRACE + 1);
        Bytes stored = alice.store.loadAccount().toCompletableFuture().join().orElseThrow();
        assertThat(Account.decode(stored).retiredRequestInboxes()).hasSize(Account.MAX_RETIRED_REQUEST_INBOXES);
        alice.service.rotateRequestInbox().toCompletableFuture().join();
        Account now = Account.decode(alice.store.loadAccount().toCompletableFuture().join().orElseThrow());
        assertThat(now.retiredRequestInboxes()).hasSize(1); // the expired ones are dropped, the one just replaced kept
        assertThat(now.requestInbox().id()).isEqualTo(InviteCodec.parse(alice.service.me().invite(), net.clock).inbox().id());
        assertThat(Account.decode(now.encode()).retiredRequestInboxes()).isEqualTo(now.retiredRequestInboxes());
    }
}
