package org.parley.routing;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.ManualClock;
import org.parley.core.time.ManualScheduler;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.client.EnvelopeSender;
import org.parley.routing.client.InboxSubscription;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.inbox.StoredEnvelope;
import org.parley.routing.inbox.InboxStore;
import org.parley.routing.link.InMemoryLinkNetwork;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Whole {@link RoutingNode}s on an in-memory network: the API the routing verticle will call. */
class RoutingNodeTest {
    private static final int INBOX = 2;
    private final ManualClock clock = new ManualClock(5_000_000);
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final InMemoryLinkNetwork network = new InMemoryLinkNetwork();
    private final SecureRandom secure = new SecureRandom();
    private final List<RoutingNode> nodes = new ArrayList<>();
    private final List<HopSpec> hops = new ArrayList<>();
    private final List<InMemoryLinkNetwork.Node> netNodes = new ArrayList<>();
    private final InMemoryInboxStore store = new InMemoryInboxStore(100, 1 << 20, 3_600_000);
    /** The inbox relay's view of {@link #store}: answers as the production store does, asynchronously when closed. */
    private final GatedStore gate = new GatedStore(store);

    /** Answers authKey lookups only while open; held ones complete on {@link #open()}. */
    private static final class GatedStore implements InboxStore {
        private final InboxStore inner;
        private final List<Runnable> held = new ArrayList<>();
        private boolean open = true;

        GatedStore(InboxStore inner) {
            this.inner = inner;
        }

        void close() {
            open = false;
        }

        void open() {
            open = true;
            List<Runnable> run = new ArrayList<>(held);
            held.clear();
            run.forEach(Runnable::run);
        }

        @Override
        public CompletionStage<StoreOutcome> store(Bytes inboxId, Bytes messageId, Bytes envelope, long nowMillis) {
            return inner.store(inboxId, messageId, envelope, nowMillis);
        }

        @Override
        public CompletionStage<List<StoredEnvelope>> list(Bytes inboxId, long nowMillis, int max) {
            return inner.list(inboxId, nowMillis, max);
        }

        @Override
        public CompletionStage<DeleteOutcome> delete(Bytes inboxId, Bytes messageId, long nowMillis) {
            return inner.delete(inboxId, messageId, nowMillis);
        }

        @Override
        public CompletionStage<Optional<Bytes>> authKey(Bytes inboxId) {
            if (open) return inner.authKey(inboxId);
            CompletableFuture<Optional<Bytes>> f = new CompletableFuture<>();
            held.add(() -> inner.authKey(inboxId).whenComplete((v, e) -> {
                if (e != null) f.completeExceptionally(e);
                else f.complete(v);
            }));
            return f;
        }

        @Override
        public CompletionStage<Void> bindAuthKey(Bytes inboxId, Bytes authKey) {
            return inner.bindAuthKey(inboxId, authKey);
        }
    }


