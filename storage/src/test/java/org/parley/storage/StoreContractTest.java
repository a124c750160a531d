package org.parley.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.time.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Store} backend must do. A backend's test extends this and implements
 * {@link #open(StoreOptions)}; durable backends return true from {@link #durable()}.
 * Published in the storage test-jar.
 */
public abstract class StoreContractTest {
    protected static final long T0 = 1_700_000_000_000L;

    @TempDir
    protected Path dataDir;

    protected final ManualClock clock = new ManualClock(T0);
    protected final ConcurrentLinkedQueue<Repository> writes = new ConcurrentLinkedQueue<>();
    protected final java.util.concurrent.atomic.AtomicLong bytesWritten = new java.util.concurrent.atomic.AtomicLong();
    protected Store store;

    /** Opens the backend under test with {@code options}. */
    protected abstract Store open(StoreOptions options);

    /** Whether data survives close and reopen. */
    protected boolean durable() {
        return false;
    }

    /** Key source for the store under test; backends that encrypt override this. */
    protected KeySource keySource() {
        return KeySource.none();
    }

    protected StoreOptions options() {
        StoreMetrics metrics = (repo, nanos, bytes) -> {
            writes.add(repo);
            bytesWritten.addAndGet(bytes);
        };
        return StoreOptions.of(dataDir, keySource())
                .withClock(clock)
                .withInboxQuota(new InboxQuota(5, 1000, 400))
                .withMetrics(metrics);
    }

    @BeforeEach
    void openStore() {
        store = open(options());
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    protected void reopen() {
        store.close();
        store = open(options());
    }

    protected static Bytes b(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    protected static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ParleyException pe) throw pe;
            throw new AssertionError(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    protected static StoredMessage msg(String conv, String id, long createdAt, String body) {
        return new StoredMessage(b(conv), b(id), Direction.OUTGOING, b(body), MessageStatus.PENDING, createdAt, createdAt);
    }

    // ------------------------------------------------------------ keys, contacts, sessions, meta

    @Test
    void keysRoundTripAndDelete() {
        await(store.keys().put(KeyRepository.IDENTITY_SEED, Bytes.fromHex("0102030405")));
        await(store.keys().put("prekey.1", b("pk1")));
        assertThat(store.keys().get(KeyRepository.IDENTITY_SEED)).contains(Bytes.fromHex("0102030405"));
        assertThat(store.keys().names()).containsExactly(KeyRepository.IDENTITY_SEED, "prekey.1");
        assertThat(await(store.keys().delete("prekey.1"))).isTrue();
        assertThat(await(store.keys().delete("prekey.1"))).isFalse();
        assertThat(store.keys().get("prekey.1")).isEmpty();
    }

    @Test
    void contactsPutReplaceListDelete() {
        Contact bob = new Contact(b("bob"), "Bob", b("bob-key"), b("bob-inbox"), b("our-inbox-for-bob"), T0);
        Contact amy = new Contact(b("amy"), "Amy", b("amy-key"), b("amy-inbox"), b("ours-amy"), T0 + 1);
        await(store.contacts().put(bob));
        await(store.contacts().put(amy));
        assertThat(store.contacts().get(b("bob"))).contains(bob);
        assertThat(store.contacts().list()).containsExactly(amy, bob);
        Contact bob2 = new Contact(b("bob"), "Robert", b("bob-key"), b("bob-inbox-2"), b("our-inbox-for-bob"), T0);
        await(store.contacts().put(bob2));
        assertThat(store.contacts().get(b("bob"))).contains(bob2);
        assertThat(await(store.contacts().delete(b("bob")))).isTrue();
        assertThat(store.contacts().list()).containsExactly(amy);
    }

    @Test
    void sessionsHoldOpaqueState() {
        StoredSession s = new StoredSession(b("s1"), Bytes.fromHex("00ff00ff"), T0);
        await(store.sessions().put(s));
        assertThat(store.sessions().get(b("s1"))).contains(s);
        StoredSession s2 = new StoredSession(b("s1"), Bytes.fromHex("aa"), T0 + 5);
        await(store.sessions().put(s2));
        assertThat(store.sessions().get(b("s1"))).contains(s2);
        assertThat(await(store.sessions().delete(b("s1")))).isTrue();
        assertThat(store.sessions().get(b("s1"))).isEmpty();
    }

    @Test
    void metaRoundTrip() {
        await(store.meta().put("guards", b("g1,g2")));
        assertThat(store.meta().get("guards")).contains(b("g1,g2"));
        await(store.meta().put("guards", Bytes.EMPTY));
        assertThat(store.meta().get("guards")).contains(Bytes.EMPTY);
        assertThat(await(store.meta().delete("guards"))).isTrue();
        assertThat(store.meta().get("guards")).isEmpty();
    }

    // ------------------------------------------------------------ conversations and messages

    @Test
    void messagesOfAConversationComeInCreatedOrder() {
        await(store.messages().append(msg("c1", "m3", T0 + 30, "third")));
        await(store.messages().append(msg("c1", "m1", T0 + 10, "first")));
        await(store.messages().append(msg("c1", "m2", T0 + 20, "second")));
        // conversation ids that are prefixes of each other must not mix
        await(store.messages().append(msg("c", "x1", T0 + 15, "other")));
        await(store.messages().append(msg("c1x", "x2", T0 + 15, "other")));

        assertThat(store.messages().list(b("c1"), 0, 100)).extracting(m -> m.body())
                .containsExactly(b("first"), b("second"), b("third"));
        assertThat(store.messages().list(b("c1"), T0 + 20, 100)).extracting(StoredMessage::messageId)
                .containsExactly(b("m2"), b("m3"));
        assertThat(store.messages().list(b("c1"), 0, 2)).extracting(StoredMessage::messageId)
                .containsExactly(b("m1"), b("m2"));
        assertThat(store.messages().latest(b("c1"), 2)).extracting(StoredMessage::messageId)
                .containsExactly(b("m3"), b("m2"));
        assertThat(store.messages().list(b("c"), 0, 100)).extracting(StoredMessage::messageId).containsExactly(b("x1"));
        assertThat(store.messages().list(b("nobody"), 0, 100)).isEmpty();
    }

    @Test
    void conversationIdsOfAllOnesBytesStayApart() {
        Bytes ff = Bytes.fromHex("ffff");
        Bytes fff = Bytes.fromHex("ffffff");
        await(store.messages().append(new StoredMessage(ff, b("a"), Direction.INCOMING, b("1"), MessageStatus.READ, Long.MAX_VALUE, 0)));
        await(store.messages().append(new StoredMessage(fff, b("b"), Direction.INCOMING, b("2"), MessageStatus.READ, 0, 0)));
        assertThat(store.messages().list(ff, 0, 10)).extracting(StoredMessage::messageId).containsExactly(b("a"));
        assertThat(store.messages().latest(fff, 10)).extracting(StoredMessage::messageId).containsExactly(b("b"));
    }

    @Test
    void duplicateMessageIdIsRefusedAndKeepsTheFirst() {
        assertThat(await(store.messages().append(msg("c1", "m1", T0, "original")))).isTrue();
        assertThat(await(store.messages().append(msg("c1", "m1", T0 + 99, "replayed")))).isFalse();
        assertThat(store.messages().get(b("m1"))).map(StoredMessage::body).contains(b("original"));
        assertThat(store.messages().list(b("c1"), 0, 10)).hasSize(1);
    }

    @Test
    void duplicatesInOneBatchAreDetected() {
        List<CompletableFuture<Boolean>> fs = new ArrayList<>();
        for (int i = 0; i < 20; i++) fs.add(store.messages().append(msg("c1", "same", T0 + i, "b" + i)));
        long accepted = fs.stream().map(StoreContractTest::await).filter(x -> x).count();
        assertThat(accepted).isEqualTo(1);
        assertThat(store.messages().list(b("c1"), 0, 100)).hasSize(1);
    }

    @Test
    void statusMovesForwardOnly() {
        await(store.messages().append(msg("c1", "m1", T0, "hi")));
        StoredMessage sent = await(store.messages().updateStatus(b("m1"), MessageStatus.SENT, T0 + 1));
        assertThat(sent.status()).isEqualTo(MessageStatus.SENT);
        assertThat(await(store.messages().updateStatus(b("m1"), MessageStatus.READ, T0 + 3)).status())
                .isEqualTo(MessageStatus.READ);
        // a late DELIVERED receipt does not move READ back
        StoredMessage after = await(store.messages().updateStatus(b("m1"), MessageStatus.DELIVERED, T0 + 4));
        assertThat(after.status()).isEqualTo(MessageStatus.READ);
        assertThat(after.updatedAtMillis()).isEqualTo(T0 + 3);
        StoredMessage stored = store.messages().get(b("m1")).orElseThrow();
        assertThat(stored.status()).isEqualTo(MessageStatus.READ);
        assertThat(stored.updatedAtMillis()).isEqualTo(T0 + 3);
        assertThat(store.messages().list(b("c1"), 0, 10)).containsExactly(stored);

        await(store.messages().append(msg("c1", "m2", T0 + 1, "x")));
        assertThat(await(store.messages().updateStatus(b("m2"), MessageStatus.FAILED, T0 + 9)).status())
                .isEqualTo(MessageStatus.FAILED);
        assertThat(await(store.messages().updateStatus(b("m2"), MessageStatus.PENDING, T0 + 10)).status())
                .isEqualTo(MessageStatus.PENDING);
    }

    @Test
    void unfinishedListsOutgoingMessagesNotYetDeliveredOldestFirst() {
        await(store.messages().append(msg("c1", "late", T0 + 50, "x")));
        await(store.messages().append(msg("c2", "early", T0 + 10, "x")));
        await(store.messages().append(msg("c1", "sent", T0 + 20, "x")));
        await(store.messages().append(new StoredMessage(b("c1"), b("in"), Direction.INCOMING, b("x"),
                MessageStatus.DELIVERED, T0, T0)));
        await(store.messages().updateStatus(b("sent"), MessageStatus.SENT, T0 + 21));
        assertThat(store.messages().unfinished(10)).extracting(StoredMessage::messageId)
                .containsExactly(b("early"), b("sent"), b("late"));
        assertThat(store.messages().unfinished(1)).extracting(StoredMessage::messageId).containsExactly(b("early"));
        await(store.messages().updateStatus(b("sent"), MessageStatus.DELIVERED, T0 + 30));
        await(store.messages().updateStatus(b("early"), MessageStatus.FAILED, T0 + 30));
        assertThat(store.messages().unfinished(10)).extracting(StoredMessage::messageId).containsExactly(b("late"));
        // a retried message is unfinished again; deleting its conversation removes it
        await(store.messages().updateStatus(b("early"), MessageStatus.PENDING, T0 + 40));
        assertThat(store.messages().unfinished(10)).extracting(StoredMessage::messageId)
                .containsExactly(b("early"), b("late"));
        await(store.conversations().delete(b("c1")));
        assertThat(store.messages().unfinished(10)).extracting(StoredMessage::messageId).containsExactly(b("early"));
    }

    // ------------------------------------------------------------ batches

    @Test
    void aBatchWritesEverythingInCallOrderAndLaterCallsSeeEarlierOnes() {
        Contact bob = new Contact(b("bob"), "Bob", b("ik"), b("si"), b("oi"), T0);
        Conversation conv = new Conversation(b("c1"), b("bob"), "Bob", T0);
        writes.clear();
        List<Object> seen = await(store.batch(batch -> {
            List<Object> out = new ArrayList<>();
            batch.putKey("k1", b("secret"));
            batch.putContact(bob);
            batch.putSession(new StoredSession(b("bob"), b("s1"), T0));
            batch.putSession(new StoredSession(b("bob"), b("s2"), T0 + 1)); // the later put of a key wins
            batch.putConversation(conv);
            out.add(batch.appendMessage(msg("c1", "m1", T0, "hi")));
            out.add(batch.appendMessage(msg("c1", "m1", T0 + 5, "again"))); // sees the first append
            out.add(batch.updateMessageStatus(b("m1"), MessageStatus.SENT, T0 + 2).status()); // sees it too
            batch.putMeta("x", b("1"));
            return out;
        }));
        assertThat(seen).containsExactly(true, false, MessageStatus.SENT);
        assertThat(store.keys().get("k1")).contains(b("secret"));
        assertThat(store.contacts().get(b("bob"))).contains(bob);
        assertThat(store.sessions().get(b("bob"))).map(StoredSession::state).contains(b("s2"));
        assertThat(store.conversations().get(b("c1"))).contains(conv);
        assertThat(store.messages().get(b("m1"))).map(m -> m.body().equals(b("hi")) && m.status() == MessageStatus.SENT).contains(true);
        assertThat(store.messages().unfinished(10)).extracting(StoredMessage::messageId).containsExactly(b("m1"));
        assertThat(store.meta().get("x")).contains(b("1"));
        // each write counted under its repository, the batch once under SYSTEM
        assertThat(writes).filteredOn(r -> r == Repository.SESSIONS).hasSize(2);
        assertThat(writes).filteredOn(r -> r == Repository.MESSAGES).hasSize(3);
        assertThat(writes).filteredOn(r -> r == Repository.SYSTEM).hasSize(1);
        if (durable()) {
            reopen();
            assertThat(store.sessions().get(b("bob"))).map(StoredSession::state).contains(b("s2"));
            assertThat(store.messages().get(b("m1"))).map(StoredMessage::status).contains(MessageStatus.SENT);
        }
    }

    @Test
    void aFailedWriteInABatchLeavesNothingOfItselfAndTheRestIsKept() {
        Object[] failure = new Object[2];
        await(store.batch(batch -> {
            batch.putMeta("before", b("1"));
            try {
                batch.updateMessageStatus(b("nope"), MessageStatus.SENT, T0);
            } catch (ParleyException e) {
                failure[0] = e.kind();
            }
            try {
                batch.appendMessage(new StoredMessage(b("c1"), b("m1"), Direction.OUTGOING, b("x"), MessageStatus.PENDING, -1, 0));
            } catch (ParleyException e) {
                failure[1] = e.kind();
            }
            batch.putMeta("after", b("2"));
            return null;
        }));
        assertThat(failure).containsExactly(ParleyException.Kind.NOT_FOUND, ParleyException.Kind.MALFORMED_INPUT);
        assertThat(store.meta().get("before")).contains(b("1"));
        assertThat(store.meta().get("after")).contains(b("2"));
        assertThat(store.messages().get(b("m1"))).isEmpty();
    }

    @Test
    void aBatchCoversInboxReplayAndMetaDeletesAndAFullInboxRefusesInIt() {
        await(store.meta().put("idx", b("1")));
        long[] seqs = await(store.batch(batch -> {
            long first = batch.appendEnvelope(b("in"), b("e0"), T0 + 1000);
            long second = batch.appendEnvelope(b("in"), b("e1"), T0 + 1000);
            boolean removed = batch.removeEnvelope(b("in"), first);
            boolean gone = batch.removeEnvelope(b("in"), 99);
            boolean marked = batch.markSeen(b("tag"), T0 + 1000);
            boolean again = batch.markSeen(b("tag"), T0 + 1000);
            boolean deleted = batch.deleteMeta("idx");
            boolean deletedAgain = batch.deleteMeta("idx");
            return new long[] {first, second, removed ? 1 : 0, gone ? 1 : 0, marked ? 1 : 0, again ? 1 : 0, deleted ? 1 : 0,
                    deletedAgain ? 1 : 0};
        }));
        assertThat(seqs).containsExactly(0, 1, 1, 0, 1, 0, 1, 0);
        assertThat(store.inbox().list(b("in"), 0, 10)).extracting(StoredEnvelope::envelope).containsExactly(b("e1"));
        assertThat(store.inbox().usage(b("in"))).isEqualTo(new InboxUsage(1, 2));
        assertThat(store.replay().isSeen(b("tag"))).isTrue();
        assertThat(store.meta().get("idx")).isEmpty();
        // quota 5: the sixth append of one batch is refused and leaves nothing of itself
        Object[] refused = new Object[1];
        await(store.batch(batch -> {
            for (int i = 0; i < 5; i++) {
                try {
                    batch.appendEnvelope(b("in"), b("x" + i), T0 + 1000);
                } catch (ParleyException e) {
                    refused[0] = e;
                }
            }
            return null;
        }));
        assertThat(refused[0]).isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.getMessage()).startsWith("QUOTA"));
        assertThat(store.inbox().usage(b("in")).envelopes()).isEqualTo(5);
    }

    @Test
    void aBatchWhoseFunctionThrowsWritesNothing() {
        assertThatThrownBy(() -> await(store.batch(batch -> {
            batch.putMeta("x", b("1"));
            batch.appendMessage(msg("c1", "m1", T0, "hi"));
            throw new ParleyException(ParleyException.Kind.INTERNAL, "changed my mind");
        }))).isInstanceOf(ParleyException.class).hasMessageContaining("changed my mind");
        assertThat(store.meta().get("x")).isEmpty();
        assertThat(store.messages().get(b("m1"))).isEmpty();
        // a batch cannot be used once its function returned
        StoreBatch[] kept = new StoreBatch[1];
        await(store.batch(batch -> kept[0] = batch));
        assertThatThrownBy(() -> kept[0].putMeta("late", b("1"))).isInstanceOf(ParleyException.class);
        assertThat(store.meta().get("late")).isEmpty();
    }

    @Test
    void updatingAMissingMessageIsNotFound() {
        assertThatThrownBy(() -> await(store.messages().updateStatus(b("nope"), MessageStatus.SENT, T0)))
                .isInstanceOf(ParleyException.class)
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.NOT_FOUND);
    }

    @Test
    void conversationsAndDeletingOneRemovesItsMessages() {
        Conversation c1 = new Conversation(b("c1"), b("bob"), "Bob", T0);
        Conversation c2 = new Conversation(b("c2"), b("amy"), "Amy", T0);
        await(store.conversations().put(c1));
        await(store.conversations().put(c2));
        assertThat(store.conversations().list()).containsExactly(c1, c2);
        await(store.messages().append(msg("c1", "m1", T0, "a")));
        await(store.messages().append(msg("c1", "m2", T0 + 1, "b")));
        await(store.messages().append(msg("c2", "m3", T0, "c")));
        assertThat(await(store.conversations().delete(b("c1")))).isEqualTo(2L);
        assertThat(store.conversations().get(b("c1"))).isEmpty();
        assertThat(store.messages().get(b("m1"))).isEmpty();
        assertThat(store.messages().list(b("c1"), 0, 10)).isEmpty();
        assertThat(store.messages().get(b("m3"))).isPresent();
    }

    // ------------------------------------------------------------ inbox relay

    @Test
    void inboxKeepsEnvelopesInOrderAndRemovesThem() {
        long exp = T0 + 60_000;
        assertThat(await(store.inbox().append(b("in1"), b("e0"), exp))).isEqualTo(0L);
        assertThat(await(store.inbox().append(b("in1"), b("e1"), exp))).isEqualTo(1L);
        assertThat(await(store.inbox().append(b("in2"), b("other"), exp))).isEqualTo(0L);
        assertThat(await(store.inbox().append(b("in1"), b("e2"), exp))).isEqualTo(2L);
        assertThat(store.inbox().list(b("in1"), 0, 10)).extracting(StoredEnvelope::envelope)
                .containsExactly(b("e0"), b("e1"), b("e2"));
        assertThat(store.inbox().list(b("in1"), 1, 1)).extracting(StoredEnvelope::seq).containsExactly(1L);
        assertThat(store.inbox().usage(b("in1"))).isEqualTo(new InboxUsage(3, 6));
        assertThat(await(store.inbox().remove(b("in1"), 1))).isTrue();
        assertThat(await(store.inbox().remove(b("in1"), 1))).isFalse();
        assertThat(store.inbox().list(b("in1"), 0, 10)).extracting(StoredEnvelope::seq).containsExactly(0L, 2L);
        assertThat(store.inbox().usage(b("in1"))).isEqualTo(new InboxUsage(2, 4));
        // sequence numbers are never reused
        assertThat(await(store.inbox().append(b("in1"), b("e3"), exp))).isEqualTo(3L);
        StoredEnvelope e = store.inbox().list(b("in1"), 3, 1).get(0);
        assertThat(e.storedAtMillis()).isEqualTo(T0);
        assertThat(e.expiresAtMillis()).isEqualTo(exp);
    }

    @Test
    void inboxQuotaOnCountRefusesWithQuota() {
        for (int i = 0; i < 5; i++) await(store.inbox().append(b("in"), b("e" + i), T0 + 1000));
        assertThatThrownBy(() -> await(store.inbox().append(b("in"), b("e5"), T0 + 1000)))
                .isInstanceOf(ParleyException.class)
                .hasMessageStartingWith("QUOTA")
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.RESOURCE_LIMIT);
        assertThat(store.inbox().usage(b("in")).envelopes()).isEqualTo(5);
        // another inbox is unaffected, and removing one makes room
        assertThat(await(store.inbox().append(b("in-other"), b("x"), T0 + 1000))).isEqualTo(0L);
        await(store.inbox().remove(b("in"), 0));
        assertThat(await(store.inbox().append(b("in"), b("e5"), T0 + 1000))).isEqualTo(5L);
    }

    @Test
    void inboxQuotaOnBytesAndEnvelopeSize() {
        Bytes big = Bytes.wrap(new byte[400]);
        await(store.inbox().append(b("in"), big, T0 + 1000));
        await(store.inbox().append(b("in"), big, T0 + 1000));
        assertThatThrownBy(() -> await(store.inbox().append(b("in"), big, T0 + 1000)))
                .isInstanceOf(ParleyException.class).hasMessageStartingWith("QUOTA");
        assertThatThrownBy(() -> await(store.inbox().append(b("in2"), Bytes.wrap(new byte[401]), T0 + 1000)))
                .isInstanceOf(ParleyException.class).hasMessageStartingWith("QUOTA")
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.RESOURCE_LIMIT);
        assertThat(store.inbox().usage(b("in"))).isEqualTo(new InboxUsage(2, 800));
    }

    @Test
    void expiredEnvelopesDoNotHoldQuota() {
        for (int i = 0; i < 5; i++) await(store.inbox().append(b("in"), b("e" + i), i < 2 ? T0 + 10 : T0 + 1000));
        clock.advance(10);
        // full by count, but two are expired: they make room without a sweep
        assertThat(await(store.inbox().append(b("in"), b("e5"), T0 + 1000))).isEqualTo(5L);
        assertThat(store.inbox().usage(b("in")).envelopes()).isEqualTo(4);
        assertThat(store.inbox().list(b("in"), 0, 10)).extracting(StoredEnvelope::seq).containsExactly(2L, 3L, 4L, 5L);
        await(store.inbox().append(b("in"), b("e6"), T0 + 1000));
        assertThatThrownBy(() -> await(store.inbox().append(b("in"), b("e7"), T0 + 1000)))
                .isInstanceOf(ParleyException.class).hasMessageStartingWith("QUOTA");
    }

    @Test
    void concurrentAppendsRespectTheQuotaExactly() {
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        for (int i = 0; i < 20; i++) fs.add(store.inbox().append(b("busy"), b("e" + i), T0 + 1000));
        int stored = 0;
        int refused = 0;
        for (CompletableFuture<Long> f : fs) {
            try {
                await(f);
                stored++;
            } catch (ParleyException e) {
                assertThat(e.getMessage()).startsWith("QUOTA");
                refused++;
            }
        }
        assertThat(stored).isEqualTo(5);
        assertThat(refused).isEqualTo(15);
        assertThat(store.inbox().list(b("busy"), 0, 100)).hasSize(5);
        assertThat(store.inbox().usage(b("busy")).envelopes()).isEqualTo(5);
    }

    @Test
    void expiredEnvelopesAreNotListed() {
        await(store.inbox().append(b("in"), b("short"), T0 + 10));
        await(store.inbox().append(b("in"), b("long"), T0 + 10_000));
        clock.advance(10);
        assertThat(store.inbox().list(b("in"), 0, 10)).extracting(StoredEnvelope::envelope).containsExactly(b("long"));
    }

    // ------------------------------------------------------------ DHT and replay

    @Test
    void dhtRecordsReplaceExpireAndScan() {
        await(store.dht().put(new DhtRecord(b("k1"), b("r1"), T0 + 100)));
        await(store.dht().put(new DhtRecord(b("k2"), b("r2"), T0 + 100)));
        await(store.dht().put(new DhtRecord(b("k3"), b("r3"), T0 + 5)));
        await(store.dht().put(new DhtRecord(b("k1"), b("r1b"), T0 + 200)));
        assertThat(store.dht().get(b("k1"))).contains(new DhtRecord(b("k1"), b("r1b"), T0 + 200));
        clock.advance(5);
        assertThat(store.dht().get(b("k3"))).isEmpty();
        assertThat(store.dht().scan(Bytes.EMPTY, 10)).extracting(DhtRecord::key).containsExactly(b("k1"), b("k2"));
        assertThat(store.dht().scan(b("k2"), 10)).extracting(DhtRecord::key).containsExactly(b("k2"));
        assertThat(await(store.dht().delete(b("k2")))).isTrue();
        assertThat(store.dht().get(b("k2"))).isEmpty();
    }

    @Test
    void replayCacheSeesEachTagOnceUntilItExpires() {
        assertThat(store.replay().markSeen(b("tag"), T0 + 100)).isTrue();
        assertThat(store.replay().markSeen(b("tag"), T0 + 100)).isFalse();
        assertThat(store.replay().isSeen(b("tag"))).isTrue();
        assertThat(store.replay().isSeen(b("other"))).isFalse();
        clock.advance(100);
        assertThat(store.replay().isSeen(b("tag"))).isFalse();
        assertThat(store.replay().markSeen(b("tag"), T0 + 500)).isTrue();
        assertThat(store.replay().markSeen(b("tag"), T0 + 500)).isFalse();
    }

    @Test
    void concurrentMarkSeenOfOneTagAcceptsExactlyOne() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 5; round++) {
                Bytes tag = b("t" + round);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> fs = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    fs.add(pool.submit(() -> {
                        go.await();
                        return store.replay().markSeen(tag, T0 + 1000);
                    }));
                }
                go.countDown();
                int accepted = 0;
                for (Future<Boolean> f : fs) if (f.get(10, TimeUnit.SECONDS)) accepted++;
                assertThat(accepted).as("round %d", round).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------ sweep

    @Test
    void sweepPurgesExpiredEntriesOnly() {
        await(store.inbox().append(b("in"), b("old"), T0 + 10));
        await(store.inbox().append(b("in"), b("new"), T0 + 1000));
        store.replay().markSeen(b("t-old"), T0 + 10);
        store.replay().markSeen(b("t-new"), T0 + 1000);
        await(store.dht().put(new DhtRecord(b("d-old"), b("r"), T0 + 10)));
        await(store.dht().put(new DhtRecord(b("d-new"), b("r"), T0 + 1000)));
        // replaced with a later expiry: its old index entry must not purge it
        await(store.dht().put(new DhtRecord(b("d-moved"), b("r"), T0 + 10)));
        await(store.dht().put(new DhtRecord(b("d-moved"), b("r2"), T0 + 1000)));

        SweepResult r = store.sweepExpired(T0 + 10);
        assertThat(r).isEqualTo(new SweepResult(1, 1, 1));
        assertThat(store.inbox().usage(b("in"))).isEqualTo(new InboxUsage(1, 3));
        clock.set(T0 + 11);
        assertThat(store.inbox().list(b("in"), 0, 10)).extracting(StoredEnvelope::envelope).containsExactly(b("new"));
        assertThat(store.replay().isSeen(b("t-new"))).isTrue();
        assertThat(store.dht().get(b("d-moved"))).map(DhtRecord::record).contains(b("r2"));
        assertThat(store.sweepExpired(T0 + 10)).isEqualTo(new SweepResult(0, 0, 0));
        assertThat(store.sweepExpired(T0 + 1000)).isEqualTo(new SweepResult(1, 1, 2));
        assertThat(store.inbox().usage(b("in"))).isEqualTo(new InboxUsage(0, 0));
        assertThat(store.dht().scan(Bytes.EMPTY, 10)).isEmpty();
    }

    @Test
    void sweepHandlesMoreThanOneChunk() {
        List<CompletableFuture<Boolean>> fs = new ArrayList<>();
        for (int i = 0; i < 2500; i++) fs.add(store.replay().markSeenAsync(b("tag" + i), T0 + 1 + (i % 7)));
        fs.forEach(StoreContractTest::await);
        assertThat(store.sweepExpired(T0 + 100).replayTags()).isEqualTo(2500);
        assertThat(store.replay().isSeen(b("tag7"))).isFalse();
    }

    // ------------------------------------------------------------ concurrency, errors, metrics

    @Test
    void concurrentWritersAllLand() throws Exception {
        int threads = 8;
        int perThread = 150;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int tt = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        assertThat(await(store.messages().append(msg("c" + tt, "m" + tt + "-" + i, T0 + i, "body")))).isTrue();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        for (int t = 0; t < threads; t++) {
            List<StoredMessage> list = store.messages().list(b("c" + t), 0, 1000);
            assertThat(list).hasSize(perThread);
            assertThat(list).extracting(StoredMessage::createdAtMillis).isSorted();
        }
    }

    @Test
    void malformedIdsAreRefused() {
        assertThatThrownBy(() -> store.contacts().get(Bytes.EMPTY))
                .isInstanceOf(ParleyException.class)
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
        assertThatThrownBy(() -> store.inbox().append(Bytes.wrap(new byte[256]), b("e"), T0))
                .isInstanceOf(ParleyException.class)
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
        assertThatThrownBy(() -> store.messages().append(msg("c", "m", -1, "x")))
                .isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> store.meta().put("", b("x")))
                .isInstanceOf(ParleyException.class);
    }

    @Test
    void metricsSeeEveryAcknowledgedWrite() {
        writes.clear();
        await(store.messages().append(msg("c", "m", T0, "body")));
        await(store.inbox().append(b("in"), b("env"), T0 + 10));
        assertThat(writes).containsExactly(Repository.MESSAGES, Repository.INBOX);
        assertThat(bytesWritten.get()).isPositive();
    }

    @Test
    void closedStoreRefuses() {
        store.close();
        assertThatThrownBy(() -> store.meta().get("x"))
                .isInstanceOf(ParleyException.class)
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.UNAVAILABLE);
        store.close();
        store = null;
    }

    @Test
    void dataSurvivesReopenIfDurable() {
        org.junit.jupiter.api.Assumptions.assumeTrue(durable(), "backend is not durable");
        await(store.keys().put(KeyRepository.IDENTITY_SEED, b("seed")));
        await(store.messages().append(msg("c", "m1", T0, "kept")));
        await(store.inbox().append(b("in"), b("env"), T0 + 1000));
        store.replay().markSeen(b("tag"), T0 + 1000);
        reopen();
        assertThat(store.keys().get(KeyRepository.IDENTITY_SEED)).contains(b("seed"));
        assertThat(store.messages().get(b("m1"))).map(StoredMessage::body).contains(b("kept"));
        assertThat(store.inbox().usage(b("in"))).isEqualTo(new InboxUsage(1, 3));
        assertThat(await(store.inbox().append(b("in"), b("env2"), T0 + 1000))).isEqualTo(1L);
        assertThat(store.replay().markSeen(b("tag"), T0 + 1000)).isFalse();
        assertThat(store.schemaVersion()).isPositive();
        assertThat(store.messages().unfinished(10)).extracting(StoredMessage::messageId).containsExactly(b("m1"));
        assertThat(Optional.of(store.approximateBytes(Repository.MESSAGES))).get().matches(n -> n > 0);
    }
}
