package org.parley.routing.circuit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.inbox.InboxProof;
import org.parley.routing.inbox.InboxRelay;
import org.parley.routing.inbox.InboxStore;
import org.parley.routing.inbox.StoredEnvelope;

import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/** Inbox relay end to end: sender and recipient circuits over an in-memory network of 6 nodes. */
class InboxRelayTest {
    private static final int INBOX_NODE = 2;
    private static final long TTL = 60_000;
    private TestNet net;
    private InMemoryInboxStore store;
    private final NodeIdentity authKey = NodeIdentity.generate(new SecureRandom());
    private final Bytes inboxId = rnd(32, 42);

    private static Bytes rnd(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return Bytes.wrap(b);
    }

    @BeforeEach
    void setUp() {
        net = new TestNet(6, RoutingConfig.defaults());
        store = new InMemoryInboxStore(3, 64 * 1024, TTL);
        net.peers.get(INBOX_NODE).relay.setLocalHandler(new InboxRelay(store, net.clock));
    }

    private TestNet.Recorder recipientOnline(ClientCircuit[] out, NodeIdentity key) {
        TestNet.Recorder rec = new TestNet.Recorder();
        ClientCircuit c = net.settle(net.peers.get(5).builder.build(net.path(0, 1, INBOX_NODE), rec));
        c.sendToLast(InboxProof.establish(key, inboxId, c.binding(2)));
        net.network.runUntilIdle();
        out[0] = c;
        return rec;
    }

    private ClientCircuit sender(TestNet.Recorder rec) {
        return net.settle(net.peers.get(4).builder.build(net.path(3, INBOX_NODE), rec));
    }

    @Test
    void envelopeReachesTheRegisteredRecipientByteExactAndAckDeletesIt() {
        ClientCircuit[] r = new ClientCircuit[1];
        TestNet.Recorder recipient = recipientOnline(r, authKey);
        assertThat(recipient.messages).containsExactly(new RelayMessage.InboxEstablished(inboxId, 0));

        TestNet.Recorder senderRec = new TestNet.Recorder();
        ClientCircuit s = sender(senderRec);
        Bytes envelope = rnd(12_345, 1);
        Bytes mid = rnd(16, 2);
        s.sendToLast(new RelayMessage.Deliver(inboxId, mid, envelope));
        net.network.runUntilIdle();

        assertThat(senderRec.messages).containsExactly(new RelayMessage.Stored(mid, false));
        // a retransmission of the same message id is acknowledged as a duplicate and not pushed again
        s.sendToLast(new RelayMessage.Deliver(inboxId, mid, envelope));
        net.network.runUntilIdle();
        assertThat(senderRec.messages).last().isEqualTo(new RelayMessage.Stored(mid, true));
        assertThat(recipient.messages).hasSize(2);
        RelayMessage.Push push = (RelayMessage.Push) recipient.messages.get(1);
        assertThat(push.envelope()).isEqualTo(envelope);
        assertThat(push.messageId()).isEqualTo(mid);
        assertThat(store.size(inboxId)).isEqualTo(1);

        r[0].sendToLast(new RelayMessage.Ack(inboxId, mid));
        net.network.runUntilIdle();
        assertThat(store.size(inboxId)).isZero();
    }

    @Test
    void sameFlowOverTor1Circuits() {
        net = new TestNet(6, RoutingConfig.defaults().withRelayCrypto(RelayCryptoKind.TOR1));
        net.peers.get(INBOX_NODE).relay.setLocalHandler(new InboxRelay(store, net.clock));
        envelopeReachesTheRegisteredRecipientByteExactAndAckDeletesIt();
    }

