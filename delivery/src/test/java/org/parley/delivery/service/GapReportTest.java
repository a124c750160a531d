package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.MessageView;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.delivery.service.DeliveryServiceTest.connect;
import static org.parley.delivery.service.DeliveryServiceTest.fast;
import static org.parley.delivery.service.DeliveryServiceTest.shownTexts;
import static org.parley.delivery.service.MultiDeviceTest.listed;
import static org.parley.delivery.service.MultiDeviceTest.send;
import static org.parley.delivery.service.MultiDeviceTest.status;

/**
 * Gaps are visible, not silent: messages of a sender that never reach a device (they expired at
 * its inbox relays while it was away longer than the TTL) show as a gap notice once the bound is
 * up; messages that only come out of order, or late but within the bound, are no gap.
 */
class GapReportTest {
    private static List<DeliveryMessage.Event> gapEvents(SimNet.Peer p) {
        return p.events.stream().filter(e -> e.type().equals("gap")).toList();
    }

    @Test
    void messagesThatExpiredWhileTheDeviceWasAwayAreReportedAsAGapInTheirConversation() {
        SimNet net = new SimNet(41, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice").withTtl(20_000), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] c = connect(net, alice, bob);
        String one = send(alice, c[0], "one");
        assertThat(net.runUntil(() -> status(alice, one) == MessageState.DELIVERED, 30_000)).isTrue();

        bob.online = false; // away longer than the TTL
        List<String> ids = new ArrayList<>();
        for (String t : List.of("two", "three", "four", "five")) {
            net.clock.advance(100);
            ids.add(send(alice, c[0], t));
        }
        assertThat(net.runUntil(() -> ids.stream().allMatch(id -> status(alice, id) == MessageState.SENT), 30_000)).isTrue();
        net.scheduler.advance(25_000); // alice gives up on all four (no receipt within her TTL)
        assertThat(ids).allMatch(id -> status(alice, id) == MessageState.FAILED);
        assertThat(net.expire(ids.get(0))).isEqualTo(1); // "two" and "three" expired at bob's inbox relay
        assertThat(net.expire(ids.get(1))).isEqualTo(1);

        bob.goOnline();
        assertThat(net.runUntil(() -> shownTexts(bob, c[1]).contains("five"), 60_000)).isTrue();
        assertThat(shownTexts(bob, c[1])).containsExactly("one", "four", "five"); // shown after the reorder wait, in order
        assertThat(bob.gaps).isZero(); // not yet: the skipped ones may still come within the bound
        assertThat(gapEvents(bob)).isEmpty();

        net.scheduler.advance(bob.service.gapBoundMillis() + 100);
        assertThat(bob.gaps).isEqualTo(2);
        assertThat(bob.service.missedMessages()).isEqualTo(2);
        assertThat(gapEvents(bob)).hasSize(1);
        MessageView notice = gapEvents(bob).get(0).message();
        assertThat(notice.direction()).isEqualTo("system");
        assertThat(notice.conversationId()).isEqualTo(c[1]);
        assertThat(notice.text()).startsWith("2 messages from alice did not arrive");
        // the notice stays in the conversation (listed later too), after the messages before the gap, and counts as nothing unread
        List<MessageView> listedAtBob = listed(bob, c[1]);
        assertThat(listedAtBob).extracting(MessageView::direction).containsExactly("in", "in", "in", "system");
        DeliveryMessage.ConversationView conv = MultiDeviceTest.conversations(bob).stream()
                .filter(v -> v.conversationId().equals(c[1])).findFirst().orElseThrow();
        assertThat(conv.unread()).isEqualTo(3);
        // a mark-read up to the last message passes over the notice without trouble
        String last = listedAtBob.get(2).messageId();
        bob.service.markRead(c[1], last).toCompletableFuture().join();

        // no second report for the same gap, and later messages in order bring none
        String six = send(alice, c[0], "six");
        assertThat(net.runUntil(() -> status(alice, six) == MessageState.DELIVERED, 30_000)).isTrue();
        net.scheduler.advance(bob.service.gapBoundMillis() * 2);
        assertThat(bob.gaps).isEqualTo(2);
        assertThat(gapEvents(bob)).hasSize(1);
    }

    @Test
    void onlyTheDeviceThatWasAwayReportsTheGapItsOtherDeviceGotEverything() {
        MultiDeviceTest.World w = MultiDeviceTest.world(43, 2, 0, 0);
        MultiDeviceTest.link(w, 0);
        w.bob().service.stop(); // bob gives up within 20 s from now on
        w.net().start(w.bob(), fast("bob").withTtl(20_000), 143);
        w.laptop().online = false;
        List<String> ids = new ArrayList<>();
        for (String t : List.of("x1", "x2")) {
            w.net().clock.advance(100);
            ids.add(send(w.bob(), w.aliceAtBob(), t));
        }
        assertThat(w.net().runUntil(() -> shownTexts(w.phone(), w.bobAtAlice()).containsAll(List.of("x1", "x2")), 30_000)).isTrue();
        w.net().scheduler.advance(25_000); // bob stops resending the laptop's copies; its relay lets them expire
        for (String id : ids) assertThat(w.net().expire(id)).isEqualTo(1);
        String x3 = send(w.bob(), w.aliceAtBob(), "x3");
        w.laptop().goOnline();
        assertThat(w.net().runUntil(() -> shownTexts(w.laptop(), w.bobAtAlice()).contains("x3")
                && status(w.bob(), x3) == MessageState.DELIVERED, 60_000)).isTrue();
        w.net().scheduler.advance(w.laptop().service.gapBoundMillis() + 100);
        assertThat(shownTexts(w.laptop(), w.bobAtAlice())).containsExactly("x3");
        assertThat(w.laptop().gaps).isEqualTo(2);
        assertThat(gapEvents(w.laptop())).singleElement().satisfies(e -> {
            assertThat(e.message().conversationId()).isEqualTo(w.bobAtAlice());
            assertThat(e.message().text()).startsWith("2 messages from bob did not arrive");
        });
        assertThat(shownTexts(w.phone(), w.bobAtAlice())).containsSubsequence("x1", "x2", "x3");
        assertThat(w.phone().gaps).isZero();
        assertThat(gapEvents(w.phone())).isEmpty();
    }

    @Test
    void messagesThatComeOutOfOrderOrLateWithinTheBoundAreNoGap() {
        SimNet net = new SimNet(42, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] c = connect(net, alice, bob);
        bob.online = false;
        net.reorder = 1.0; // every push 20..220 ms late, in random order
        long reorderWait = fast("bob").reorderWaitMillis();
        net.slowPushMillis = reorderWait + (bob.service.gapBoundMillis() - reorderWait) / 2; // after the reorder wait, within the bound
        List<String> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            net.clock.advance(100);
            if (i == 3) net.slowSendIndex = net.sends.size();
            texts.add("m" + i);
            ids.add(send(alice, c[0], "m" + i));
        }
        bob.goOnline();
        assertThat(net.runUntil(() -> ids.stream().allMatch(id -> status(alice, id) == MessageState.DELIVERED), 60_000)).isTrue();
        net.scheduler.advance(bob.service.gapBoundMillis() * 2);
        assertThat(shownTexts(bob, c[1])).containsExactlyInAnyOrderElementsOf(texts);
        List<String> withoutSlow = new ArrayList<>(shownTexts(bob, c[1]));
        assertThat(withoutSlow.indexOf("m3")).isEqualTo(7); // it came after the reorder wait: shown last
        withoutSlow.remove("m3");
        assertThat(withoutSlow).containsExactly("m1", "m2", "m4", "m5", "m6", "m7", "m8");
        assertThat(bob.gaps).isZero();
        assertThat(gapEvents(bob)).isEmpty();
        assertThat(listed(bob, c[1])).extracting(MessageView::direction).containsOnly("in");
    }

    @Test
    void sequenceGapsFillSplitAndComeDueOnce() {
        SequenceGaps g = new SequenceGaps();
        g.skipped(5, 9, 1_000);
        g.skipped(20, 20, 2_000);
        assertThat(g.pending()).isEqualTo(6);
        assertThat(g.fill(7)).isTrue();
        assertThat(g.fill(7)).isFalse();
        assertThat(g.fill(10)).isFalse();
        assertThat(g.pending()).isEqualTo(5);
        assertThat(g.takeDue(999)).isZero();
        assertThat(g.takeDue(1_000)).isEqualTo(4); // 5, 6, 8, 9
        assertThat(g.takeDue(1_500)).isZero();
        assertThat(g.fill(20)).isTrue();
        assertThat(g.takeDue(5_000)).isZero();
        for (int i = 0; i < SequenceGaps.MAX_RANGES + 3; i++) g.skipped(100L * i, 100L * i + 1, 10_000);
        assertThat(g.takeDue(0)).isEqualTo(6); // the three oldest ranges pushed out by the bound count at once
        assertThat(g.pending()).isEqualTo(2L * SequenceGaps.MAX_RANGES);
    }
}
