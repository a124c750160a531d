package org.parley.discovery.record;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.defence.ProofOfWork;
import org.parley.discovery.sim.Fixtures;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordValidatorTest {
    private static final long NOW = 1_700_000_000_000L;
    private final Random random = new Random(31);
    private final RecordValidator validator = new RecordValidator(RecordLimits.DEFAULTS);

    private NodeIdentity identity() {
        byte[] s = new byte[32];
        random.nextBytes(s);
        return NodeIdentity.fromSeed(Bytes.wrap(s));
    }

    private static ParleyException.Kind kindOf(Runnable r) {
        try {
            r.run();
        } catch (ParleyException e) {
            return e.kind();
        }
        return null;
    }

    @Test
    void validDescriptorPassesAndRoundTrips() {
        NodeIdentity id = identity();
        SignedRecord rec = Fixtures.relayRecord(id, NOW, 1, random);
        validator.validate(rec, NOW);
        assertThat(RecordCodec.decode(RecordCodec.encode(rec))).isEqualTo(rec);
        RelayDescriptor d = RelayDescriptorCodec.decode(rec.payload());
        assertThat(d.nodeId()).isEqualTo(id.nodeId());
        assertThat(RelayDescriptorCodec.encode(d)).isEqualTo(rec.payload());
        assertThat(d.flags()).contains(RelayFlag.RELAY, RelayFlag.INBOX);
    }

    @Test
    void badSignatureIsRejected() {
        SignedRecord rec = Fixtures.relayRecord(identity(), NOW, 1, random);
        byte[] sig = rec.signature().toArray();
        sig[5] ^= 1;
        SignedRecord bad = new SignedRecord(rec.kind(), rec.key(), rec.publisherKey(), rec.version(), rec.expiresAtMillis(),
                rec.payload(), Bytes.wrap(sig));
        assertThatThrownBy(() -> validator.validate(bad, NOW)).hasMessageContaining("signature");
        // A bumped version under the old signature is also a bad signature.
        SignedRecord bumped = new SignedRecord(rec.kind(), rec.key(), rec.publisherKey(), rec.version() + 1,
                rec.expiresAtMillis(), rec.payload(), rec.signature());
        assertThat(validator.isValid(bumped, NOW)).isFalse();
    }

    @Test
    void aRecordSeenAgainSkipsOnlyItsSignatureChecks() {
        NodeIdentity id = identity();
        SignedRecord rec = Fixtures.relayRecord(id, NOW, 1, random);
        validator.validate(rec, NOW);
        long checks = validator.signatureChecks();
        // the same record again (decoded anew, as from another peer): no second verification
        SignedRecord again = RecordCodec.decode(RecordCodec.encode(rec));
        for (int i = 0; i < 5; i++) validator.validate(again, NOW + i);
        assertThat(validator.signatureChecks()).isEqualTo(checks);
        // the time rules still run for a remembered record
        assertThatThrownBy(() -> validator.validate(again, rec.expiresAtMillis())).hasMessageContaining("expired");
        // one flipped signature bit is a different record: verified, and refused
        byte[] sig = rec.signature().toArray();
        sig[63] ^= 0x20;
        SignedRecord bad = new SignedRecord(rec.kind(), rec.key(), rec.publisherKey(), rec.version(), rec.expiresAtMillis(),
                rec.payload(), Bytes.wrap(sig));
        assertThatThrownBy(() -> validator.validate(bad, NOW)).hasMessageContaining("signature");
        assertThatThrownBy(() -> validator.validate(bad, NOW)).hasMessageContaining("signature");
        // a refused record is not remembered as verified, and a new record is verified once
        SignedRecord other = Fixtures.relayRecord(identity(), NOW, 1, random);
        validator.validate(other, NOW);
        validator.validate(other, NOW);
        assertThat(validator.signatureChecks()).isEqualTo(checks + 1);
    }

    @Test
    void theCacheIsBounded() {
        NodeIdentity id = identity();
        SignedRecord first = Fixtures.relayRecord(id, NOW, 1, random);
        validator.validate(first, NOW);
        RelayDescriptor d = RelayDescriptorCodec.decode(first.payload());
        for (int v = 2; v <= RecordValidator.VERIFIED_CACHE_SIZE + 1; v++) {
            validator.validate(d.toRecord(id, v, first.expiresAtMillis()), NOW);
        }
        long checks = validator.signatureChecks();
        validator.validate(first, NOW); // evicted as the least recently used: verified again
        assertThat(validator.signatureChecks()).isEqualTo(checks + 1);
    }

    @Test
    void expiredAndTooLongLivedAreRejected() {
        NodeIdentity id = identity();
        SignedRecord rec = Fixtures.relayRecord(id, NOW, 1, random);
        assertThat(kindOf(() -> validator.validate(rec, rec.expiresAtMillis()))).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION);
        SignedRecord far = Fixtures.descriptor(id, NOW, random).toRecord(id, 1, NOW + 2 * RecordLimits.DEFAULTS.maxTtlMillis());
        assertThatThrownBy(() -> validator.validate(far, NOW)).hasMessageContaining("too far");
    }

    @Test
    void oversizeIsRejectedAsResourceLimit() {
        NodeIdentity id = identity();
        SignedRecord big = ContactRecords.create(id, "bob", Bytes.wrap(new byte[4000]), 1, NOW + 1000, new SecureRandom());
        assertThat(kindOf(() -> validator.validate(big, NOW))).isEqualTo(ParleyException.Kind.RESOURCE_LIMIT);
    }

    @Test
    void publisherFailingProofOfWorkIsRejected() {
        RecordValidator strict = new RecordValidator(new RecordLimits(2048, 86_400_000L, 6));
        NodeIdentity weak = identity();
        while (ProofOfWork.satisfies(weak.nodeId(), 6)) weak = identity();
        SignedRecord rec = Fixtures.relayRecord(weak, NOW, 1, random);
        assertThatThrownBy(() -> strict.validate(rec, NOW)).hasMessageContaining("proof-of-work");
        NodeIdentity mined = ProofOfWork.mine(6, new SecureRandom(), 100_000);
        strict.validate(Fixtures.relayRecord(mined, NOW, 1, random), NOW);
    }

    @Test
    void descriptorRulesAreEnforced() {
        NodeIdentity id = identity();
        NodeIdentity other = identity();
        // Stored under someone else's node id.
        SignedRecord wrongKey = SignedRecord.sign(id, RecordKind.RELAY_DESCRIPTOR, other.nodeId().value(), 1, NOW + 1000,
                RelayDescriptorCodec.encode(Fixtures.descriptor(id, NOW, random)));
        assertThatThrownBy(() -> validator.validate(wrongKey, NOW)).hasMessageContaining("node id");
        // Descriptor of another identity re-signed by id.
        SignedRecord stolen = SignedRecord.sign(id, RecordKind.RELAY_DESCRIPTOR, id.nodeId().value(), 1, NOW + 1000,
                RelayDescriptorCodec.encode(Fixtures.descriptor(other, NOW, random)));
        assertThatThrownBy(() -> validator.validate(stolen, NOW)).hasMessageContaining("identity");
        // Onion key expired.
        RelayDescriptor d = Fixtures.descriptor(id, NOW, random);
        RelayDescriptor stale = RelayDescriptor.create(id, d.onionKey(), NOW - 1, d.addresses(), d.family(), 10, d.flags(), "x");
        assertThatThrownBy(() -> validator.validate(stale.toRecord(id, 1, NOW + 1000), NOW)).hasMessageContaining("onion key expired");
        // Onion key not certified by the identity.
        RelayDescriptor forged = new RelayDescriptor(d.identityKey(), d.onionKey(), d.onionKeyExpiresAt(),
                other.sign(RelayDescriptor.onionKeyCertified(d.onionKey(), d.onionKeyExpiresAt())),
                d.addresses(), d.family(), 10, d.flags(), "x");
        assertThatThrownBy(() -> validator.validate(forged.toRecord(id, 1, NOW + 1000), NOW)).hasMessageContaining("onion key signature");
        // Garbage payload.
        SignedRecord junk = SignedRecord.sign(id, RecordKind.RELAY_DESCRIPTOR, id.nodeId().value(), 1, NOW + 1000, Bytes.of(new byte[] {1, 2}));
        assertThat(kindOf(() -> validator.validate(junk, NOW))).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION);
    }

    @Test
    void contactRecordsAreUnreadableWithoutTheHandle() {
        NodeIdentity id = identity();
        Bytes secret = Bytes.of("inbox=relay-7".getBytes());
        SignedRecord rec = ContactRecords.create(id, "Carol", secret, 1, NOW + 1000, new SecureRandom());
        validator.validate(rec, NOW);
        assertThat(rec.key()).isEqualTo(ContactRecords.dhtKey("carol"));
        assertThat(rec.key()).isNotEqualTo(ContactRecords.dhtKey("carol2"));
        assertThat(ContactRecords.open(" carol ", rec.payload())).isEqualTo(secret);
        assertThat(kindOf(() -> ContactRecords.open("mallory", rec.payload()))).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION);
        // The plaintext does not appear in what DHT nodes store.
        assertThat(RecordCodec.encode(rec).hex()).doesNotContain(secret.hex());
    }

    @Test
    void storeKeepsNewestVersionPerPublisherAndExpires() {
        RecordStore store = new RecordStore(10, 2);
        NodeIdentity id = identity();
        SignedRecord v1 = Fixtures.relayRecord(id, NOW, 1, random);
        SignedRecord v2 = Fixtures.relayRecord(id, NOW, 2, random);
        assertThat(store.put(v1)).isEqualTo(RecordStore.Outcome.STORED);
        assertThat(store.put(v2)).isEqualTo(RecordStore.Outcome.REPLACED);
        assertThat(store.put(v1)).isEqualTo(RecordStore.Outcome.STALE);
        assertThat(store.get(v1.key(), NOW)).containsExactly(v2);
        assertThat(store.expire(v2.expiresAtMillis())).isEqualTo(1);
        assertThat(store.size()).isZero();
        Bytes key = ContactRecords.dhtKey("dave");
        for (int i = 0; i < 3; i++) {
            SignedRecord r = ContactRecords.create(identity(), "dave", Bytes.of(new byte[] {1}), 1, NOW + 1000, new SecureRandom());
            assertThat(store.put(r)).isEqualTo(i < 2 ? RecordStore.Outcome.STORED : RecordStore.Outcome.FULL);
        }
        assertThat(store.get(key, NOW)).hasSize(2);
    }
}
