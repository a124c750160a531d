package org.parley.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.parley.core.Bytes;
import org.parley.storage.rocksdb.RocksDbStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing JVM with SIGKILL at a random moment, several times, and checks that every
 * write it acknowledged is in the reopened store exactly once, and that the store opens as it
 * is (no repair).
 */
class CrashRecoveryTest {
    private static final Pattern ACK = Pattern.compile("^ACK (r\\d{2}-t\\d{2}-\\d{6})$");
    private static final int ROUNDS = 3;

    @TempDir
    Path dataDir;

    @Test
    void acknowledgedWritesSurviveSigkill() throws Exception {
        Random random = new Random(20261126L);
        Set<String> allAcked = new HashSet<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<String> acked = runAndKill(round, 200 + random.nextInt(800));
            assertThat(acked).as("round %d acknowledged something before the kill", round).isNotEmpty();
            allAcked.addAll(acked);
            System.out.printf("round %d: %d acknowledged before SIGKILL%n", round, acked.size());

            try (Store store = RocksDbStore.open(CrashWriterMain.options(dataDir))) {
                List<StoredMessage> all = store.messages().list(CrashWriterMain.CONVERSATION, 0, Integer.MAX_VALUE);
                List<String> ids = all.stream()
                        .map(m -> new String(m.messageId().toArray(), StandardCharsets.US_ASCII)).toList();
                assertThat(new HashSet<>(ids)).as("no message stored twice").hasSize(ids.size());
                assertThat(ids).as("every acknowledged message is there").containsAll(allAcked);
                for (String id : acked) {
                    assertThat(store.messages().get(Bytes.wrap(id.getBytes(StandardCharsets.US_ASCII))))
                            .map(m -> new String(m.body().toArray(), StandardCharsets.US_ASCII))
                            .contains("body of " + id);
                }
                List<StoredEnvelope> envelopes = store.inbox().list(CrashWriterMain.INBOX, 0, Integer.MAX_VALUE);
                Set<String> envIds = new HashSet<>();
                for (StoredEnvelope e : envelopes) envIds.add(new String(e.envelope().toArray(), StandardCharsets.US_ASCII));
                assertThat(envIds).hasSize(envelopes.size()).containsAll(allAcked);
                // the per-inbox counters were written in the same batches as the envelopes
                assertThat(store.inbox().usage(CrashWriterMain.INBOX).envelopes()).isEqualTo(envelopes.size());
            }
        }
    }

    private List<String> runAndKill(int round, long killAfterMillis) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashWriterMain.class.getName(), dataDir.toString(), Integer.toString(round));
        pb.redirectError(dataDir.resolve("child-" + round + ".err").toFile());
        Process p = pb.start();
        List<String> acked = new CopyOnWriteArrayList<>();
        CountDownLatch ready = new CountDownLatch(1);
        List<String> junk = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.equals("READY")) {
                        ready.countDown();
                        continue;
                    }
                    var m = ACK.matcher(line);
                    if (m.matches()) acked.add(m.group(1));
                    else synchronized (junk) {
                        junk.add(line); // a line cut by the kill
                    }
                }
            } catch (java.io.IOException ignored) {
                // the pipe closes when the child dies
            }
        });
        reader.start();
        try {
            assertThat(ready.await(30, TimeUnit.SECONDS)).as("child opened the store").isTrue();
            Thread.sleep(killAfterMillis);
        } finally {
            p.destroyForcibly();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        reader.join(10_000);
        assertThat(p.exitValue()).as("killed, not exited by itself").isNotZero();
        synchronized (junk) {
            assertThat(junk.size()).as("at most one line cut by the kill").isLessThanOrEqualTo(1);
        }
        return acked;
    }
}
