package org.parley.delivery.handshake;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionMessage;
import org.parley.delivery.ratchet.SessionMessageCodec;
import org.parley.delivery.ratchet.TestSessions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for the PQXDH messages a peer sends: {@link InitialMessage#decode},
 * {@link PreKeyBundle#decode} (+ validate), {@link IdentityKey#decode} (+ validate) and the whole
 * first-message path {@link SessionBuilder#accept} on Bob's side. Committed inputs:
 * {@code src/test/resources/org/parley/delivery/handshake/HandshakeFuzzTestInputs/<method>/}.
 */
class HandshakeFuzzTest {
    private static final TestSessions T = new TestSessions(RatchetParams.PARLEY, 99);

    @FuzzTest
    void initialMessageDecode(byte[] input) {
        InitialMessage m;
        try {
            m = InitialMessage.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(m.encode().toArray()).isEqualTo(input);
        assertThat(InitialMessage.decode(m.encode())).isEqualTo(m);
    }

    @FuzzTest
    void preKeyBundleDecode(byte[] input) {
        PreKeyBundle b;
        try {
            b = PreKeyBundle.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(PreKeyBundle.decode(b.encode())).isEqualTo(b);
        try {
            b.validate();
        } catch (ParleyException e) {
            assertThat(e.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
        }
    }

    @FuzzTest
    void identityKeyDecode(byte[] input) {
        IdentityKey k;
        try {
            k = IdentityKey.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(k.encode().toArray()).isEqualTo(input);
        try {
            k.validate();
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION);
        }
    }

    /** Bob receives the input as a first (PreKey) session message. */
    @FuzzTest
    void acceptFirstMessage(byte[] input) {
        try {
            SessionBuilder.accept(T.bobId, T.bobStore, Bytes.wrap(input), RatchetParams.PARLEY, T.cipher);
        } catch (ParleyException e) {
            assertThat(e.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
        }
    }

    static Map<String, Map<String, byte[]>> seeds() {
        Bytes first = T.cipher.encrypt(T.alice, TestSessions.utf8("hi"));
        SessionMessage.PreKey pre = (SessionMessage.PreKey) SessionMessageCodec.decode(first);
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        Map<String, byte[]> init = new LinkedHashMap<>();
        init.put("valid", pre.handshake().toArray());
        byte[] v = pre.handshake().toArray();
        v[0] = 7;
        init.put("bad-version", v);
        init.put("bad-truncated", Arrays.copyOf(pre.handshake().toArray(), 200));
        all.put("initialMessageDecode", init);

        Map<String, byte[]> bundles = new LinkedHashMap<>();
        bundles.put("with-opk", T.bobStore.bundle(true).encode().toArray());
        bundles.put("without-opk", T.bobStore.bundle(false).encode().toArray());
        byte[] flag = T.bobStore.bundle(false).encode().toArray();
        flag[flag.length - 1] = 5;
        bundles.put("bad-flag", flag);
        all.put("preKeyBundleDecode", bundles);

        Map<String, byte[]> ids = new LinkedHashMap<>();
        ids.put("bob", T.bobId.publicKey().encode().toArray());
        ids.put("bad-short", Arrays.copyOf(T.bobId.publicKey().encode().toArray(), 100));
        all.put("identityKeyDecode", ids);

        Map<String, byte[]> accept = new LinkedHashMap<>();
        accept.put("valid-first", first.toArray());
        byte[] flipped = first.toArray();
        flipped[flipped.length - 1] ^= 1;
        accept.put("bad-tag", flipped);
        accept.put("bad-ratchet-type", SessionMessageCodec.encode(new SessionMessage.Ratchet(Bytes.wrap(new byte[]{1}))).toArray());
        all.put("acceptFirstMessage", accept);
        return all;
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, Map<String, byte[]>> all = seeds();
        assertThat(InitialMessage.decode(Bytes.wrap(all.get("initialMessageDecode").get("valid"))).identity())
                .isEqualTo(T.aliceId.publicKey());
        assertThat(PreKeyBundle.decode(Bytes.wrap(all.get("preKeyBundleDecode").get("with-opk"))).validate().identity())
                .isEqualTo(T.bobId.publicKey());
        assertThat(IdentityKey.decode(Bytes.wrap(all.get("identityKeyDecode").get("bob"))).validate())
                .isEqualTo(T.bobId.publicKey());
        for (String[] bad : new String[][]{{"initialMessageDecode", "bad-version"}, {"initialMessageDecode", "bad-truncated"},
                {"preKeyBundleDecode", "bad-flag"}, {"identityKeyDecode", "bad-short"}}) {
            Bytes b = Bytes.wrap(all.get(bad[0]).get(bad[1]));
            try {
                switch (bad[0]) {
                    case "initialMessageDecode" -> InitialMessage.decode(b);
                    case "preKeyBundleDecode" -> PreKeyBundle.decode(b);
                    default -> IdentityKey.decode(b);
                }
                throw new AssertionError(bad[1] + " decoded");
            } catch (ParleyException e) {
                assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            }
        }
        writeSeeds("org/parley/delivery/handshake/HandshakeFuzzTestInputs", all);
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
