package org.parley.storage;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.parley.core.Bytes;
import org.parley.storage.rocksdb.RocksDbStore;

/**
 * Child process of {@link CrashRecoveryTest}: writes messages and envelopes from several
 * threads until it is killed, printing {@code ACK <id>} only after the write's future completed
 * (that is, after the synced batch). Not a test by itself.
 */
public final class CrashWriterMain {
    static final String PASSPHRASE = "crash test passphrase";
    static final Argon2Params ARGON = new Argon2Params(256, 1, 1);
    static final Bytes CONVERSATION = Bytes.wrap("crash".getBytes(StandardCharsets.US_ASCII));
    static final Bytes INBOX = Bytes.wrap("crash-inbox".getBytes(StandardCharsets.US_ASCII));
    static final int THREADS = 4;

    private CrashWriterMain() {
    }

    static StoreOptions options(Path dataDir) {
        return StoreOptions.of(dataDir, KeySource.passphrase(PASSPHRASE.toCharArray(), ARGON))
                .withInboxQuota(new InboxQuota(1_000_000, 1L << 40, 1024));
    }

    static String messageId(int round, int thread, int n) {
        return String.format("r%02d-t%02d-%06d", round, thread, n);
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        int round = Integer.parseInt(args[1]);
        long deadline = System.currentTimeMillis() + 30_000; // bounded even if nobody kills us
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.US_ASCII);
        Store store = RocksDbStore.open(options(dataDir));
        out.println("READY");
        Thread[] threads = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            int tt = t;
            threads[t] = new Thread(() -> {
                for (int n = 0; n < 1_000_000 && System.currentTimeMillis() < deadline; n++) {
                    String id = messageId(round, tt, n);
                    Bytes idBytes = Bytes.wrap(id.getBytes(StandardCharsets.US_ASCII));
                    long now = System.currentTimeMillis();
                    boolean fresh = store.messages().append(new StoredMessage(CONVERSATION, idBytes, Direction.OUTGOING,
                            Bytes.wrap(("body of " + id).getBytes(StandardCharsets.US_ASCII)), MessageStatus.PENDING,
                            now, now)).join();
                    if (!fresh) throw new IllegalStateException("duplicate " + id);
                    store.inbox().append(INBOX, idBytes, Long.MAX_VALUE).join();
                    synchronized (out) {
                        out.println("ACK " + id);
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        store.close();
        out.println("DONE");
    }
}
