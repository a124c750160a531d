package org.parley.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.storage.rocksdb.RocksDbStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encryption at rest on RocksDB: what reaches the files, and how the data key is unlocked. */
class RocksDbAtRestTest {
    private static final Argon2Params FAST = new Argon2Params(256, 1, 1);

    @TempDir
    Path dataDir;

    private static KeySource pass(String p) {
        return KeySource.passphrase(p.toCharArray(), FAST);
    }

    private Store open(KeySource k) {
        return RocksDbStore.open(StoreOptions.of(dataDir, k));
    }

    private static final class Secrets {
        final byte[] body = ("PLAINTEXT-BODY-MARKER-" + Long.toHexString(new SecureRandom().nextLong()))
                .getBytes(StandardCharsets.US_ASCII);
        final byte[] privateKey = new byte[32];
        final byte[] envelope = ("ENVELOPE-MARKER-" + Long.toHexString(new SecureRandom().nextLong()))
                .getBytes(StandardCharsets.US_ASCII);
        final byte[] ratchet = new byte[48];

        Secrets() {
            SecureRandom r = new SecureRandom();
            r.nextBytes(privateKey);
            r.nextBytes(ratchet);
        }

        List<byte[]> all() {
            return List.of(body, privateKey, envelope, ratchet);
        }
    }

    private static void writeSecrets(Store s, Secrets x) {
        s.keys().put(KeyRepository.IDENTITY_SEED, Bytes.of(x.privateKey)).join();
        s.messages().append(new StoredMessage(Bytes.of(new byte[] {1}), Bytes.of(new byte[] {2}), Direction.INCOMING,
                Bytes.of(x.body), MessageStatus.DELIVERED, 5, 5)).join();
        s.inbox().append(Bytes.of(new byte[] {3}), Bytes.of(x.envelope), Long.MAX_VALUE).join();
        s.sessions().put(new StoredSession(Bytes.of(new byte[] {4}), Bytes.of(x.ratchet), 5)).join();
    }

    /** Which of {@code needles} occur in any file under the db directory. */
    private List<byte[]> found(List<byte[]> needles) throws IOException {
        List<byte[]> hits = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dataDir.resolve("db"))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            byte[] content = Files.readAllBytes(f);
            for (byte[] n : needles) {
                if (indexOf(content, n) >= 0 && !hits.contains(n)) hits.add(n);
            }
        }
        return hits;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    @Test
    void noPlaintextSecretOrBodyReachesTheFiles() throws IOException {
        Secrets x = new Secrets();
        Store s = open(pass("correct horse"));
        writeSecrets(s, x);
        // synced: the write-ahead log holds them now
        assertThat(found(x.all())).isEmpty();
        s.close();
        // flushed into SST files on close
        assertThat(found(x.all())).isEmpty();
        try (Store again = open(pass("correct horse"))) {
            assertThat(again.keys().get(KeyRepository.IDENTITY_SEED)).contains(Bytes.of(x.privateKey));
            assertThat(again.messages().get(Bytes.of(new byte[] {2}))).map(StoredMessage::body).contains(Bytes.of(x.body));
        }
    }

    @Test
    void theScanWouldSeePlaintextInAnUnencryptedStore() throws IOException {
        // control for the test above: without encryption the same scan finds every value
        Secrets x = new Secrets();
        Store s = open(KeySource.none());
        writeSecrets(s, x);
        s.close();
        assertThat(found(x.all())).hasSize(4);
    }

    @Test
    void wrongPassphraseFailsAtOpen() {
        open(pass("right")).close();
        assertThatThrownBy(() -> open(pass("wrong")))
                .isInstanceOf(ParleyException.class)
                .hasMessageContaining("wrong passphrase")
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.CONFIG);
        assertThatThrownBy(() -> open(KeySource.none()))
                .isInstanceOf(ParleyException.class)
                .hasMessageContaining("PASSPHRASE")
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.CONFIG);
        // the failed opens released the database
        try (Store s = open(pass("right"))) {
            assertThat(s.schemaVersion()).isEqualTo(org.parley.storage.internal.KvStore.CURRENT_SCHEMA);
        }
    }

    @Test
    void argon2ParametersAreRecordedAtCreation() {
        try (Store s = open(KeySource.passphrase("pw".toCharArray(), new Argon2Params(128, 2, 1)))) {
            s.meta().put("k", Bytes.of(new byte[] {9})).join();
        }
        // opening with other configured parameters still derives with the recorded ones
        try (Store s = open(KeySource.passphrase("pw".toCharArray(), FAST))) {
            assertThat(s.meta().get("k")).contains(Bytes.of(new byte[] {9}));
        }
    }

    @Test
    void keyFileUnlocksAndAnotherDoesNot() throws IOException {
        Path keyFile = dataDir.resolve("store.key");
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        Files.write(keyFile, k);
        try (Store s = open(KeySource.keyFile(keyFile))) {
            s.meta().put("x", Bytes.of(new byte[] {1})).join();
        }
        try (Store s = open(KeySource.keyFile(keyFile))) {
            assertThat(s.meta().get("x")).contains(Bytes.of(new byte[] {1}));
        }
        Path other = dataDir.resolve("other.key");
        k[0] ^= 1;
        Files.write(other, k);
        assertThatThrownBy(() -> open(KeySource.keyFile(other)))
                .isInstanceOf(ParleyException.class).hasMessageContaining("wrong key file");
        Path shortFile = dataDir.resolve("short.key");
        Files.write(shortFile, new byte[31]);
        assertThatThrownBy(() -> open(KeySource.keyFile(shortFile)))
                .isInstanceOf(ParleyException.class).hasMessageContaining("at least 32 bytes")
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.CONFIG);
        assertThatThrownBy(() -> open(KeySource.keyFile(dataDir.resolve("missing.key"))))
                .isInstanceOf(ParleyException.class).hasMessageContaining("does not exist");
    }
}
