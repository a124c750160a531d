package org.parley.routing.crypto;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for the ntor v3 parsers of peer bytes: the relay side of CREATE2 handshake data
 * ({@link NtorV3#serverRespond}) and the client side of CREATED2 data ({@link NtorV3.Client#finish}).
 * Keys are fixed so committed inputs replay the same way; see docs/fuzzing.md.
 */
class NtorV3FuzzTest {
    private static final Bytes RELAY_ID = Bytes.wrap(filled(32, 0x11));
    private static final OnionKeyPair ONION = OnionKeyPair.fromPrivate(Bytes.wrap(filled(32, 0x22)));
    private static final NtorV3.RelayKeys RELAY = new NtorV3.RelayKeys(RELAY_ID, ONION.publicKey());
    private static final Bytes VER = NtorV3.CIRCUIT_EXTEND;
    private static final int KEY_LEN = 72;
    private static final byte[] X = filled(32, 0x33);
    private static final byte[] Y = filled(32, 0x44);
    private static final UnaryOperator<Bytes> ECHO = cm -> Bytes.concat(Bytes.wrap(new byte[]{1}), cm);

    /**
     * First byte: bit 0 set puts this relay's ID and onion key over the first 64 bytes of the rest,
     * so the fuzzer reaches the key agreement and MAC check, not only the key lookup.
     */
    @FuzzTest
    void serverRespond(byte[] input) {
        if (input.length == 0) return;
        byte[] hs = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & 1) != 0 && hs.length >= 64) {
            RELAY_ID.copyTo(hs, 0);
            ONION.publicKey().copyTo(hs, 32);
        }
        NtorV3.ServerResult r;
        try {
            r = NtorV3.serverRespond(RELAY_ID, List.of(ONION), Bytes.wrap(hs), VER, ECHO, KEY_LEN, Y.clone(),
                    HandshakeTrace.NONE);
        } catch (ParleyException e) {
            assertThat(e.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.PROTOCOL_VIOLATION);
            return;
        }
        assertThat(r.keys().length()).isEqualTo(KEY_LEN);
        assertThat(r.reply().length()).isEqualTo(NtorV3.SERVER_OVERHEAD + r.clientMessage().length() + 1);
    }

    /** The input is a CREATED2 reply to a client that started with the fixed keys. */
    @FuzzTest
    void clientFinish(byte[] input) {
        NtorV3.Client client = newClient();
        NtorV3.ClientResult r;
        try {
            r = client.finish(Bytes.wrap(input), KEY_LEN);
        } catch (ParleyException e) {
            assertThat(e.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.PROTOCOL_VIOLATION);
            return;
        }
        assertThat(r.keys().length()).isEqualTo(KEY_LEN);
        assertThat(r.serverMessage().length()).isEqualTo(input.length - NtorV3.SERVER_OVERHEAD);
    }

    private static NtorV3.Client newClient() {
        return NtorV3.clientStart(RELAY, Bytes.wrap("hello relay".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                VER, X.clone(), HandshakeTrace.NONE);
    }

    static Map<String, Map<String, byte[]>> seeds() {
        byte[] clientMsg = newClient().message().toArray();
        NtorV3.ServerResult server = NtorV3.serverRespond(RELAY_ID, List.of(ONION), Bytes.wrap(clientMsg), VER, ECHO,
                KEY_LEN, Y.clone(), HandshakeTrace.NONE);
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("valid", prefixed(0, clientMsg));
        s.put("valid-keyed", prefixed(1, clientMsg));
        byte[] badMac = clientMsg.clone();
        badMac[badMac.length - 1] ^= 1;
        s.put("bad-mac", prefixed(0, badMac));
        s.put("bad-short", prefixed(1, Arrays.copyOf(clientMsg, 100)));
        byte[] zeroX = clientMsg.clone();
        Arrays.fill(zeroX, 64, 96, (byte) 0);
        s.put("bad-zero-x", prefixed(1, zeroX));
        all.put("serverRespond", s);
        Map<String, byte[]> c = new LinkedHashMap<>();
        c.put("valid", server.reply().toArray());
        byte[] badAuth = server.reply().toArray();
        badAuth[40] ^= 1;
        c.put("bad-auth", badAuth);
        c.put("bad-short", Arrays.copyOf(server.reply().toArray(), 63));
        c.put("bad-zero-y", new byte[64]);
        all.put("clientFinish", c);
        return all;
    }

    @Test
    void seedsAreWhatTheyClaim() throws IOException {
        Map<String, Map<String, byte[]>> all = seeds();
        byte[] reply = all.get("clientFinish").get("valid");
        NtorV3.ClientResult done = newClient().finish(Bytes.wrap(reply), KEY_LEN);
        assertThat(done.serverMessage()).isEqualTo(Bytes.concat(Bytes.wrap(new byte[]{1}),
                Bytes.wrap("hello relay".getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
        for (String bad : List.of("bad-auth", "bad-short", "bad-zero-y")) {
            try {
                newClient().finish(Bytes.wrap(all.get("clientFinish").get(bad)), KEY_LEN);
                throw new AssertionError(bad + " was accepted");
            } catch (ParleyException expected) {
                assertThat(expected.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
            }
        }
        if (!Boolean.getBoolean("parley.fuzz.writeSeeds")) return;
        for (var target : all.entrySet()) {
            Path d = Path.of("src/test/resources/org/parley/routing/crypto/NtorV3FuzzTestInputs", target.getKey());
            Files.createDirectories(d);
            for (var seed : target.getValue().entrySet()) Files.write(d.resolve("seed-" + seed.getKey()), seed.getValue());
        }
    }

    private static byte[] prefixed(int flag, byte[] b) {
        byte[] out = new byte[b.length + 1];
        out[0] = (byte) flag;
        System.arraycopy(b, 0, out, 1, b.length);
        return out;
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
