package org.parley.verticles.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.time.Clock;
import org.parley.storage.Direction;
import org.parley.storage.InboxQuota;
import org.parley.storage.KeySource;
import org.parley.storage.MessageStatus;
import org.parley.storage.Store;
import org.parley.storage.StoreMetrics;
import org.parley.storage.StoreOptions;
import org.parley.storage.StoredEnvelope;
import org.parley.storage.StoredMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three members, each with the store open and two writers on it. One member is terminated while
 * it holds the writer lock, after it logged a batch's intent and applied only the first write of
 * it; writers on the others go on. Afterwards every acknowledged message and envelope is readable exactly once
 * from each surviving member, indexes and inbox counters agree with the data, and the dead
 * member's logged batch was re-applied whole.
 */
@Tag("cluster")
class HazelcastStoreFailoverTest {
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastStoreFailoverTest.class);
    private static final int WRITERS_PER_MEMBER = 2;

    private record Acked(String inbox, long seq, Bytes envelope) {
    }

    private static Bytes b(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void acknowledgedWritesSurviveAMemberKilledMidWrite() throws Exception {
        List<HazelcastInstance> members = HzMembers.start(3, "failover-" + ProcessHandle.current().pid());
        ExecutorService pool = Executors.newFixedThreadPool(3 * WRITERS_PER_MEMBER);
        List<Store> stores = new ArrayList<>();
        List<HazelcastKvEngine> engines = new ArrayList<>();
        try {
            StoreOptions opts = StoreOptions.of(null, KeySource.none())
                    .withClock(Clock.system())
                    .withInboxQuota(new InboxQuota(1_000_000, 1L << 30, 64 << 10))
                    .withMetrics(StoreMetrics.NONE);
            for (HazelcastInstance m : members) {
                HazelcastKvEngine e = HazelcastKvEngine.open(m, "failover", 1, opts.metrics(), opts.maxBatchOps());
                engines.add(e);
                stores.add(HazelcastStore.open(e, opts));
            }
            HazelcastInstance victim = members.get(2);
            AtomicBoolean armed = new AtomicBoolean();
            AtomicBoolean killed = new AtomicBoolean();
            engines.get(2).afterIntent = () -> {
                if (armed.get() && killed.compareAndSet(false, true)) {
                    // a partial apply: the first write of the logged batch lands, then the member dies
                    byte[] intent = victim.<String, byte[]>getMap("parley.store.failover.control").get("intent");
                    var first = HazelcastKvEngine.decodeIntent(intent).entrySet().iterator().next();
                    byte[] key = new byte[first.getKey().key().remaining()];
                    first.getKey().key().duplicate().get(key);
                    String mapKey = HazelcastKvEngine.mapKey(first.getKey().cf(), key);
                    if (first.getValue() instanceof byte[] v) victim.<String, byte[]>getMap("parley.store.failover.data").set(mapKey, v);
                    else victim.getMap("parley.store.failover.data").delete(mapKey);
                    LOG.info("terminating member 2 after applying 1 of {} writes of a logged batch",
                            HazelcastKvEngine.decodeIntent(intent).size());
                    victim.getLifecycleService().terminate();
                }
            };

            Set<String> ackedMessages = ConcurrentHashMap.newKeySet();
            Map<String, String> conversationOf = new ConcurrentHashMap<>();
            List<Acked> ackedEnvelopes = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger acks = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            long expires = System.currentTimeMillis() + 3_600_000;
            List<Future<?>> writers = new ArrayList<>();
            for (int mi = 0; mi < 3; mi++) {
                for (int w = 0; w < WRITERS_PER_MEMBER; w++) {
                    Store store = stores.get(mi);
                    String conv = "conv-" + mi + "-" + w;
                    String inbox = "in-" + mi;
                    writers.add(pool.submit(() -> {
                        for (int i = 0; i < 100_000 && !stop.get(); i++) {
                            String id = conv + "-m" + i;
                            StoredMessage msg = new StoredMessage(b(conv), b(id), Direction.OUTGOING, b("body " + id),
                                    MessageStatus.PENDING, 1_000L + i, 1_000L + i);
                            boolean landed = false;
                            for (int attempt = 0; attempt < 3 && !landed; attempt++) {
                                try {
                                    // false on a retry: the earlier attempt was applied after all
                                    store.messages().append(msg).get(40, TimeUnit.SECONDS);
                                    landed = true;
                                } catch (Exception e) {
                                    if (!(e.getCause() instanceof ParleyException)) throw e;
                                }
                            }
                            if (!landed) return null; // this writer's member is gone
                            conversationOf.put(id, conv);
                            ackedMessages.add(id);
                            acks.incrementAndGet();
                            if (i % 3 == 0) {
                                Bytes env = b("env " + id);
                                try {
                                    long seq = store.inbox().append(b(inbox), env, expires).get(40, TimeUnit.SECONDS);
                                    ackedEnvelopes.add(new Acked(inbox, seq, env));
                                } catch (Exception e) {
                                    if (!(e.getCause() instanceof ParleyException)) throw e;
                                }
                            }
                        }
                        return null;
                    }));
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (acks.get() < 150 && System.nanoTime() < deadline) Thread.sleep(20);
            armed.set(true);
            while (!killed.get() && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(killed).as("member 2 was terminated mid-batch").isTrue();
            int atKill = acks.get();
            while (acks.get() < atKill + 150 && System.nanoTime() < deadline) Thread.sleep(20);
            stop.set(true);
            for (Future<?> f : writers) f.get(60, TimeUnit.SECONDS);
            int afterKill = acks.get() - atKill;
            LOG.info("{} acknowledged messages, {} after the kill; {} acknowledged envelopes", acks.get(), afterKill,
                    ackedEnvelopes.size());
            assertThat(afterKill).as("survivors kept writing after the kill").isGreaterThanOrEqualTo(150);

            for (int s = 0; s < 2; s++) {
                Store store = stores.get(s);
                // every acknowledged message, once; every listed message reachable by id (index complete)
                Map<String, Integer> seen = new HashMap<>();
                for (int mi = 0; mi < 3; mi++) {
                    for (int w = 0; w < WRITERS_PER_MEMBER; w++) {
                        String conv = "conv-" + mi + "-" + w;
                        List<StoredMessage> list = store.messages().list(b(conv), 0, 1_000_000);
                        for (StoredMessage m : list) {
                            String id = new String(m.messageId().toArray(), StandardCharsets.UTF_8);
                            seen.merge(id, 1, Integer::sum);
                            assertThat(store.messages().get(m.messageId())).as("index of %s", id).contains(m);
                        }
                    }
                }
                assertThat(seen.values()).as("no message listed twice").allMatch(n -> n == 1);
                for (String id : ackedMessages) {
                    assertThat(seen).as("acknowledged %s on member %d", id, s).containsKey(id);
                    assertThat(store.messages().get(b(id))).map(StoredMessage::body).contains(b("body " + id));
                }
                // every acknowledged envelope at its sequence number, no envelope twice, counters agree
                for (int mi = 0; mi < 3; mi++) {
                    String inbox = "in-" + mi;
                    List<StoredEnvelope> list = store.inbox().list(b(inbox), 0, 1_000_000);
                    Set<Bytes> contents = new HashSet<>();
                    Map<Long, Bytes> bySeq = new HashMap<>();
                    for (StoredEnvelope e : list) {
                        assertThat(contents.add(e.envelope())).as("envelope listed twice: %s", e).isTrue();
                        bySeq.put(e.seq(), e.envelope());
                    }
                    assertThat(store.inbox().usage(b(inbox)).envelopes()).isEqualTo(list.size());
                    synchronized (ackedEnvelopes) {
                        for (Acked a : ackedEnvelopes) {
                            if (a.inbox().equals(inbox)) assertThat(bySeq.get(a.seq())).isEqualTo(a.envelope());
                        }
                    }
                }
            }
            long recovered = engines.get(0).recoveredBatches() + engines.get(1).recoveredBatches();
            assertThat(recovered).as("the dead member's logged batch was re-applied by a survivor").isEqualTo(1);
        } finally {
            pool.shutdownNow();
            for (Store s : stores) {
                try {
                    s.close();
                } catch (RuntimeException ignored) {
                    // the victim's store fails to close cleanly
                }
            }
            HzMembers.stop(members);
        }
    }
}
