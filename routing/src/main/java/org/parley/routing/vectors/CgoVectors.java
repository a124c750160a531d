package org.parley.routing.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.vectors.VectorResult;
import org.parley.routing.crypto.Cgo;

import java.util.Iterator;
import java.util.List;

/** The {@code cgo} vector file: groups ET, PRF, UIV, UIV update, relay, relay-originate, client-originate. */
final class CgoVectors {
    private CgoVectors() {
    }

    static List<VectorResult> run(JsonNode file) {
        Checks checks = new Checks();
        JsonNode groups = Json.field(file, "groups");
        int count = 0;
        for (Iterator<String> it = groups.fieldNames(); it.hasNext(); ) {
            String group = it.next();
            int i = 0;
            for (JsonNode v : Json.array(groups.get(group), "vectors")) {
                String name = group + "[" + i++ + "] " + (v.has("name") ? v.get("name").asText() : "");
                count++;
                switch (group) {
                    case "ET_TEST_VECTORS" -> et(checks, name, v);
                    case "PRF_TEST_VECTORS" -> prf(checks, name, v);
                    case "UIV_TEST_VECTORS" -> uiv(checks, name, v);
                    case "UIV_UPDATE_TEST_VECTORS" -> uivUpdate(checks, name, v);
                    case "CGO_RELAY_TEST_VECTORS" -> relay(checks, name, v);
                    case "CGO_RELAY_ORIGINATE_TEST_VECTORS" -> relayOriginate(checks, name, v);
                    case "CGO_CLIENT_ORIGINATE_TEST_VECTORS" -> clientOriginate(checks, name, v);
                    default -> checks.fail(name, "unknown vector group");
                }
            }
        }
        if (count == 0) checks.fail("cgo", "file holds no vectors");
        return checks.results();
    }

    private static byte[] hex(JsonNode v, String field, int len) {
        Bytes b = Json.hex(v, field);
        if (len >= 0 && b.length() != len) {
            throw ParleyException.malformed("cgo field " + field + " must be " + len + " bytes, got " + b.length());
        }
        return b.toArray();
    }

    private static int cmd(JsonNode v) {
        return hex(v, "AD_cmd", 1)[0] & 0xff;
    }

    private static void et(Checks checks, String name, JsonNode v) {
        byte[] keys = hex(v, "key_KB_KU", Cgo.HALF_KEY_LEN);
        byte[] tweak = hex(v, "tweak", Cgo.TAG_LEN + 1 + Cgo.PAYLOAD_LEN);
        byte[] block = hex(v, "input_block", Cgo.BLOCK);
        boolean encrypt = Json.field(v, "encrypt").asBoolean();
        new Cgo.Et(keys, 0).apply(encrypt, tweak, 0, tweak[Cgo.TAG_LEN] & 0xff, tweak, Cgo.TAG_LEN + 1,
                Cgo.PAYLOAD_LEN, block, 0);
        checks.equal(name, Json.hex(v, "expected_output"), Bytes.wrap(block));
    }

    private static void prf(Checks checks, String name, JsonNode v) {
        Cgo.Prf prf = new Cgo.Prf(hex(v, "key_K_B", Cgo.HALF_KEY_LEN), 0);
        byte[] tweak = hex(v, "tweak_t", Cgo.BLOCK);
        Bytes expected = Json.hex(v, "expected_output");
        int t = Json.integer(v, "offset_T");
        Bytes actual;
        if (t == 0) {
            byte[] data = new byte[Cgo.PAYLOAD_LEN];
            prf.xorN0(tweak, 0, data, 0, data.length);
            actual = Bytes.wrap(data);
        } else if (t == 1) {
            actual = Bytes.wrap(prf.n1(tweak, 0, expected.length()));
        } else {
            throw ParleyException.malformed("offset_T must be 0 or 1");
        }
        checks.equal(name, expected, actual);
    }

    private static void uiv(Checks checks, String name, JsonNode v) {
        Cgo.Uiv uiv = new Cgo.Uiv(hex(v, "keys_J_S", Cgo.UIV_KEY_LEN));
        byte[] h = hex(v, "tweak_H", Cgo.TAG_LEN + 1);
        byte[] body = Bytes.concat(Bytes.wrap(hex(v, "X_L", Cgo.TAG_LEN)), Bytes.wrap(hex(v, "X_R", Cgo.PAYLOAD_LEN))).toArray();
        if (Json.field(v, "encrypt").asBoolean()) uiv.encrypt(h, h[Cgo.TAG_LEN] & 0xff, body);
        else uiv.decrypt(h, h[Cgo.TAG_LEN] & 0xff, body);
        checks.equal(name + " X_L", Json.hex(v, "expected_X_L"), Bytes.wrap(body).slice(0, Cgo.TAG_LEN));
        checks.equal(name + " X_R", Json.hex(v, "expected_X_R"), Bytes.wrap(body).slice(Cgo.TAG_LEN, Cgo.BODY_LEN));
    }

