package org.parley.routing.client;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.ManualClock;
import org.parley.core.time.ManualScheduler;
import org.parley.routing.RoutingNode;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.link.InMemoryLinkNetwork;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Circuit reuse by {@link EnvelopeSender}: per inbox relay, bounded in uses, age and idleness, renewed ahead of need. */
class EnvelopeSenderReuseTest {
    private static final int INBOX = 2, CLIENT = 5;
    private final ManualClock clock = new ManualClock(5_000_000);
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final InMemoryLinkNetwork network = new InMemoryLinkNetwork();
    private final SecureRandom secure = new SecureRandom();
    private final List<RoutingNode> nodes = new ArrayList<>();
    private final List<HopSpec> hops = new ArrayList<>();
    private final Bytes inbox = rnd(32, 1);

    EnvelopeSenderReuseTest() {
        InMemoryInboxStore store = new InMemoryInboxStore(1000, 1 << 24, 3_600_000);
        for (int i = 0; i < 6; i++) {
            NodeId id = NodeIdentity.generate(secure).nodeId();
            OnionKeyPair onion = OnionKeyPair.generate(secure);
            RoutingNode n = new RoutingNode(id, () -> List.of(onion), i == INBOX ? store : null,
                    RoutingConfig.defaults(), clock, scheduler, secure);
            InMemoryLinkNetwork.Node net = network.attach(id, "10." + i + ".0.1:9001", n.linkListener());
            n.attach(net);
            nodes.add(n);
            hops.add(new HopSpec(id, net.address(), onion.publicKey()));
        }
        // the inbox must exist at the relay for DELIVER to be STORED
        InboxSubscription.open(nodes.get(4).circuits(), scheduler,
                new InboxSubscription.Params(() -> path(3, INBOX), inbox, NodeIdentity.generate(secure), 1_000), new Quiet());
        network.runUntilIdle();
    }

    private List<HopSpec> path(int... idx) {
        List<HopSpec> p = new ArrayList<>();
        for (int i : idx) p.add(hops.get(i));
        return p;
    }

    private static Bytes rnd(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return Bytes.wrap(b);
    }

    private EnvelopeSender sender(EnvelopeSender.Reuse reuse) {
        return new EnvelopeSender(nodes.get(CLIENT).circuits(), scheduler, clock, 10_000, reuse);
    }

    private EnvelopeSender.Sent send(EnvelopeSender s, List<HopSpec> path, int seed) {
        CompletableFuture<EnvelopeSender.Sent> f = s.send(path, inbox, rnd(16, seed), rnd(300, seed)).toCompletableFuture();
        network.runUntilIdle();
        assertThat(f).isCompleted();
        return f.join();
    }

    @Test
    void oneCircuitServesAnInboxRelayWhateverMiddleTheCallerPicked() {
        EnvelopeSender s = sender(EnvelopeSender.Reuse.defaults());
        EnvelopeSender.Sent a = send(s, path(0, 1, INBOX), 1);
        EnvelopeSender.Sent b = send(s, path(3, 4, INBOX), 2);
        assertThat(a.outcome()).isEqualTo(EnvelopeSender.Outcome.STORED);
        assertThat(b.outcome()).isEqualTo(EnvelopeSender.Outcome.STORED);
        assertThat(b.path()).isEqualTo(a.path());
        assertThat(s.circuitsBuilt()).isEqualTo(1);
        assertThat(s.openCircuits()).isEqualTo(1);
        // another length is another circuit
        assertThat(send(s, path(0, INBOX), 3).path()).hasSize(2);
        assertThat(s.circuitsBuilt()).isEqualTo(2);
        // another inbox at the same relay is another circuit too (isolation): the relay cannot link the two
        CompletableFuture<EnvelopeSender.Sent> other = s.send(path(0, 1, INBOX), rnd(32, 77), rnd(16, 4), rnd(10, 4)).toCompletableFuture();
        network.runUntilIdle();
        assertThat(other).isCompletedExceptionally(); // no such inbox there, but it was asked over a circuit of its own
        assertThat(s.circuitsBuilt()).isEqualTo(3);
    }

