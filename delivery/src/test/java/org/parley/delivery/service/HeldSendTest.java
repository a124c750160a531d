package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.MessageView;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.delivery.service.MultiDeviceTest.ask;
import static org.parley.delivery.service.MultiDeviceTest.devices;
import static org.parley.delivery.service.MultiDeviceTest.listed;
import static org.parley.delivery.service.MultiDeviceTest.send;
import static org.parley.delivery.service.MultiDeviceTest.status;
import static org.parley.delivery.service.MultiDeviceTest.stored;
import static org.parley.delivery.service.MultiDeviceTest.texts;

/**
 * Sending from a newly linked device to a contact our primary synced before that contact's card
 * reached the new device: the send is accepted and held (pending), goes out once the card comes
 * (also after a restart of the new device), and fails with a reason only at its TTL.
 */
class HeldSendTest {
    /** Links the laptop with carol offline (she cannot learn the laptop, so sends it no card). */
    static MultiDeviceTest.World linkedWithCarolAway(long seed, DeliveryConfig laptopConfig) {
        MultiDeviceTest.World w = MultiDeviceTest.world(seed, 2, 1, 1);
        if (laptopConfig != null) {
            w.laptop().service.stop();
            w.net().start(w.laptop(), laptopConfig, seed + 100);
        }
        w.carol().online = false;
        String code = ((DeliveryMessage.LinkCode) ask(w.laptop(), new DeliveryMessage.BeginLink("Laptop"))).code();
        ask(w.phone(), new DeliveryMessage.LinkDevice(code, 0));
        assertThat(w.net().runUntil(() -> devices(w.laptop()).role().equals("linked") && DeliveryServiceTest.contacts(w.laptop()).size() == 2
                && MultiDeviceTest.conversations(w.laptop()).stream().anyMatch(v -> v.conversationId().equals(w.group()))
                && DeliveryServiceTest.controlSettled(w.bob()), 120_000)).isTrue();
        return w;
    }

    @Test
    void aSendToASyncedContactWithoutACardIsHeldAndGoesOnceWhenTheCardComesEvenAfterARestart() {
        MultiDeviceTest.World w = linkedWithCarolAway(31, null);
        // direct and group sends from the laptop are accepted (no 404) and pending for carol
        MessageView first = ((DeliveryMessage.MessageReply) ask(w.laptop(), new DeliveryMessage.SendText(w.carolAtAlice(), "held one"))).message();
        assertThat(first.status()).isEqualTo("pending");
        w.net().clock.advance(1_000);
        String second = send(w.laptop(), w.carolAtAlice(), "held two");
        String team = send(w.laptop(), w.group(), "team from the laptop");
        String aliceAtBob = w.aliceAtBob();
        // bob, who has a session with the laptop, gets the group text at once; carol's part waits
        assertThat(w.net().runUntil(() -> texts(w.bob(), "in", w.group()).contains("team from the laptop"), 60_000)).isTrue();
        w.net().scheduler.advance(30_000);
        assertThat(status(w.laptop(), first.messageId())).isEqualTo(MessageState.PENDING);
        assertThat(status(w.laptop(), second)).isEqualTo(MessageState.PENDING);
        assertThat(status(w.laptop(), team)).isIn(MessageState.PENDING, MessageState.SENT); // the lowest member counts: carol's
        assertThat(status(w.laptop(), team)).isNotEqualTo(MessageState.DELIVERED);
        assertThat(texts(w.bob(), "in", aliceAtBob)).doesNotContain("held one", "held two"); // not misrouted

        // a restart of the laptop keeps them held (their sequence numbers too)
        w.laptop().service.stop();
        w.net().start(w.laptop(), DeliveryServiceTest.fast("alice"), 131);
        assertThat(w.laptop().service.openMessageIds()).contains(first.messageId(), second, team);

        // carol comes back: learns the laptop, sends her card; the held messages go, each shown once, in order
        w.carol().goOnline();
        String aliceAtCarol = DeliveryServiceTest.contacts(w.carol()).get(0).contactId();
        assertThat(w.net().runUntil(() -> status(w.laptop(), first.messageId()) == MessageState.DELIVERED
                && status(w.laptop(), second) == MessageState.DELIVERED && status(w.laptop(), team) == MessageState.DELIVERED, 120_000)).isTrue();
        w.net().scheduler.advance(20_000); // a duplicate would have come by now
        assertThat(texts(w.carol(), "in", aliceAtCarol)).containsExactly("held one", "held two");
        assertThat(texts(w.carol(), "in", w.group())).containsOnlyOnce("team from the laptop").endsWith("team from the laptop");
        assertThat(texts(w.bob(), "in", w.group())).containsOnlyOnce("team from the laptop");
        assertThat(DeliveryServiceTest.contacts(w.carol())).hasSize(1); // one alice, not a new contact per device
        // the phone shows them as sent (transcripts), once each
        assertThat(texts(w.phone(), "out", w.carolAtAlice())).containsExactly("held one", "held two");
    }

    @Test
    void aHeldSendFailsWithAReasonAtItsTtlWhenTheCardNeverComes() {
        long ttl = 120_000;
        MultiDeviceTest.World w = linkedWithCarolAway(32, DeliveryServiceTest.fast("alice").withTtl(ttl));
        long sentAt = w.net().clock.nowMillis();
        String id = send(w.laptop(), w.carolAtAlice(), "never goes");
        w.net().scheduler.advance(ttl - 1_000);
        assertThat(status(w.laptop(), id)).isEqualTo(MessageState.PENDING);
        assertThat(w.net().runUntil(() -> status(w.laptop(), id) == MessageState.FAILED, 5_000)).isTrue();
        assertThat(w.net().clock.nowMillis() - sentAt).isBetween(ttl, ttl + 1_000);
        MessageView v = listed(w.laptop(), w.carolAtAlice()).stream().filter(m -> m.messageId().equals(id)).findFirst().orElseThrow();
        assertThat(v.failureReason()).contains("card");
        assertThat(stored(w.laptop(), w.carolAtAlice())).hasSize(1);
        assertThat(w.laptop().service.openMessageIds()).doesNotContain(id);
    }

    @Test
    void aSendToAContactNobodySyncedIsStillNotFound() {
        MultiDeviceTest.World w = linkedWithCarolAway(33, null);
        List<String> before = w.laptop().store.allMessages().stream().map(MessageRecord::messageId).toList();
        assertThat(w.laptop().service.handle(new DeliveryMessage.SendText("0".repeat(32), "to nobody")).toCompletableFuture())
                .isCompletedExceptionally();
        assertThat(w.laptop().store.allMessages()).extracting(MessageRecord::messageId).containsExactlyElementsOf(before);
    }
}
