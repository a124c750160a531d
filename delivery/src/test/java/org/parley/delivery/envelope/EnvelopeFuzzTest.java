package org.parley.delivery.envelope;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.TestSessions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for envelopes as a relay or recipient receives them: {@link EnvelopeCodec#decode}
 * followed by {@link EnvelopeSealer#unseal} under a fixed recipient identity, the padded inner
 * plaintext ({@link EnvelopeSealer#readPlaintext}) and {@link PlaintextCodec#decode}. Committed
 * inputs: {@code src/test/resources/org/parley/delivery/envelope/EnvelopeFuzzTestInputs/<method>/}.
 */
class EnvelopeFuzzTest {
    private static final TestSessions T = new TestSessions(RatchetParams.PARLEY, 777);
    private static final EnvelopeSealer SEALER = new EnvelopeSealer(T.cipher, T.random);

    @FuzzTest
    void envelopeDecodeAndUnseal(byte[] input) {
        Envelope e;
        try {
            e = EnvelopeCodec.decode(Bytes.wrap(input));
        } catch (ParleyException ex) {
            assertThat(ex.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.RESOURCE_LIMIT);
            return;
        }
        assertThat(EnvelopeCodec.encode(e).toArray()).isEqualTo(input);
        try {
            SEALER.unseal(T.bobId, e);
        } catch (ParleyException ex) {
            assertThat(ex.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
        }
    }

    @FuzzTest
    void paddedPlaintextRead(byte[] input) {
        try {
            Plaintext p = EnvelopeSealer.readPlaintext(input.clone());
            assertThat(PlaintextCodec.decode(PlaintextCodec.encode(p))).isEqualTo(p);
        } catch (ParleyException ex) {
            assertThat(ex.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
        }
    }

    @FuzzTest
    void plaintextDecode(byte[] input) {
        Plaintext p;
        try {
            p = PlaintextCodec.decode(Bytes.wrap(input));
        } catch (ParleyException ex) {
            assertThat(ex.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.RESOURCE_LIMIT);
            return;
        }
        assertThat(PlaintextCodec.decode(PlaintextCodec.encode(p))).isEqualTo(p);
    }

    static List<Plaintext> samples() {
        MessageId a = new MessageId(Bytes.wrap(filled(MessageId.SIZE, 1)));
        MessageId b = new MessageId(Bytes.wrap(filled(MessageId.SIZE, 2)));
        return List.of(
                new Plaintext(a, 0, 1_700_000_000_000L, new InnerMessage.Text("hello \u2713")),
                new Plaintext(b, 7, 1_700_000_000_001L, new InnerMessage.DeliveryReceipt(List.of(a, b))),
                new Plaintext(b, 8, 1_700_000_000_002L, new InnerMessage.ReadReceipt(List.of(a))),
                new Plaintext(a, 9, 1, new InnerMessage.Unrecognized(200, Bytes.wrap(new byte[]{1, 2, 3}))));
    }

    static Map<String, Map<String, byte[]>> seeds() {
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        Map<String, byte[]> env = new LinkedHashMap<>();
        InboxId inbox = new InboxId(Bytes.wrap(filled(InboxId.SIZE, 3)));
        Envelope sealed = SEALER.seal(T.alice, T.aliceId, T.bobId.publicKey(), inbox, samples().get(0));
        env.put("sealed", EnvelopeCodec.encode(sealed).toArray());
        env.put("small", EnvelopeCodec.encode(new Envelope(inbox, Bytes.wrap(filled(100, 9)))).toArray());
        env.put("bad-version", new byte[]{2, 0, 0});
        env.put("bad-no-ciphertext", Arrays.copyOf(EnvelopeCodec.encode(sealed).toArray(), 1 + InboxId.SIZE));
        all.put("envelopeDecodeAndUnseal", env);

        Map<String, byte[]> pts = new LinkedHashMap<>();
        for (Plaintext p : samples()) pts.put(p.message().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT),
                PlaintextCodec.encode(p).toArray());
        byte[] bad = PlaintextCodec.encode(samples().get(0)).toArray();
        bad[bad.length - 1] = (byte) 0xff;
        pts.put("bad-utf8", bad);
        pts.put("bad-truncated", Arrays.copyOf(PlaintextCodec.encode(samples().get(1)).toArray(), 30));
        all.put("plaintextDecode", pts);

        Map<String, byte[]> padded = new LinkedHashMap<>();
        for (var e : pts.entrySet()) padded.put(e.getKey(), Padding.pad(Bytes.wrap(e.getValue())));
        all.put("paddedPlaintextRead", padded);
        return all;
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, Map<String, byte[]>> all = seeds();
        Envelope e = EnvelopeCodec.decode(Bytes.wrap(all.get("envelopeDecodeAndUnseal").get("sealed")));
        assertThat(SEALER.unseal(T.bobId, e).sender()).isEqualTo(T.aliceId.publicKey());
        for (Plaintext p : samples()) {
            assertThat(PlaintextCodec.decode(PlaintextCodec.encode(p))).isEqualTo(p);
            assertThat(EnvelopeSealer.readPlaintext(Padding.pad(PlaintextCodec.encode(p)))).isEqualTo(p);
        }
        all.forEach((target, seeds) -> seeds.forEach((name, b) -> {
            if (!name.startsWith("bad-") || target.equals("paddedPlaintextRead")) return;
            try {
                if (target.equals("plaintextDecode")) PlaintextCodec.decode(Bytes.wrap(b));
                else EnvelopeCodec.decode(Bytes.wrap(b));
                throw new AssertionError(target + "/" + name + " decoded");
            } catch (ParleyException ex) {
                assertThat(ex.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            }
        }));
        writeSeeds("org/parley/delivery/envelope/EnvelopeFuzzTestInputs", all);
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    /** With {@code -Dparley.fuzz.writeSeeds=true} (run from the module directory), rewrites the seed files. */
    static void writeSeeds(String dir, Map<String, Map<String, byte[]>> all) throws IOException {
        if (!Boolean.getBoolean("parley.fuzz.writeSeeds")) return;
        for (var t : all.entrySet()) {
            Path d = Path.of("src/test/resources", dir, t.getKey());
            Files.createDirectories(d);
            for (var e : t.getValue().entrySet()) Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