    RoutingNodeTest() {
        for (int i = 0; i < 6; i++) {
            NodeId id = NodeIdentity.generate(secure).nodeId();
            OnionKeyPair onion = OnionKeyPair.generate(secure);
            RoutingNode n = new RoutingNode(id, () -> List.of(onion), i == INBOX ? gate : null,
                    RoutingConfig.defaults(), clock, scheduler, secure);
            InMemoryLinkNetwork.Node net = network.attach(id, "10." + i + ".0.1:9001", n.linkListener());
            n.attach(net);
            nodes.add(n);
            netNodes.add(net);
            hops.add(new HopSpec(id, net.address(), onion.publicKey()));
        }
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

    private static final class Events implements InboxSubscription.Listener {
        final List<Long> established = new ArrayList<>();
        final List<Bytes> envelopes = new ArrayList<>();
        final List<Bytes> ids = new ArrayList<>();
        final List<InboxErrorKind> errors = new ArrayList<>();
        final List<DestroyReason> downs = new ArrayList<>();

        public void onEstablished(long pending, List<NodeId> path) {
            established.add(pending);
        }

        public void onEnvelope(Bytes messageId, Bytes envelope) {
            ids.add(messageId);
            envelopes.add(envelope);
        }

        public void onError(InboxErrorKind kind) {
            errors.add(kind);
        }

        public void onDown(DestroyReason reason) {
            downs.add(reason);
        }
    }

    @Test
    void sendReusesItsCircuitAndTheSubscriberGetsEnvelopesThenAcks() {
        NodeIdentity auth = NodeIdentity.generate(secure);
        Bytes inboxId = rnd(32, 1);
        Events ev = new Events();
        InboxSubscription sub = nodes.get(5).subscribe(
                new InboxSubscription.Params(() -> path(0, 1, INBOX), inboxId, auth, 1_000), ev);
        network.runUntilIdle();
        assertThat(ev.established).containsExactly(0L);
        assertThat(sub.isUp()).isTrue();

        EnvelopeSender sender = nodes.get(4).sender();
        List<CompletableFuture<EnvelopeSender.Sent>> sends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sends.add(sender.send(path(3, INBOX), inboxId, rnd(16, 10 + i), rnd(1500, i)).toCompletableFuture());
        }
        network.runUntilIdle();
        for (CompletableFuture<EnvelopeSender.Sent> f : sends) {
            assertThat(f.join().outcome()).isEqualTo(EnvelopeSender.Outcome.STORED);
            assertThat(f.join().path()).containsExactly(hops.get(3).id(), hops.get(INBOX).id());
        }
        assertThat(sender.openCircuits()).isEqualTo(1);
        assertThat(nodes.get(3).relay().circuitsCreated()).isEqualTo(1);
        assertThat(ev.envelopes).containsExactly(rnd(1500, 0), rnd(1500, 1), rnd(1500, 2));

        CompletableFuture<EnvelopeSender.Sent> again = sender.send(path(3, INBOX), inboxId, rnd(16, 10), rnd(1500, 0))
                .toCompletableFuture();
        network.runUntilIdle();
        assertThat(again.join().outcome()).isEqualTo(EnvelopeSender.Outcome.DUPLICATE);

        for (Bytes id : ev.ids) sub.ack(id);
        network.runUntilIdle();
        assertThat(store.size(inboxId)).isZero();
    }

    @Test
    void refusalsAndSilenceFailTheSendWithAKind() {
        CompletableFuture<EnvelopeSender.Sent> unknown = nodes.get(4).sender()
                .send(path(3, INBOX), rnd(32, 9), rnd(16, 1), rnd(10, 1)).toCompletableFuture();
        network.runUntilIdle();
        assertThatThrownBy(unknown::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.NOT_FOUND));

