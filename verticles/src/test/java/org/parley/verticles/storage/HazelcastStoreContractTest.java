package org.parley.verticles.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.storage.Argon2Params;
import org.parley.storage.InboxQuota;
import org.parley.storage.KeySource;
import org.parley.storage.Store;
import org.parley.storage.StoreContractTest;
import org.parley.storage.StoreMetrics;
import org.parley.storage.StoreOptions;
import org.parley.storage.StoredMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole store contract on a 2-member Hazelcast cluster in this JVM, encrypted. Each test
 * gets its own store name; the first open is on member A and a reopen on member B, so the
 * durability checks read through the other member.
 */
@Tag("cluster")
class HazelcastStoreContractTest extends StoreContractTest {
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastStoreContractTest.class);
    private static final AtomicInteger STORES = new AtomicInteger();
    private static List<HazelcastInstance> members;

    private final String storeName = "contract" + STORES.incrementAndGet();
    private int opens;

    @BeforeAll
    static void startCluster() {
        members = HzMembers.start(2, "contract-" + ProcessHandle.current().pid());
    }

    @AfterAll
    static void stopCluster() {
        if (members != null) HzMembers.stop(members);
    }

    @Override
    protected KeySource keySource() {
        return KeySource.passphrase("correct horse".toCharArray(), new Argon2Params(256, 1, 1));
    }

    @Override
    protected boolean durable() {
        return true;
    }

    @Override
    protected Store open(StoreOptions options) {
        HazelcastInstance member = members.get(opens++ % members.size());
        return HazelcastStore.open(member, options, storeName, 1);
    }

    @Test
    void bothMembersSeeTheSameStore() {
        Store other = HazelcastStore.open(members.get(1), options(), storeName, 1);
        try {
            await(store.meta().put("from-a", b("1")));
            await(other.meta().put("from-b", b("2")));
            assertThat(other.meta().get("from-a")).contains(b("1"));
            assertThat(store.meta().get("from-b")).contains(b("2"));
            // conditional writes are serialised across members: one of two appends of the same id wins
            CompletableFuture<Boolean> x = store.messages().append(msg("c", "same", T0, "a"));
            CompletableFuture<Boolean> y = other.messages().append(msg("c", "same", T0, "b"));
            assertThat(List.of(await(x), await(y))).containsExactlyInAnyOrder(true, false);
            assertThat(other.messages().list(b("c"), 0, 10)).hasSize(1);
        } finally {
            other.close();
        }
    }

    @Test
    void longScansPageInKeyOrderBothWays() {
        List<CompletableFuture<Boolean>> fs = new ArrayList<>();
        for (int i = 0; i < 700; i++) fs.add(store.messages().append(msg("big", "m" + i, T0 + (i * 7919L) % 700, "x")));
        fs.forEach(StoreContractTest::await);
        List<StoredMessage> all = store.messages().list(b("big"), 0, 1000);
        assertThat(all).hasSize(700).extracting(StoredMessage::createdAtMillis).isSorted();
        long t = System.nanoTime();
        List<StoredMessage> page = store.messages().latest(b("big"), 50);
        long pageMicros = (System.nanoTime() - t) / 1000;
        t = System.nanoTime();
        List<StoredMessage> newest = store.messages().latest(b("big"), 1000);
        LOG.info("hazelcast store scans of a 700-message conversation: latest 50 in {} us, all 700 in {} us",
                pageMicros, (System.nanoTime() - t) / 1000);
        assertThat(page).hasSize(50);
        assertThat(newest).hasSize(700);
        assertThat(newest.get(0).createdAtMillis()).isEqualTo(T0 + 699);
        assertThat(newest.get(699).createdAtMillis()).isEqualTo(T0);
    }

    @Test
    void aBatchStopsAtFourMebibytesAndTheRestFollowsInOrder() throws Exception {
        List<Integer> batchOps = java.util.Collections.synchronizedList(new ArrayList<>());
        StoreMetrics counting = new StoreMetrics() {
            @Override
            public void onWrite(org.parley.storage.Repository repository, long latencyNanos, long bytes) {
            }

            @Override
            public void onBatch(int ops, long syncNanos) {
                batchOps.add(ops);
            }
        };
        StoreOptions opts = options().withInboxQuota(new InboxQuota(100, 64 << 20, 256 << 10)).withMetrics(counting);
        HazelcastKvEngine engine = HazelcastKvEngine.open(members.get(0), storeName + "big", 1, counting, opts.maxBatchOps());
        try (Store big = HazelcastStore.open(engine, opts)) {
            java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
            engine.afterIntent = () -> {
                try {
                    queued.await(10, java.util.concurrent.TimeUnit.SECONDS); // hold the first batch until all are queued
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            List<CompletableFuture<Long>> fs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] env = new byte[200 << 10];
                env[0] = (byte) i;
                fs.add(big.inbox().append(b("in"), Bytes.wrap(env), T0 + 60_000));
            }
            queued.countDown();
            for (int i = 0; i < 40; i++) assertThat(await(fs.get(i))).isEqualTo(i);
            engine.afterIntent = null;
            assertThat(big.inbox().list(b("in"), 0, 100)).extracting(e -> (int) e.envelope().get(0))
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 40).boxed().toList());
            // 200 KiB operations: the 21st crosses 4 MiB and closes the batch
            assertThat(batchOps).contains(21).allMatch(n -> n <= 21);
        }
    }

    @Test
    void hexKeysKeepUnsignedByteOrder() {
        byte[][] keys = {{}, {0}, {0, 0}, {1}, {0x7f}, {(byte) 0x80}, {(byte) 0xff}, {(byte) 0xff, 0}};
        for (int i = 1; i < keys.length; i++) {
            assertThat(Arrays.compareUnsigned(keys[i - 1], keys[i])).isNegative();
            assertThat(HazelcastKvEngine.hex(keys[i - 1]).compareTo(HazelcastKvEngine.hex(keys[i]))).isNegative();
            assertThat(HazelcastKvEngine.unhex(HazelcastKvEngine.hex(keys[i]))).isEqualTo(keys[i]);
        }
    }

    /** Sequential write latency (one in flight) and pipelined throughput, with one synchronous backup. */
    @Test
    void writeLatencyWithSyncBackup() {
        int n = 300;
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            await(store.meta().put("k" + (i % 10), Bytes.wrap(new byte[100])));
            nanos[i] = System.nanoTime() - t;
        }
        Arrays.sort(nanos);
        // baseline: one raw IMap.set (same config: one sync backup) per round trip, no lock or intent
        com.hazelcast.map.IMap<String, byte[]> raw = members.get(0).getMap(HazelcastKvEngine.MAP_PREFIX + storeName + ".raw");
        long[] rawNanos = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            raw.set("k" + (i % 10), new byte[100]);
            rawNanos[i] = System.nanoTime() - t;
        }
        Arrays.sort(rawNanos);
        long appendStart = System.nanoTime();
        List<CompletableFuture<Boolean>> fs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) fs.add(store.messages().append(msg("lat", "m" + i, T0 + i, "body of a message")));
        long accepted = fs.stream().map(StoreContractTest::await).filter(x -> x).count();
        double seconds = (System.nanoTime() - appendStart) / 1e9;
        LOG.info("hazelcast store, 2 members, 1 sync backup: single put p50 {} us, p99 {} us (raw IMap.set p50 {} us, p99 {} us);"
                + " 1000 pipelined appends in {} ms ({} /s)", nanos[n / 2] / 1000, nanos[n * 99 / 100] / 1000,
                rawNanos[n / 2] / 1000, rawNanos[n * 99 / 100] / 1000, Math.round(seconds * 1000), Math.round(1000 / seconds));
        assertThat(accepted).isEqualTo(1000);
        assertThat(store.messages().list(b("lat"), 0, 2000)).hasSize(1000);
        assertThat(nanos[n / 2]).isPositive();
    }
}