    private static void uivUpdate(Checks checks, String name, JsonNode v) {
        Cgo.Uiv uiv = new Cgo.Uiv(hex(v, "keys", Cgo.UIV_KEY_LEN));
        byte[] nonce = hex(v, "nonce", Cgo.BLOCK);
        uiv.update(nonce);
        checks.equal(name + " keys", Json.hex(v, "expected_keys"), Bytes.wrap(uiv.keys()));
        checks.equal(name + " nonce", Json.hex(v, "expected_nonce"), Bytes.wrap(nonce));
    }

    private static Cgo.State state(JsonNode s) {
        byte[] seed = Bytes.concat(Bytes.wrap(hex(s, "K", Cgo.UIV_KEY_LEN)), Bytes.wrap(hex(s, "N", Cgo.BLOCK))).toArray();
        Cgo.State state = new Cgo.State(seed, 0);
        state.setTag(hex(s, "T_prime", Cgo.TAG_LEN));
        return state;
    }

    private static void checkState(Checks checks, String name, JsonNode expected, Cgo.State state) {
        checks.equal(name + " K", Json.hex(expected, "K"), Bytes.wrap(state.keys()));
        checks.equal(name + " N", Json.hex(expected, "N"), Bytes.wrap(state.nonce()));
        checks.equal(name + " T'", Json.hex(expected, "T_prime"), Bytes.wrap(state.tag()));
    }

    private static void checkCell(Checks checks, String name, JsonNode v, byte[] body) {
        checks.equal(name + " T", Json.hex(v, "expected_T"), Bytes.wrap(body).slice(0, Cgo.TAG_LEN));
        checks.equal(name + " C", Json.hex(v, "expected_C"), Bytes.wrap(body).slice(Cgo.TAG_LEN, Cgo.BODY_LEN));
    }

    private static byte[] zeroTagBody(JsonNode v) {
        return Bytes.concat(Bytes.wrap(new byte[Cgo.TAG_LEN]), Bytes.wrap(hex(v, "M", Cgo.PAYLOAD_LEN))).toArray();
    }

    private static void relay(Checks checks, String name, JsonNode v) {
        Cgo.State state = state(Json.field(v, "state"));
        byte[] body = Bytes.concat(Bytes.wrap(hex(v, "T", Cgo.TAG_LEN)), Bytes.wrap(hex(v, "C", Cgo.PAYLOAD_LEN))).toArray();
        if (Json.field(v, "inbound").asBoolean()) state.relayEncryptInbound(cmd(v), body);
        else state.relayDecryptOutbound(cmd(v), body);
        checkCell(checks, name, v, body);
        checkState(checks, name, Json.field(v, "expected_state"), state);
    }

    private static void relayOriginate(Checks checks, String name, JsonNode v) {
        Cgo.State state = state(Json.field(v, "state"));
        byte[] body = zeroTagBody(v);
        state.relayOriginate(cmd(v), body);
        checkCell(checks, name, v, body);
        checkState(checks, name, Json.field(v, "expected_state"), state);
    }

    private static void clientOriginate(Checks checks, String name, JsonNode v) {
        JsonNode states = Json.array(v, "hop_states");
        JsonNode expectedStates = Json.array(v, "expected_hop_states");
        if (states.size() != expectedStates.size()) throw ParleyException.malformed(name + ": state counts differ");
        Cgo.State[] hops = new Cgo.State[states.size()];
        for (int i = 0; i < hops.length; i++) hops[i] = state(states.get(i));
        int target = Json.integer(v, "target_hop_1_indexed") - 1;
        if (target < 0 || target >= hops.length) throw ParleyException.malformed(name + ": target hop out of range");
        byte[] body = zeroTagBody(v);
        hops[target].clientOriginate(cmd(v), body);
        for (int i = target - 1; i >= 0; i--) hops[i].clientEncryptOutbound(cmd(v), body);
        checkCell(checks, name, v, body);
        for (int i = 0; i < hops.length; i++) checkState(checks, name + " hop " + (i + 1), expectedStates.get(i), hops[i]);
    }
}
