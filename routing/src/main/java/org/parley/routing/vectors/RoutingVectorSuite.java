package org.parley.routing.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.vectors.VectorResult;
import org.parley.core.vectors.VectorSuite;
import org.parley.routing.crypto.Ntor;
import org.parley.routing.crypto.NtorV3;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.crypto.Tor1ClientCrypto;
import org.parley.routing.crypto.Tor1Keys;
import org.parley.routing.crypto.Tor1Layer;
import org.parley.routing.crypto.X25519Ops;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Conformance vectors of the routing layer: kinds {@code ntor-v3}, {@code ntor}, {@code tor1} and {@code cgo}
 * (layouts as in shared/vectors). Every value (counts, lengths, messages, cell numbers, hop
 * count) is read from the file.
 */
public final class RoutingVectorSuite implements VectorSuite {
    @Override
    public Set<String> kinds() {
        return Set.of("ntor-v3", "ntor", "tor1", "cgo");
    }

    @Override
    public List<VectorResult> run(String kind, JsonNode file) {
        String declared = Json.text(file, "kind");
        if (!declared.equals(kind)) {
            throw ParleyException.malformed("file kind '" + declared + "' is not '" + kind + "'");
        }
        try {
            return switch (kind) {
                case "ntor-v3" -> ntorV3(file);
                case "ntor" -> ntor(file);
                case "tor1" -> tor1(file);
                case "cgo" -> CgoVectors.run(file);
                default -> throw ParleyException.malformed("kind not handled here: " + kind);
            };
        } catch (ParleyException e) {
            throw e.kind() == ParleyException.Kind.MALFORMED_INPUT ? e : e.withContext("running " + kind + " vectors");
        }
    }

    // --- ntor v3 ------------------------------------------------------------------------------

    private static List<VectorResult> ntorV3(JsonNode file) {
        Checks checks = new Checks();
        int i = 0;
        for (JsonNode v : Json.array(file, "vectors")) {
            String name = "ntor-v3[" + i++ + "] " + (v.has("name") ? v.get("name").asText() : "");
            JsonNode in = Json.field(v, "inputs");
            JsonNode exp = Json.field(v, "expected");
            Bytes b = Json.hex(in, "b");
            Bytes x = Json.hex(in, "x");
            Bytes y = Json.hex(in, "y");
            Bytes id = Json.hex(in, "ID");
            Bytes cm = Json.hex(in, "CM");
            Bytes ver = Json.hex(in, "VER");
            Bytes sm = Json.hex(in, "SM");
            checks.equal(name + " B", Json.hex(in, "B"), X25519Ops.publicKey(b));
            checks.equal(name + " X", Json.hex(in, "X"), X25519Ops.publicKey(x));
            checks.equal(name + " Y", Json.hex(in, "Y"), X25519Ops.publicKey(y));

            Map<String, Bytes> trace = new HashMap<>();
            OnionKeyPair relayKey = OnionKeyPair.fromPrivate(b);
            NtorV3.Client client = NtorV3.clientStart(new NtorV3.RelayKeys(id, Json.hex(in, "B")), cm, ver,
                    x.toArray(), trace::put);
            checks.equal(name + " client_handshake", Json.hex(exp, "client_handshake"), client.message());

            Bytes expectedKeys = Json.hex(exp, "keystream_256");
            Bytes[] seenCm = new Bytes[1];
            NtorV3.ServerResult server;
            try {
                server = NtorV3.serverRespond(id, List.of(relayKey), client.message(), ver, got -> {
                    seenCm[0] = got;
                    return sm;
                }, expectedKeys.length(), y.toArray(), trace::put);
            } catch (ParleyException e) {
                checks.fail(name + " server", "relay rejected the client handshake: " + e.getMessage());
                continue;
            }
            checks.equal(name + " server saw CM", cm, seenCm[0]);
            checks.equal(name + " server_handshake", Json.hex(exp, "server_handshake"), server.reply());
            checks.equal(name + " server keystream", expectedKeys, server.keys());
            try {
                NtorV3.ClientResult done = client.finish(server.reply(), expectedKeys.length());
                checks.equal(name + " client SM", sm, done.serverMessage());
                checks.equal(name + " client keystream", expectedKeys, done.keys());
            } catch (ParleyException e) {
                checks.fail(name + " client finish", "client rejected the server handshake: " + e.getMessage());
            }
            if (v.has("intermediate")) {
                JsonNode inter = v.get("intermediate");
                for (Iterator<String> it = inter.fieldNames(); it.hasNext(); ) {
                    String field = it.next();
                    Bytes actual = trace.get(field);
                    if (actual == null) {
                        checks.fail(name + " " + field, "intermediate value not produced by this implementation");
                    } else {
                        checks.equal(name + " " + field, Json.hex(inter, field), actual);
                    }
                }
            }
        }
        if (i == 0) checks.fail("ntor-v3", "file holds no vectors");
        return checks.results();
    }

    // --- ntor (v1) ----------------------------------------------------------------------------