    @Test
    void offlineRecipientGetsTheEnvelopeWhenItRegistersAgain() {
        ClientCircuit[] r = new ClientCircuit[1];
        recipientOnline(r, authKey);
        r[0].close();
        net.network.runUntilIdle();

        TestNet.Recorder senderRec = new TestNet.Recorder();
        ClientCircuit s = sender(senderRec);
        Bytes first = rnd(700, 3);
        Bytes second = rnd(20, 4);
        s.sendToLast(new RelayMessage.Deliver(inboxId, rnd(16, 5), first));
        s.sendToLast(new RelayMessage.Deliver(inboxId, rnd(16, 6), second));
        net.network.runUntilIdle();
        assertThat(senderRec.messages).containsExactly(new RelayMessage.Stored(rnd(16, 5), false), new RelayMessage.Stored(rnd(16, 6), false));

        TestNet.Recorder later = recipientOnline(r, authKey);
        assertThat(later.messages).containsExactly(
                new RelayMessage.InboxEstablished(inboxId, 2),
                new RelayMessage.Push(inboxId, rnd(16, 5), first),
                new RelayMessage.Push(inboxId, rnd(16, 6), second));
    }

    @Test
    void aLongBacklogIsPushedAFewAtATimeAsAcksArrive() {
        store = new InMemoryInboxStore(100, 10 * 1024 * 1024, TTL);
        net.peers.get(INBOX_NODE).relay.setLocalHandler(new InboxRelay(store, net.clock, 4));
        ClientCircuit[] r = new ClientCircuit[1];
        recipientOnline(r, authKey);
        r[0].close();
        TestNet.Recorder senderRec = new TestNet.Recorder();
        ClientCircuit s = sender(senderRec);
        for (int i = 0; i < 30; i++) s.sendToLast(new RelayMessage.Deliver(inboxId, rnd(16, 100 + i), rnd(2000, i)));
        net.network.runUntilIdle();
        assertThat(senderRec.messages).hasSize(30).allMatch(m -> m instanceof RelayMessage.Stored);

        TestNet.Recorder rec = recipientOnline(r, authKey);
        assertThat(rec.messages.get(0)).isEqualTo(new RelayMessage.InboxEstablished(inboxId, 30));
        assertThat(rec.messages).hasSize(1 + 4);
        List<RelayMessage.Push> got = new java.util.ArrayList<>();
        for (int round = 0; round < 40 && got.size() < 30; round++) {
            List<RelayMessage.Push> fresh = rec.messages.stream().filter(m -> m instanceof RelayMessage.Push)
                    .map(m -> (RelayMessage.Push) m).filter(p -> !got.contains(p)).toList();
            for (RelayMessage.Push p : fresh) {
                got.add(p);
                r[0].sendToLast(new RelayMessage.Ack(inboxId, p.messageId()));
            }
            net.network.runUntilIdle();
        }
        assertThat(got).hasSize(30);
        for (int i = 0; i < 30; i++) {
            assertThat(got.get(i).messageId()).isEqualTo(rnd(16, 100 + i));
            assertThat(got.get(i).envelope()).isEqualTo(rnd(2000, i));
        }
        assertThat(store.size(inboxId)).isZero();
    }

    @Test
    void refusalsAreExplicit() {
        TestNet.Recorder senderRec = new TestNet.Recorder();
        ClientCircuit s = sender(senderRec);
        s.sendToLast(new RelayMessage.Deliver(inboxId, rnd(16, 1), rnd(10, 1)));
        net.network.runUntilIdle();
        assertThat(senderRec.messages).containsExactly(new RelayMessage.Error(InboxErrorKind.UNKNOWN_INBOX, rnd(16, 1)));

        ClientCircuit[] r = new ClientCircuit[1];
        recipientOnline(r, authKey);
        senderRec.messages.clear();
        for (int i = 0; i < 4; i++) s.sendToLast(new RelayMessage.Deliver(inboxId, rnd(16, 10 + i), rnd(10, i)));
        net.network.runUntilIdle();
        assertThat(senderRec.messages).hasSize(4);
        assertThat(senderRec.messages.get(3)).isEqualTo(new RelayMessage.Error(InboxErrorKind.QUOTA, rnd(16, 13)));

        // a different key cannot take over the inbox; a proof for another circuit is refused
        ClientCircuit[] thief = new ClientCircuit[1];
        TestNet.Recorder thiefRec = recipientOnline(thief, NodeIdentity.generate(new SecureRandom()));
        assertThat(thiefRec.messages).containsExactly(new RelayMessage.Error(InboxErrorKind.UNAUTHORIZED, inboxId));
        thief[0].sendToLast(InboxProof.establish(authKey, inboxId, r[0].binding(2)));
        net.network.runUntilIdle();
        assertThat(thiefRec.messages).hasSize(2).last()
                .isEqualTo(new RelayMessage.Error(InboxErrorKind.UNAUTHORIZED, inboxId));
        // only the registered circuit may ACK
        s.sendToLast(new RelayMessage.Ack(inboxId, rnd(16, 10)));
        net.network.runUntilIdle();
        assertThat(senderRec.messages).last().isEqualTo(new RelayMessage.Error(InboxErrorKind.UNAUTHORIZED, rnd(16, 10)));
        assertThat(store.size(inboxId)).isEqualTo(3);
    }

