package org.parley.delivery.ratchet;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for the ratchet layer: {@link SessionMessageCodec#decode},
 * {@link SessionStateCodec#decode} (a stored value) and {@link SessionCipher#decrypt} of arbitrary
 * bytes on a fresh copy of an established session (Bob's, after Alice's first message) and of
 * Alice's initiator state. Sessions come from {@link TestSessions} with a fixed seed, so the
 * committed inputs replay identically. Committed inputs:
 * {@code src/test/resources/org/parley/delivery/ratchet/RatchetFuzzTestInputs/<method>/}.
 */
class RatchetFuzzTest {
    private static final Fixture F = new Fixture();

    /** Built once: Bob's and Alice's states as stored values, and a second message from Alice. */
    static final class Fixture {
        final Bytes bobState;
        final Bytes aliceState;
        final Bytes secondMessage;
        final SessionCipher cipher;

        Fixture() {
            TestSessions t = new TestSessions(RatchetParams.PARLEY, 4242);
            t.handshake("first");
            cipher = t.cipher;
            bobState = SessionStateCodec.encode(t.bob);
            secondMessage = t.cipher.encrypt(t.alice, TestSessions.utf8("second"));
            aliceState = SessionStateCodec.encode(t.alice);
        }
    }

    @FuzzTest
    void sessionMessageDecode(byte[] input) {
        SessionMessage m;
        try {
            m = SessionMessageCodec.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(SessionMessageCodec.encode(m).toArray()).isEqualTo(input);
        assertThat(SessionMessageCodec.decode(SessionMessageCodec.encode(m))).isEqualTo(m);
    }

    @FuzzTest
    void sessionStateDecode(byte[] input) {
        SessionState s;
        try {
            s = SessionStateCodec.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        Bytes once = SessionStateCodec.encode(s);
        assertThat(SessionStateCodec.encode(SessionStateCodec.decode(once))).isEqualTo(once);
    }

    /** Decrypting arbitrary bytes on fresh session states: plaintext or a ParleyException, state untouched on failure. */
    @FuzzTest
    void decryptOnFreshSession(byte[] input) {
        for (Bytes stored : new Bytes[]{F.bobState, F.aliceState}) {
            SessionState s = SessionStateCodec.decode(stored);
            try {
                F.cipher.decrypt(s, Bytes.wrap(input));
            } catch (ParleyException e) {
                assertThat(e.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
                assertThat(SessionStateCodec.encode(s)).isEqualTo(stored);
            }
        }
    }

    static Map<String, Map<String, byte[]>> seeds() {
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        byte[] second = F.secondMessage.toArray();
        Map<String, byte[]> msgs = new LinkedHashMap<>();
        msgs.put("ratchet", second);
        msgs.put("prekey", SessionMessageCodec.encode(new SessionMessage.PreKey(Bytes.wrap(new byte[]{1, 2, 3}),
                Bytes.wrap(new byte[]{4, 5}))).toArray());
        msgs.put("bad-type", new byte[]{9, 1, 2});
        msgs.put("bad-prekey-length", new byte[]{2, 0x7f, 0, 0, 0, 1});
        all.put("sessionMessageDecode", msgs);

        Map<String, byte[]> states = new LinkedHashMap<>();
        states.put("bob", F.bobState.toArray());
        states.put("alice", F.aliceState.toArray());
        states.put("bad-truncated", Arrays.copyOf(F.bobState.toArray(), F.bobState.length() / 2));
        byte[] version = F.bobState.toArray();
        version[0] = 99;
        states.put("bad-version", version);
        all.put("sessionStateDecode", states);

        Map<String, byte[]> dec = new LinkedHashMap<>();
        dec.put("valid-second", second);
        byte[] flipped = second.clone();
        flipped[flipped.length - 1] ^= 1;
        dec.put("bad-tag", flipped);
        dec.put("bad-header-only", Arrays.copyOf(second, 20));
        all.put("decryptOnFreshSession", dec);
        return all;
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, Map<String, byte[]>> all = seeds();
        SessionState bob = SessionStateCodec.decode(F.bobState);
        assertThat(TestSessions.text(F.cipher.decrypt(bob, Bytes.wrap(all.get("decryptOnFreshSession").get("valid-second")))))
                .isEqualTo("second");
        for (String bad : new String[]{"bad-tag", "bad-header-only"}) {
            SessionState fresh = SessionStateCodec.decode(F.bobState);
            try {
                F.cipher.decrypt(fresh, Bytes.wrap(all.get("decryptOnFreshSession").get(bad)));
                throw new AssertionError(bad + " decrypted");
            } catch (ParleyException expected) {
                assertThat(SessionStateCodec.encode(fresh)).isEqualTo(F.bobState);
            }
        }
        for (String bad : new String[]{"bad-truncated", "bad-version"}) {
            try {
                SessionStateCodec.decode(Bytes.wrap(all.get("sessionStateDecode").get(bad)));
                throw new AssertionError(bad + " decoded");
            } catch (ParleyException e) {
                assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            }
        }
        writeSeeds("org/parley/delivery/ratchet/RatchetFuzzTestInputs", all);
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