    private static List<VectorResult> ntor(JsonNode file) {
        Checks checks = new Checks();
        int count = 0;
        int i = 0;
        for (JsonNode v : Json.array(file, "handshake_vectors")) {
            String name = "ntor[" + i++ + "] " + (v.has("name") ? v.get("name").asText() : "");
            count++;
            JsonNode in = Json.field(v, "inputs");
            JsonNode exp = Json.field(v, "expected");
            Bytes b = Json.hex(in, "b");
            Bytes x = Json.hex(in, "x");
            Bytes y = Json.hex(in, "y");
            Bytes id = Json.hex(in, "ID");
            Bytes bPub = Json.hex(in, "B");
            checks.equal(name + " B", bPub, X25519Ops.publicKey(b));
            checks.equal(name + " X", Json.hex(in, "X"), X25519Ops.publicKey(x));
            checks.equal(name + " Y", Json.hex(in, "Y"), X25519Ops.publicKey(y));
            int keyLen = Json.integer(exp, "key_len");
            Bytes keys = Json.hex(exp, "keys");
            if (keys.length() != keyLen) {
                throw ParleyException.malformed(name + ": key_len " + keyLen + " but keys has " + keys.length() + " bytes");
            }
            Ntor.Client client = Ntor.clientStart(id, bPub, x.toArray());
            checks.equal(name + " client_handshake", Json.hex(exp, "client_handshake"), client.message());
            try {
                Ntor.ServerResult server = Ntor.serverRespond(id, List.of(OnionKeyPair.fromPrivate(b)),
                        client.message(), keyLen, y.toArray());
                checks.equal(name + " server_handshake", Json.hex(exp, "server_handshake"), server.reply());
                checks.equal(name + " server keys", keys, server.keys());
                checks.equal(name + " client keys", keys, client.finish(server.reply(), keyLen));
            } catch (ParleyException e) {
                checks.fail(name + " handshake", "rejected: " + e.getMessage());
            }
        }
        if (file.has("kdf_vectors")) {
            int k = 0;
            for (JsonNode v : Json.array(Json.field(file, "kdf_vectors"), "vectors")) {
                count++;
                Bytes ikm = Json.ascii(v, "ikm_ascii");
                String okmField = null;
                for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    if (f.startsWith("okm")) okmField = f;
                }
                if (okmField == null) {
                    throw ParleyException.malformed("ntor kdf vector " + k + " has no okm field");
                }
                Bytes okm = Json.hex(v, okmField);
                checks.equal("ntor kdf[" + k++ + "] ikm=\"" + new String(ikm.toArray(), StandardCharsets.UTF_8) + "\"",
                        okm, Ntor.kdf(ikm, okm.length()));
            }
        }
        if (count == 0) checks.fail("ntor", "file holds no vectors");
        return checks.results();
    }

    // --- tor1 ---------------------------------------------------------------------------------

    /** Relay command DATA, as the tor1 procedure sets body[0]. */
    private static final int RELAY_DATA = 2;
    private static final int STREAM_ID = 1;

    private static List<VectorResult> tor1(JsonNode file) {
        Checks checks = new Checks();
        Tor1ClientCrypto crypto = new Tor1ClientCrypto();
        for (JsonNode hop : Json.array(file, "hop_key_material_ascii")) {
            if (!hop.isTextual()) throw ParleyException.malformed("hop key material must be strings");
            Bytes material = Bytes.wrap(hop.asText().getBytes(StandardCharsets.UTF_8));
            crypto.addHop(Tor1Keys.fromKeyStream(material));
        }
        if (crypto.hops() == 0) throw ParleyException.malformed("tor1 file has no hops");
        TreeMap<Integer, Bytes> expected = new TreeMap<>();
        for (JsonNode v : Json.array(file, "vectors")) {
            int cellno = Json.integer(v, "cellno");
            if (cellno < 0 || cellno > 1_000_000) throw ParleyException.malformed("cellno out of range: " + cellno);
            Bytes ct = Json.hex(v, "expected_ciphertext");
            if (ct.length() != Tor1Layer.BODY_LEN) {
                throw ParleyException.malformed("cell " + cellno + " ciphertext is " + ct.length() + " bytes, not " + Tor1Layer.BODY_LEN);
            }
            if (expected.put(cellno, ct) != null) throw ParleyException.malformed("cellno " + cellno + " twice");
        }
        if (expected.isEmpty()) {
            checks.fail("tor1", "file holds no vectors");
            return checks.results();
        }
        byte[] seed = Json.text(file, "seed_ascii").getBytes(StandardCharsets.UTF_8);
        SHAKEDigest stream = new SHAKEDigest(256);
        stream.update(seed, 0, seed.length);
        int target = crypto.hops() - 1;
        int dataLen = Tor1Layer.BODY_LEN - 11;
        for (int cellno = 0; cellno <= expected.lastKey(); cellno++) {
            byte[] body = new byte[Tor1Layer.BODY_LEN];
            body[0] = RELAY_DATA;
            body[3] = (byte) (STREAM_ID >>> 8);
            body[4] = (byte) STREAM_ID;
            body[9] = (byte) (dataLen >>> 8);
            body[10] = (byte) dataLen;
            stream.doOutput(body, 11, dataLen);
            crypto.encryptTo(target, body);
            Bytes want = expected.get(cellno);
            if (want != null) {
                checks.equal("tor1 cell " + cellno, want, Bytes.wrap(body));
            }
        }
        return checks.results();
    }
}
