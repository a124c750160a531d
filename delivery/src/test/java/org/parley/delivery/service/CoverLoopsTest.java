package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.invite.Invite;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Loop cover traffic ({@link CoverLoops}) over the in-memory relays of {@link SimNet}: Poisson
 * timing within the budget, loops back through our own inbox and invisible, real messages
 * unaffected, loops the size of a real short message, drops counted lost, the bound on outstanding
 * loops, and nothing at all when the budget is 0.
 */
class CoverLoopsTest {
    private static final long HOUR = 3_600_000L;

    private static DeliveryConfig loops(String name, int perDay) {
        return DeliveryServiceTest.fast(name).withCoverLoops(perDay);
    }

    /** Sends from {@code p} into one of its own inboxes: its loops (a node never sends anything else to itself). */
    private static List<SimNet.Sent> loopSends(SimNet net, SimNet.Peer p) {
        Set<Bytes> own = new HashSet<>(p.ownInboxes);
        return net.sends.stream().filter(s -> s.from().equals(p.name) && own.contains(s.inbox())).toList();
    }

    private static void advance(SimNet net, long millis) {
        for (long t = 0; t < millis; t += 60_000) net.scheduler.advance(Math.min(60_000, millis - t));
    }

    @Test
    void aDayOfLoopsAtTheBudgetComesBackInvisiblyWhileRealMessagesFlowOnce() {
        SimNet net = new SimNet(21, 4);
        int perDay = 1_440;
        long start = net.clock.nowMillis();
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), loops("alice", perDay), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 2);
        String[] conv = DeliveryServiceTest.connect(net, alice, bob);
        long connectedAt = net.clock.nowMillis();

        // loops alone for two hours: nothing new for the user
        int eventsBefore = alice.events.size();
        int messagesBefore = alice.store.allMessages().size();
        advance(net, 2 * HOUR);
        assertThat(alice.service.coverLoops().returned()).isGreaterThan(50);
        assertThat(alice.events).hasSize(eventsBefore);
        assertThat(alice.store.allMessages()).hasSize(messagesBefore);

        // then real messages both ways, spread over the rest of the day, while loops go on
        List<String> fromAlice = new ArrayList<>(), fromBob = new ArrayList<>();
        int realBobSend = -1;
        for (int i = 0; i < 22; i++) {
            fromAlice.add("a" + i);
            fromBob.add("b" + i);
            alice.service.sendText(conv[0], "a" + i).toCompletableFuture().join();
            int before = net.sends.size();
            bob.service.sendText(conv[1], "b" + i).toCompletableFuture().join();
            if (i == 5) realBobSend = before; // an established session by now: a ratchet message, not a PreKey one
            advance(net, HOUR);
        }
        advance(net, CoverLoops.LOST_AFTER_MILLIS); // every loop sent has had its time to come back
        long elapsed = net.clock.nowMillis() - start;

        CoverLoops.Stats s = alice.service.coverLoops();
        double expected = (double) perDay * elapsed / DeliveryConfig.DAY;
        assertThat((double) s.sent()).as("Poisson count within 5 sigma of %s", expected)
                .isBetween(expected - 5 * Math.sqrt(expected), expected + 5 * Math.sqrt(expected));
        assertThat(s.lost()).isZero();
        assertThat(s.failed()).isZero();
        assertThat(s.skipped()).isZero();
        assertThat(s.unmatched()).isZero();
        assertThat(s.returned() + s.outstanding()).isEqualTo(s.sent());
        assertThat(s.outstanding()).isLessThanOrEqualTo(2);
        // the metrics SPI saw the same
        assertThat(alice.loops).containsExactly(s.sent(), s.returned(), 0, 0, 0);
        assertThat(alice.loopRtts).hasSize((int) s.returned()).allMatch(rtt -> rtt >= 0 && rtt < 1_000);

        // exponential gaps: coefficient of variation ≈ 1 (a fixed period would give 0)
        List<SimNet.Sent> sends = loopSends(net, alice);
        assertThat(sends).hasSize((int) s.sent());
        double[] gaps = new double[sends.size() - 1];
        for (int i = 1; i < sends.size(); i++) gaps[i - 1] = sends.get(i).atMillis() - sends.get(i - 1).atMillis();
        double mean = java.util.Arrays.stream(gaps).average().orElseThrow();
        double sd = Math.sqrt(java.util.Arrays.stream(gaps).map(g -> (g - mean) * (g - mean)).sum() / (gaps.length - 1));
        assertThat(mean).isBetween(0.85 * DeliveryConfig.DAY / perDay, 1.15 * DeliveryConfig.DAY / perDay);
        assertThat(sd / mean).isBetween(0.8, 1.2);

        // to a relay a loop is a real short message: same envelope length, to the per-contact inbox bob writes to
        SimNet.Sent real = net.sends.get(realBobSend);
        assertThat(real.from()).isEqualTo("bob");
        List<SimNet.Sent> afterConnect = sends.stream().filter(x -> x.atMillis() > connectedAt).toList();
        assertThat(afterConnect.size()).isGreaterThan(1_000);
        assertThat(afterConnect).allMatch(x -> x.length() == real.length() && x.inbox().equals(real.inbox()));
        assertThat(sends).allMatch(x -> x.length() == real.length());
        System.out.printf("cover loops: %d sent in %.1f h, envelope %d bytes (a short text's: %d)%n",
                s.sent(), elapsed / (double) HOUR, sends.get(0).length(), real.length());

        // real messages: all delivered, each shown exactly once, nothing else shown
        assertThat(DeliveryServiceTest.statusCounts(alice)).containsEntry("delivered", 22L);
        assertThat(DeliveryServiceTest.statusCounts(bob)).containsEntry("delivered", 22L);
        assertThat(DeliveryServiceTest.shownTexts(alice, conv[0])).containsExactlyElementsOf(fromBob);
        assertThat(DeliveryServiceTest.shownTexts(bob, conv[1])).containsExactlyElementsOf(fromAlice);
        assertThat(alice.events.stream().filter(e -> e.message() != null)).allMatch(e -> e.message().conversationId().equals(conv[0]) || e.message().conversationId().equals(DeliveryService.CONTROL));
        assertThat(alice.counts[1]).as("messages received").isEqualTo(22);
        assertThat(alice.gaps).isZero();
        List<DeliveryMessage.ConversationView> convs = alice.service.listConversations().toCompletableFuture().join();
        assertThat(convs).hasSize(1);
        assertThat(alice.store.allMessages().stream().filter(m -> !m.conversationId().equals(DeliveryService.CONTROL)).count()).isEqualTo(44);
        assertThat(net.stored()).as("every loop acknowledged and deleted at the relay").isLessThanOrEqualTo(s.outstanding());
    }

    @Test
    void loopsAHostileRelayDropsAreCountedLostAfterTheTimeoutNeverBefore() {
        SimNet net = new SimNet(22, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), loops("alice", 1_440), 1);
        net.dropAfterStore = 1.0; // the inbox relay answers STORED and throws the envelope away
        for (int step = 1; step <= 12; step++) {
            advance(net, 10 * 60_000);
            long now = net.clock.nowMillis();
            List<SimNet.Sent> sends = loopSends(net, alice);
            long old = sends.stream().filter(x -> x.atMillis() + CoverLoops.LOST_AFTER_MILLIS <= now).count();
            CoverLoops.Stats s = alice.service.coverLoops();
            assertThat(s.sent()).isEqualTo(sends.size());
            assertThat(s.lost()).as("lost = sent at least 10 min ago").isEqualTo(old);
            assertThat(s.outstanding()).isEqualTo(sends.size() - (int) old);
        }
        CoverLoops.Stats s = alice.service.coverLoops();
        assertThat(s.sent()).isGreaterThan(60); // 2 h at 1,440 a day: ~120
        assertThat(s.returned()).isZero();
        assertThat(s.failed()).isZero();
        assertThat(alice.loops[2]).isEqualTo(s.lost());
        assertThat(alice.events).isEmpty();

        // a relay that refuses outright: failed at once, not lost
        net.dropAfterStore = 0;
        int from = net.sends.size();
        for (int i = 0; i < 10_000; i++) net.refuseSends.add(from + i);
        advance(net, HOUR);
        CoverLoops.Stats after = alice.service.coverLoops();
        assertThat(after.failed()).isEqualTo(net.sends.size() - from).isGreaterThan(20);
        assertThat(after.returned()).isZero();
        assertThat(after.sent()).isEqualTo(after.returned() + after.lost() + after.failed() + after.outstanding());
    }

    @Test
    void atMost64LoopsAreOutstandingTheRestAreSkipped() {
        SimNet net = new SimNet(23, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), loops("alice", 20_000), 1); // ~139 per 10 min
        net.dropBeforeStore = 1.0; // no answer, nothing comes back
        int maxOutstanding = 0;
        for (int i = 0; i < 30; i++) {
            net.scheduler.advance(60_000);
            maxOutstanding = Math.max(maxOutstanding, alice.service.coverLoops().outstanding());
        }
        CoverLoops.Stats s = alice.service.coverLoops();
        assertThat(maxOutstanding).isEqualTo(CoverLoops.MAX_OUTSTANDING);
        assertThat(s.skipped()).isGreaterThan(100);
        assertThat(s.sent()).isEqualTo(loopSends(net, alice).size());
        assertThat(s.sent()).isEqualTo(s.lost() + s.outstanding());
        assertThat(alice.loops[4]).isEqualTo(s.skipped());
    }

    @Test
    void loopsWaitForAnOpenInboxTheyAreSkippedUntilThen() {
        SimNet net = new SimNet(25, 4);
        boolean[] reachable = {false};
        List<Long> sendTimes = new ArrayList<>();
        DeliveryService[] self = new DeliveryService[1];
        EnvelopeRouter router = new EnvelopeRouter() {
            @Override
            public CompletionStage<SendOutcome> sendToInbox(Invite.Relay relay, InboxId inbox, MessageId id, Bytes envelope) {
                sendTimes.add(net.clock.nowMillis());
                net.scheduler.schedule(40, () -> self[0].onInbound(envelope, List.of("g", "m"))); // pushed back
                return CompletableFuture.completedFuture(new SendOutcome("STORED", List.of("g", "m", "r")));
            }

            @Override
            public CompletionStage<List<String>> openInbox(Invite.Relay relay, InboxId inbox, Bytes authSeed) {
                return reachable[0] ? CompletableFuture.completedFuture(List.of("g", "m", "r"))
                        : CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE, "path selection: no relay with the GUARD flag"));
            }
        };
        DeliveryService service = new DeliveryService(loops("alice", 14_400), new InMemoryDeliveryStore(), router, e -> { },
                net.clock, net.scheduler, SimNet.seeded(1), DeliveryMetrics.NONE);
        self[0] = service;
        service.start(net.relays.subList(0, 2)).toCompletableFuture().join();
        net.scheduler.advance(10 * 60_000); // routing cannot open our inbox: ~100 loops due, none sent
        CoverLoops.Stats before = service.coverLoops();
        assertThat(sendTimes).isEmpty();
        assertThat(before.sent()).isZero();
        assertThat(before.skipped()).isBetween(50L, 150L);
        reachable[0] = true; // the service's retries (backoff, at most retryMaxMillis = 5 s here) now open it
        long flipped = net.clock.nowMillis();
        net.scheduler.advance(10 * 60_000);
        CoverLoops.Stats after = service.coverLoops();
        assertThat(after.sent()).isEqualTo(sendTimes.size()).isBetween(50L, 150L);
        assertThat(sendTimes).allMatch(t -> t > flipped);
        assertThat(after.skipped() - before.skipped()).as("skipped only until the retry opened it").isLessThanOrEqualTo(3);
        assertThat(after.failed()).isZero();
        assertThat(after.returned()).isEqualTo(after.sent() - after.outstanding());
        service.stop();
    }

    @Test
    void withTheBudgetAtZeroNothingIsSent() {
        SimNet net = new SimNet(24, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), loops("alice", 0), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 2);
        DeliveryServiceTest.connect(net, alice, bob);
        advance(net, 24 * HOUR);
        assertThat(loopSends(net, alice)).isEmpty();
        assertThat(alice.service.coverLoops()).isEqualTo(new CoverLoops.Stats(0, 0, 0, 0, 0, 0, 0, -1));
        assertThat(alice.loops).containsOnly(0L);
    }

    @Test
    void theBudgetIsValidated() {
        DeliveryConfig d = DeliveryConfig.defaults("x");
        assertThat(d.coverLoopsPerDay()).isZero();
        assertThat(d.withCoverLoops(1_440).coverLoopsPerDay()).isEqualTo(1_440);
        assertThat(d.withCoverLoops(1_440).withTtl(5_000).withTimeouts(1, 2, 3, 4).withAttachments(10, 2).coverLoopsPerDay()).isEqualTo(1_440);
        assertThatThrownBy(() -> d.withCoverLoops(-1)).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> d.withCoverLoops(DeliveryConfig.MAX_COVER_LOOPS_PER_DAY + 1)).isInstanceOf(ParleyException.class);
        assertThat(d.withCoverLoops(DeliveryConfig.MAX_COVER_LOOPS_PER_DAY).coverLoopsPerDay()).isEqualTo(DeliveryConfig.MAX_COVER_LOOPS_PER_DAY);
    }
}
