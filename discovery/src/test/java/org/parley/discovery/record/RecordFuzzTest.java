package org.parley.discovery.record;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.sim.Fixtures;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for the record layer: {@link RecordCodec#decode(Bytes)},
 * {@link RelayDescriptorCodec#decode} and {@link ContactRecords#open} (the contact payload a DHT
 * node hands back, under a fixed handle). Committed inputs:
 * {@code src/test/resources/org/parley/discovery/record/RecordFuzzTestInputs/<method>/}.
 */
class RecordFuzzTest {
    static final String HANDLE = "alice.fuzz";
    private static final long NOW = 1_700_000_000_000L;
    private static final RecordValidator VALIDATOR = new RecordValidator(RecordLimits.DEFAULTS);

    @FuzzTest
    void recordDecode(byte[] input) {
        SignedRecord r;
        try {
            r = RecordCodec.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        Bytes again = RecordCodec.encode(r);
        assertThat(again.toArray()).isEqualTo(input);
        assertThat(RecordCodec.decode(again)).isEqualTo(r);
        VALIDATOR.isValid(r, NOW);
    }

    @FuzzTest
    void relayDescriptorDecode(byte[] input) {
        RelayDescriptor d;
        try {
            d = RelayDescriptorCodec.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(RelayDescriptorCodec.decode(RelayDescriptorCodec.encode(d))).isEqualTo(d);
        d.onionKeySignatureValid();
    }

    /** The input is a sealed contact payload; opening it must give plaintext or a ParleyException. */
    @FuzzTest
    void contactRecordOpen(byte[] input) {
        try {
            Bytes plain = ContactRecords.open(HANDLE, Bytes.wrap(input));
            assertThat(plain.length()).isEqualTo(input.length - ContactRecords.NONCE - ContactRecords.TAG);
        } catch (ParleyException e) {
            assertThat(e.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.PROTOCOL_VIOLATION);
        }
    }

    static Map<String, Map<String, byte[]>> seeds() {
        Random random = new Random(9);
        NodeIdentity id = NodeIdentity.fromSeed(Bytes.wrap(new byte[32]));
        RelayDescriptor plain = Fixtures.descriptor(id, 1_700_000_000_000L, random);
        RelayDescriptor rich = RelayDescriptor.create(id, Bytes.wrap(new byte[32]), 1_800_000_000_000L,
                List.of(PeerAddress.ipv4(10, 0, 0, 1, 9001), new PeerAddress(Bytes.wrap(new byte[16]), 443)),
                List.of(new NodeId(Bytes.wrap(new byte[32]))), 0xffffffffL, EnumSet.allOf(RelayFlag.class),
                "parley/0.1.0-\u00e9");
        SignedRecord rec = plain.toRecord(id, 7, 1_700_000_360_000L);
        SecureRandom sr = new SecureRandom(new byte[]{1});
        SignedRecord contact = ContactRecords.create(id, HANDLE, Bytes.wrap("inbox=relay:1".getBytes(StandardCharsets.UTF_8)),
                1, 1_700_000_000_000L, sr);

        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        Map<String, byte[]> recs = new LinkedHashMap<>();
        recs.put("relay", RecordCodec.encode(rec).toArray());
        recs.put("contact", RecordCodec.encode(contact).toArray());
        byte[] kind = RecordCodec.encode(rec).toArray();
        kind[0] = (byte) 0x7f;
        recs.put("bad-kind", kind);
        byte[] len = RecordCodec.encode(rec).toArray();
        len[1 + 32 + 32 + 16] = (byte) 0xff;
        recs.put("bad-length", len);
        all.put("recordDecode", recs);

        Map<String, byte[]> desc = new LinkedHashMap<>();
        desc.put("plain", RelayDescriptorCodec.encode(plain).toArray());
        desc.put("rich", RelayDescriptorCodec.encode(rich).toArray());
        byte[] noAddr = RelayDescriptorCodec.encode(plain).toArray();
        noAddr[1 + 32 + 32 + 8 + 64] = 0;
        desc.put("bad-no-address", noAddr);
        byte[] badUtf8 = RelayDescriptorCodec.encode(plain).toArray();
        badUtf8[badUtf8.length - 1] = (byte) 0xc3;
        desc.put("bad-utf8", badUtf8);
        all.put("relayDescriptorDecode", desc);

        Map<String, byte[]> open = new LinkedHashMap<>();
        open.put("valid", contact.payload().toArray());
        byte[] flipped = contact.payload().toArray();
        flipped[ContactRecords.NONCE] ^= 1;
        open.put("bad-tag", flipped);
        open.put("bad-short", Arrays.copyOf(contact.payload().toArray(), 20));
        all.put("contactRecordOpen", open);
        return all;
    }

    @Test
    void seedsDecodeOrAreRejected() throws IOException {
        Map<String, Map<String, byte[]>> all = seeds();
        assertThat(VALIDATOR.isValid(RecordCodec.decode(Bytes.wrap(all.get("recordDecode").get("relay"))), NOW)).isTrue();
        assertThat(RelayDescriptorCodec.decode(Bytes.wrap(all.get("relayDescriptorDecode").get("rich"))).flags())
                .isEqualTo(EnumSet.allOf(RelayFlag.class));
        assertThat(new String(ContactRecords.open(HANDLE, Bytes.wrap(all.get("contactRecordOpen").get("valid"))).toArray(),
                StandardCharsets.UTF_8)).isEqualTo("inbox=relay:1");
        all.forEach((target, seeds) -> seeds.forEach((name, b) -> {
            if (!name.startsWith("bad-")) return;
            try {
                switch (target) {
                    case "recordDecode" -> RecordCodec.decode(Bytes.wrap(b));
                    case "relayDescriptorDecode" -> RelayDescriptorCodec.decode(Bytes.wrap(b));
                    default -> ContactRecords.open(HANDLE, Bytes.wrap(b));
                }
                throw new AssertionError(target + "/" + name + " accepted");
            } catch (ParleyException e) {
                assertThat(e.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.PROTOCOL_VIOLATION);
            }
        }));
        if (Boolean.getBoolean("parley.fuzz.writeSeeds")) {
            for (var t : all.entrySet()) {
                Path d = Path.of("src/test/resources/org/parley/discovery/record/RecordFuzzTestInputs", t.getKey());
                Files.createDirectories(d);
                for (var e : t.getValue().entrySet()) Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
            }
        }
    }
}
