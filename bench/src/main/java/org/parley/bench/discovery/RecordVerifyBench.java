package org.parley.bench.discovery;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.ContactRecords;
import org.parley.discovery.record.RecordCodec;
import org.parley.discovery.record.RecordLimits;
import org.parley.discovery.record.RecordValidator;
import org.parley.discovery.record.RelayDescriptor;
import org.parley.discovery.record.RelayFlag;
import org.parley.discovery.record.SignedRecord;

import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Full validation of DHT records as a node does before storing: decode + size/expiry/PoW checks +
 * Ed25519 signature (relay descriptors add the onion-key certificate: two verifies).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RecordVerifyBench {
    private static final long NOW = 1_700_000_000_000L;
    private RecordValidator validator;
    private Bytes descriptorBytes;
    private Bytes contactBytes;

    @Setup
    public void setup() {
        NodeIdentity id = NodeIdentity.fromSeed(Bytes.wrap(new byte[32]));
        validator = new RecordValidator(RecordLimits.DEFAULTS);
        SignedRecord desc = RelayDescriptor.create(id, Bytes.wrap(new byte[32]), NOW + 86_400_000L,
                List.of(PeerAddress.ipv4(192, 0, 2, 1, 7000)), List.of(), 1000,
                EnumSet.of(RelayFlag.RELAY, RelayFlag.GUARD_CAPABLE), "parley/0.1.0").toRecord(id, 1, NOW + 3_600_000L);
        descriptorBytes = RecordCodec.encode(desc);
        contactBytes = RecordCodec.encode(ContactRecords.create(id, "alice", Bytes.wrap(new byte[200]), 1, NOW + 3_600_000L,
                new SecureRandom()));
    }

    @Benchmark
    public SignedRecord relayDescriptor() {
        SignedRecord r = RecordCodec.decode(descriptorBytes);
        validator.validate(r, NOW);
        return r;
    }

    @Benchmark
    public SignedRecord contactRecord() {
        SignedRecord r = RecordCodec.decode(contactBytes);
        validator.validate(r, NOW);
        return r;
    }
}
