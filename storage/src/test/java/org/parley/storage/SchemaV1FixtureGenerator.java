package org.parley.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.parley.core.Bytes;
import org.parley.core.time.ManualClock;
import org.parley.storage.internal.KvStore;
import org.parley.storage.rocksdb.RocksKvEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the committed schema-v1 fixture (src/test/resources/fixtures/store-v1/db) with the v1
 * layout (no expiry index). Runs only on request:
 * {@code mvn -o -pl storage test -Dtest=SchemaV1FixtureGenerator -Dparley.generateFixture=true}.
 */
@EnabledIfSystemProperty(named = "parley.generateFixture", matches = "true")
class SchemaV1FixtureGenerator {
    static final String PASSPHRASE = "fixture passphrase";
    static final Argon2Params ARGON = new Argon2Params(256, 1, 1);
    static final long T0 = 1_700_000_000_000L;

    static Bytes b(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static StoreOptions options(Path dataDir) {
        return StoreOptions.of(dataDir, KeySource.passphrase(PASSPHRASE.toCharArray(), ARGON))
                .withClock(new ManualClock(T0));
    }

    @Test
    void generate() throws Exception {
        Path dataDir = Path.of("src/test/resources/fixtures/store-v1").toAbsolutePath();
        Path db = dataDir.resolve("db");
        if (Files.exists(db)) {
            try (Stream<Path> w = Files.walk(db)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        StoreOptions opts = options(dataDir);
        RocksKvEngine engine = RocksKvEngine.open(db, 1, StoreMetrics.NONE, 16);
        try (Store s = KvStore.open(engine, opts, db.toString(), 1)) {
            if (s.schemaVersion() != 1) throw new IllegalStateException("not v1");
            s.keys().put(KeyRepository.IDENTITY_SEED, b("fixture-seed-32-bytes-0123456789")).join();
            s.contacts().put(new Contact(b("bob"), "Bob", b("bob-key"), b("bob-inbox"), b("our-inbox"), T0)).join();
            s.conversations().put(new Conversation(b("c1"), b("bob"), "Bob", T0)).join();
            s.messages().append(new StoredMessage(b("c1"), b("m1"), Direction.OUTGOING, b("hello from v1"),
                    MessageStatus.DELIVERED, T0, T0 + 1)).join();
            s.messages().append(new StoredMessage(b("c1"), b("m2"), Direction.INCOMING, b("reply in v1"),
                    MessageStatus.READ, T0 + 5, T0 + 6)).join();
            s.messages().append(new StoredMessage(b("c1"), b("m3"), Direction.OUTGOING, b("still pending in v1"),
                    MessageStatus.PENDING, T0 + 7, T0 + 7)).join();
            s.inbox().append(b("inbox-1"), b("envelope expiring at T0+100"), T0 + 100).join();
            s.inbox().append(b("inbox-1"), b("envelope expiring at T0+10000"), T0 + 10_000).join();
            s.replay().markSeen(b("tag-short"), T0 + 100);
            s.replay().markSeen(b("tag-long"), T0 + 10_000);
            s.dht().put(new DhtRecord(b("dht-short"), b("record-a"), T0 + 100)).join();
            s.dht().put(new DhtRecord(b("dht-long"), b("record-b"), T0 + 10_000)).join();
            s.meta().put("last-peers", b("p1,p2")).join();
        }
        try (Stream<Path> w = Files.list(db)) {
            w.filter(p -> p.getFileName().toString().startsWith("LOG")).forEach(p -> p.toFile().delete());
        }
    }
}