    @Test
    void expiredEnvelopesAreNotPushedAndTheirAckSaysExpired() {
        ClientCircuit[] r = new ClientCircuit[1];
        TestNet.Recorder rec = recipientOnline(r, authKey);
        TestNet.Recorder senderRec = new TestNet.Recorder();
        ClientCircuit s = sender(senderRec);
        s.sendToLast(new RelayMessage.Deliver(inboxId, rnd(16, 1), rnd(10, 1)));
        net.network.runUntilIdle();
        assertThat(rec.messages).hasSize(2);
        net.clock.advance(TTL);
        r[0].sendToLast(new RelayMessage.Ack(inboxId, rnd(16, 1)));
        net.network.runUntilIdle();
        assertThat(rec.messages).last().isEqualTo(new RelayMessage.Error(InboxErrorKind.EXPIRED, rnd(16, 1)));

        s.sendToLast(new RelayMessage.Deliver(inboxId, rnd(16, 2), rnd(10, 2)));
        net.network.runUntilIdle();
        net.clock.advance(TTL);
        TestNet.Recorder again = recipientOnline(r, authKey);
        assertThat(again.messages).containsExactly(new RelayMessage.InboxEstablished(inboxId, 0));
    }

    @Test
    void storedIsSentOnlyAfterTheStoreIsDurable() {
        CompletableFuture<InboxStore.StoreOutcome>[] gate = new CompletableFuture[1];
        InboxStore slow = new InboxStore() {
            public CompletionStage<StoreOutcome> store(Bytes i, Bytes m, Bytes e, long now) {
                gate[0] = new CompletableFuture<>();
                return gate[0].thenCompose(x -> store.store(i, m, e, now));
            }

            public CompletionStage<List<StoredEnvelope>> list(Bytes i, long now, int max) {
                return store.list(i, now, max);
            }

            public CompletionStage<DeleteOutcome> delete(Bytes i, Bytes m, long now) {
                return store.delete(i, m, now);
            }

            public CompletionStage<Optional<Bytes>> authKey(Bytes i) {
                return store.authKey(i);
            }

            public CompletionStage<Void> bindAuthKey(Bytes i, Bytes k) {
                return store.bindAuthKey(i, k);
            }
        };
        net.peers.get(INBOX_NODE).relay.setLocalHandler(new InboxRelay(slow, net.clock));
        ClientCircuit[] r = new ClientCircuit[1];
        recipientOnline(r, authKey);
        TestNet.Recorder senderRec = new TestNet.Recorder();
        ClientCircuit s = sender(senderRec);
        s.sendToLast(new RelayMessage.Deliver(inboxId, rnd(16, 1), rnd(10, 1)));
        net.network.runUntilIdle();
        assertThat(gate[0]).isNotNull();
        assertThat(senderRec.messages).isEmpty();
        gate[0].complete(null);
        net.network.runUntilIdle();
        assertThat(senderRec.messages).containsExactly(new RelayMessage.Stored(rnd(16, 1), false));
    }
}
