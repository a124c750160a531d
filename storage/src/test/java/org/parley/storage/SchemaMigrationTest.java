package org.parley.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.parley.storage.internal.Cf;
import org.parley.storage.internal.KvStore;
import org.parley.storage.rocksdb.RocksDbStore;
import org.parley.storage.rocksdb.RocksKvEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opens the committed schema-v1 fixture with this build: it migrates (v1 → v2 → v3) and keeps everything. */
class SchemaMigrationTest {
    private static final long T0 = SchemaV1FixtureGenerator.T0;

    @TempDir
    Path dataDir;

    @BeforeEach
    void copyFixture() throws Exception {
        Path src = Path.of(getClass().getResource("/fixtures/store-v1/db/CURRENT").toURI()).getParent();
        Path dst = Files.createDirectories(dataDir.resolve("db"));
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dst.resolve(f.getFileName()));
        }
    }

    @Test
    void theFixtureReallyIsV1() {
        try (RocksKvEngine engine = RocksKvEngine.open(dataDir.resolve("db"), 1, StoreMetrics.NONE, 16)) {
            assertThat(engine.hasCf(Cf.EXPIRY)).isFalse();
            byte[] v = engine.get(Cf.SYS, "schema".getBytes(StandardCharsets.US_ASCII));
            assertThat(v).hasSize(8);
            assertThat(v[7]).isEqualTo((byte) 1);
        }
    }

    @Test
    void v1StoreIsMigratedAndKeepsItsData() {
        try (Store s = RocksDbStore.open(SchemaV1FixtureGenerator.options(dataDir))) {
            assertThat(s.schemaVersion()).isEqualTo(KvStore.CURRENT_SCHEMA);
            assertThat(s.keys().get(KeyRepository.IDENTITY_SEED))
                    .contains(SchemaV1FixtureGenerator.b("fixture-seed-32-bytes-0123456789"));
            assertThat(s.messages().list(SchemaV1FixtureGenerator.b("c1"), 0, 10))
                    .extracting(m -> new String(m.body().toArray(), StandardCharsets.UTF_8))
                    .containsExactly("hello from v1", "reply in v1", "still pending in v1");
            // v3's outbox index was built from the v1 messages
            assertThat(s.messages().unfinished(10)).extracting(StoredMessage::messageId)
                    .containsExactly(SchemaV1FixtureGenerator.b("m3"));
            assertThat(s.contacts().list()).extracting(Contact::displayName).containsExactly("Bob");
            assertThat(s.meta().get("last-peers")).contains(SchemaV1FixtureGenerator.b("p1,p2"));
            assertThat(s.inbox().usage(SchemaV1FixtureGenerator.b("inbox-1")).envelopes()).isEqualTo(2);

            // the expiry index was built from the v1 data: the sweep finds exactly the short-lived entries
            assertThat(s.sweepExpired(T0 + 100)).isEqualTo(new SweepResult(1, 1, 1));
            assertThat(s.sweepExpired(T0 + 10_000)).isEqualTo(new SweepResult(1, 1, 1));
            assertThat(s.inbox().usage(SchemaV1FixtureGenerator.b("inbox-1")).envelopes()).isZero();
        }
        try (Store s = RocksDbStore.open(SchemaV1FixtureGenerator.options(dataDir))) {
            assertThat(s.schemaVersion()).isEqualTo(KvStore.CURRENT_SCHEMA);
            assertThat(s.messages().get(SchemaV1FixtureGenerator.b("m2"))).isPresent();
        }
    }
}