    @Test
    void aCircuitRetiresAfterItsUsesAndItsReplacementIsAlreadyBuilt() {
        EnvelopeSender s = sender(new EnvelopeSender.Reuse(600_000, 5, 0.6, 300_000, 64));
        List<List<NodeId>> paths = new ArrayList<>();
        for (int i = 0; i < 2; i++) paths.add(send(s, path(0, 1, INBOX), 10 + i).path());
        paths.add(send(s, path(3, 4, INBOX), 12).path()); // goes over the first circuit; its path is the spare's
        assertThat(s.circuitsBuilt()).as("the spare is built at 60 % of 5 uses").isEqualTo(2);
        assertThat(s.openCircuits()).isEqualTo(2);
        paths.add(send(s, path(3, 4, INBOX), 13).path());
        int relayedBefore = nodes.get(0).relay().openCircuits();
        paths.add(send(s, path(3, 4, INBOX), 14).path());
        assertThat(paths).allMatch(p -> p.equals(paths.get(0))); // five sends on the first circuit
        // used up: torn down at its guard once its answer was in
        assertThat(nodes.get(0).relay().openCircuits()).isEqualTo(relayedBefore - 1);
        assertThat(s.openCircuits()).isEqualTo(1);
        EnvelopeSender.Sent sixth = send(s, path(0, 1, INBOX), 20);
        assertThat(sixth.outcome()).isEqualTo(EnvelopeSender.Outcome.STORED);
        assertThat(sixth.path()).containsExactly(hops.get(3).id(), hops.get(4).id(), hops.get(INBOX).id());
        assertThat(s.circuitsBuilt()).as("the sixth send took the spare: no build on the way").isEqualTo(2);
        assertThat(s.openCircuits()).isEqualTo(1);
    }

    @Test
    void anOldCircuitTakesNoNewEnvelopesAndIdleOnesAreClosed() {
        EnvelopeSender s = sender(new EnvelopeSender.Reuse(60_000, 1_000, 1.0, 120_000, 64));
        List<NodeId> first = send(s, path(0, 1, INBOX), 1).path();
        clock.advance(30_000);
        assertThat(send(s, path(3, 4, INBOX), 2).path()).isEqualTo(first);
        scheduler.advance(31_000); // 61 s old
        List<NodeId> later = send(s, path(3, 4, INBOX), 3).path();
        assertThat(later).isNotEqualTo(first);
        assertThat(s.circuitsBuilt()).isEqualTo(2);
        assertThat(s.openCircuits()).isEqualTo(1);
        scheduler.advance(200_000); // idle past 120 s: the sweep closes it
        network.runUntilIdle();
        assertThat(s.openCircuits()).isZero();
    }

    @Test
    void atMostMaxCircuitsStayOpen() {
        EnvelopeSender s = sender(new EnvelopeSender.Reuse(600_000, 1_000, 1.0, 300_000, 2));
        for (int last : new int[]{INBOX, 1, 3, 4}) {
            s.send(path(0 == last ? 1 : 0, last), inbox, rnd(16, 100 + last), rnd(10, last));
            network.runUntilIdle();
            assertThat(s.openCircuits()).isLessThanOrEqualTo(2);
        }
        assertThat(s.circuitsBuilt()).isEqualTo(4);
    }

    @Test
    void aHopWithoutAnOnionKeyFailsTheSendAtOnce() {
        EnvelopeSender s = sender(EnvelopeSender.Reuse.defaults());
        HopSpec keyless = new HopSpec(hops.get(INBOX).id(), hops.get(INBOX).address(), Bytes.EMPTY);
        CompletableFuture<EnvelopeSender.Sent> f = s.send(List.of(hops.get(0), keyless), inbox, rnd(16, 1), rnd(10, 1)).toCompletableFuture();
        assertThat(f).isCompletedExceptionally();
        assertThat(f.handle((v, e) -> ((org.parley.core.ParleyException) (e instanceof java.util.concurrent.CompletionException ? e.getCause() : e)).kind()).join())
                .isEqualTo(org.parley.core.ParleyException.Kind.CONFIG);
        network.runUntilIdle();
        assertThat(s.openCircuits()).isZero();
    }

    private static final class Quiet implements InboxSubscription.Listener {
        public void onEstablished(long pending, List<NodeId> path) {}
        public void onEnvelope(Bytes messageId, Bytes envelope) {}
        public void onError(org.parley.routing.cell.InboxErrorKind kind) {}
        public void onDown(org.parley.routing.cell.DestroyReason reason) {}
    }
}