        // node 1 is no inbox relay: it never answers DELIVER
        CompletableFuture<EnvelopeSender.Sent> silent = nodes.get(4).sender()
                .send(path(3, 1), rnd(32, 9), rnd(16, 2), rnd(10, 1)).toCompletableFuture();
        network.runUntilIdle();
        assertThat(silent).isNotDone();
        scheduler.advance(RoutingConfig.defaults().buildTimeoutMillis() * 2);
        assertThat(silent).isCompletedExceptionally();
    }

    @Test
    void subscriptionRebuildsAfterLosingItsMiddleRelayAndGetsWhatArrivedMeanwhile() {
        NodeIdentity auth = NodeIdentity.generate(secure);
        Bytes inboxId = rnd(32, 2);
        Events ev = new Events();
        int[] build = {0};
        InboxSubscription sub = nodes.get(5).subscribe(new InboxSubscription.Params(
                () -> build[0]++ == 0 ? path(0, 1, INBOX) : path(0, 3, INBOX), inboxId, auth, 1_000), ev);
        network.runUntilIdle();
        assertThat(ev.established).containsExactly(0L);

        netNodes.get(1).kill();
        network.runUntilIdle();
        assertThat(ev.downs).containsExactly(DestroyReason.CHANNEL_CLOSED);
        assertThat(sub.isUp()).isFalse();

        CompletableFuture<EnvelopeSender.Sent> f = nodes.get(4).sender()
                .send(path(3, INBOX), inboxId, rnd(16, 7), rnd(700, 7)).toCompletableFuture();
        network.runUntilIdle();
        assertThat(f.join().outcome()).isEqualTo(EnvelopeSender.Outcome.STORED);
        assertThat(ev.envelopes).isEmpty();

        scheduler.advance(1_000);
        network.runUntilIdle();
        assertThat(sub.isUp()).isTrue();
        assertThat(ev.established).containsExactly(0L, 1L);
        assertThat(ev.envelopes).containsExactly(rnd(700, 7));

        sub.close();
        nodes.get(4).sender().closeAll(); // the sender keeps its circuit for reuse (and an idle sweep) until closed
        network.runUntilIdle();
        assertThat(sub.isUp()).isFalse();
        assertThat(scheduler.pending()).isZero();
    }

    /*
     * The race that ended inbox subscriptions for good: an envelope pushed on circuit A is ACKed after A
     * died and its replacement B was built but before the relay (whose store answers asynchronously, as
     * the production store behind the event bus does) had registered B. The ACK used to go over B, the
     * relay answered UNAUTHORIZED for it, and the subscription took that for a refusal of the inbox and
     * closed itself: nothing was pushed to the recipient again. Now the ACK goes over the circuit the
     * envelope came on (or nowhere, if that circuit is gone), and only a refusal naming the inbox ends a
     * subscription.
     */
    @Test
    void lateAckOfAnEnvelopeFromALostCircuitDoesNotEndTheSubscription() {
        NodeIdentity auth = NodeIdentity.generate(secure);
        Bytes inboxId = rnd(32, 3);
        Bytes m1 = rnd(16, 30);
        Events ev = new Events();
        int[] build = {0};
        InboxSubscription sub = nodes.get(5).subscribe(new InboxSubscription.Params(
                () -> build[0]++ == 0 ? path(0, 1, INBOX) : path(0, 3, INBOX), inboxId, auth, 1_000), ev);
        network.runUntilIdle();
        assertThat(ev.established).containsExactly(0L);

        nodes.get(4).sender().send(path(3, INBOX), inboxId, m1, rnd(300, 1));
        network.runUntilIdle();
        assertThat(ev.ids).containsExactly(m1); // pushed on circuit A; delivery is still working on it

        gate.close(); // the relay's store answers slowly from now on
        netNodes.get(1).kill(); // A loses its middle relay
        network.runUntilIdle();
        assertThat(ev.downs).containsExactly(DestroyReason.CHANNEL_CLOSED);
        scheduler.advance(1_000);
        network.runUntilIdle();
        assertThat(sub.isUp()).as("B is built; the relay has not registered it yet").isTrue();
        assertThat(ev.established).hasSize(1);

        sub.ack(m1); // delivery finished with the envelope A brought
        network.runUntilIdle();
        gate.open();
        network.runUntilIdle();

        assertThat(ev.errors).isEmpty();
        assertThat(sub.isUp()).isTrue();
        assertThat(ev.established).containsExactly(0L, 1L);
        assertThat(ev.ids).containsExactly(m1, m1); // pushed again on B: at least once
        assertThat(store.size(inboxId)).isEqualTo(1);

        // the subscription still works: a new envelope comes, and ACKs over B delete both
        Bytes m2 = rnd(16, 31);
        nodes.get(4).sender().send(path(3, INBOX), inboxId, m2, rnd(300, 2));
        network.runUntilIdle();
        assertThat(ev.ids).containsExactly(m1, m1, m2);
        sub.ack(m1);
        sub.ack(m2);
        network.runUntilIdle();
        assertThat(store.size(inboxId)).isZero();
        assertThat(sub.unacked()).isZero();

        sub.close();
        nodes.get(4).sender().closeAll();
        network.runUntilIdle();
    }

    @Test
    void aSendLeftUnansweredRetiresItsCircuit() {
        // node 1 is no inbox relay: it never answers DELIVER, as a circuit whose hop went silent
        EnvelopeSender sender = nodes.get(4).sender();
        CompletableFuture<EnvelopeSender.Sent> first = sender.send(path(3, 1), rnd(32, 9), rnd(16, 1), rnd(10, 1)).toCompletableFuture();
        network.runUntilIdle();
        assertThat(sender.circuitsBuilt()).isEqualTo(1);
        scheduler.advance(RoutingConfig.defaults().buildTimeoutMillis() * 2);
        network.runUntilIdle();
        assertThat(first).isCompletedExceptionally();
        sender.send(path(3, 1), rnd(32, 9), rnd(16, 2), rnd(10, 1));
        network.runUntilIdle();
        assertThat(sender.circuitsBuilt()).as("the next send does not trust the silent circuit").isEqualTo(2);
        sender.closeAll();
        network.runUntilIdle();
    }
}
