package org.parley.delivery.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.vectors.VectorResult;
import org.parley.core.vectors.VectorSuite;
import org.parley.delivery.crypto.Aead;
import org.parley.delivery.crypto.Dh;
import org.parley.delivery.crypto.X25519KeyPair;
import org.parley.delivery.crypto.XEdDsa;
import org.parley.delivery.handshake.X3dh;
import org.parley.delivery.ratchet.KdfProfile;
import org.parley.delivery.ratchet.KeySchedule;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionState;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Conformance vectors of the delivery module: {@code signal-x3dh-ratchet} (libsignal's X3DH,
 * Double Ratchet key schedule and v3 message) and {@code xeddsa}. Every input and expected value
 * is read from the file; field names are matched up to a parenthesised comment, so
 * {@code "bob_base_private (signed prekey = ratchet key)"} is found as {@code bob_base_private}.
 * Results never carry secret values, only which check failed.
 */
public final class DeliveryVectorSuite implements VectorSuite {
    public static final String KIND_SIGNAL = "signal-x3dh-ratchet";
    public static final String KIND_XEDDSA = "xeddsa";
    /** libsignal's message version byte for session version 3: (3 << 4) | 3. */
    private static final int LIBSIGNAL_V3_VERSION_BYTE = 0x33;

    @Override
    public Set<String> kinds() {
        return Set.of(KIND_SIGNAL, KIND_XEDDSA);
    }

    @Override
    public List<VectorResult> run(String kind, JsonNode file) {
        if (file == null || !file.isObject()) throw ParleyException.malformed("vector file is not a JSON object");
        List<VectorResult> results = new ArrayList<>();
        switch (kind) {
            case KIND_SIGNAL -> {
                int n = 0;
                for (JsonNode v : array(file, "full_session_vectors")) { fullSession(v, results); n++; }
                for (JsonNode v : array(file, "chain_key_vectors")) { chainKey(v, results); n++; }
                for (JsonNode v : array(file, "x25519_vectors")) { x25519(v, results); n++; }
                if (n == 0) throw ParleyException.malformed("signal vector file holds no vectors");
            }
            case KIND_XEDDSA -> {
                int n = 0;
                for (JsonNode v : array(file, "sign_vectors")) { xeddsaSign(v, results); n++; }
                for (JsonNode v : array(file, "verify_vectors")) { xeddsaVerify(v, results); n++; }
                if (n == 0) throw ParleyException.malformed("xeddsa vector file holds no vectors");
            }
            default -> throw ParleyException.malformed("kind not handled by the delivery suite: " + kind);
        }
        return results;
    }

    // ---- signal-x3dh-ratchet -------------------------------------------------------------

    private void fullSession(JsonNode v, List<VectorResult> out) {
        String name = name(v, "full session");
        KdfProfile p = KdfProfile.LIBSIGNAL_V3;
        Fields in;
        Fields exp;
        try {
            in = new Fields(obj(v, "inputs"));
            exp = new Fields(obj(v, "expected"));
        } catch (ParleyException e) {
            out.add(VectorResult.fail(name, e.getMessage()));
            return;
        }
        // Inputs, fed as given (public keys are never recomputed: some upstream vectors are inconsistent).
        Bytes aliceIdPub = in.hex("alice_identity_public");
        Bytes aliceIdPriv = in.hex("alice_identity_private");
        Bytes aliceBasePriv = in.hex("alice_base_private");
        Bytes bobIdPub = in.hex("bob_identity_public");
        Bytes bobBasePub = in.hex("bob_base_public");
        Bytes aliceRatchetPriv = in.hex("alice_sending_ratchet_private");
        Bytes aliceRatchetPub = in.hex("alice_sending_ratchet_public");
        Bytes plaintext = in.hex("plaintext");

        KeySchedule.HandshakeSecrets[] x3dh = new KeySchedule.HandshakeSecrets[1];
        check(out, name + ": X3DH root key (Alice)", () -> {
            byte[] km = X3dh.initiatorKeyMaterial(aliceIdPriv, aliceBasePriv, raw(p, bobIdPub), raw(p, bobBasePub), null);
            x3dh[0] = KeySchedule.handshake(p, km, false);
            return eq(exp.hex("bob_root_key"), Bytes.of(x3dh[0].rootKey()));
        });
        if (x3dh[0] == null) return;

        SessionState[] alice = new SessionState[1];
        check(out, name + ": Alice's root key after her first DH-ratchet step", () -> {
            X25519KeyPair ratchet = new X25519KeyPair(aliceRatchetPriv, raw(p, aliceRatchetPub));
            alice[0] = SessionState.initiator(RatchetParams.LIBSIGNAL, x3dh[0], raw(p, bobBasePub), ratchet,
                    Bytes.concat(aliceIdPub, bobIdPub), bobIdPub);
            return eq(exp.hex("alice_root_key"), alice[0].rootKey());
        });
        if (alice[0] == null) return;
        check(out, name + ": Alice's receiving chain = X3DH chain key", () -> {
            Bytes expected = Bytes.of(x3dh[0].chainKey());
            return eq(expected, alice[0].receivingChainKey());
        });
        check(out, name + ": Alice's sending chain key", () -> eq(exp.hex("alice_sending_chain_key"),
                alice[0].sendingChainKey()));

        KeySchedule.MessageKeys mk = KeySchedule.messageKeys(p,
                KeySchedule.messageKeySeed(alice[0].sendingChainKey().toArray()));
        check(out, name + ": message cipher key", () -> eq(exp.hex("message_cipher_key"), Bytes.of(mk.cipherKey())));
        check(out, name + ": message MAC key", () -> eq(exp.hex("message_mac_key"), Bytes.of(mk.macKey())));
        check(out, name + ": message IV", () -> eq(exp.hex("message_iv"), Bytes.of(mk.iv())));
        Bytes ct = Bytes.wrap(Aead.cbcEncrypt(mk.cipherKey(), mk.iv(), plaintext.toArray()));
        check(out, name + ": AES-256-CBC ciphertext", () -> eq(exp.hex("ciphertext"), ct));
        if (exp.has("serialized_whisper_message")) {
            check(out, name + ": serialized WhisperMessage with MAC", () -> eq(exp.hex("serialized_whisper_message"),
                    LibsignalWhisperMessage.serialize(LIBSIGNAL_V3_VERSION_BYTE, aliceRatchetPub,
                            alice[0].sendingCounter(), 0, ct, Bytes.of(mk.macKey()), aliceIdPub, bobIdPub)));
        }
        // Bob's side, only where the given key pairs are consistent (else the roles cannot agree).
        if (in.has("bob_identity_private") && in.has("bob_base_private") && in.has("alice_base_public")) {
            Bytes bobIdPriv = in.hex("bob_identity_private");
            Bytes bobBasePriv = in.hex("bob_base_private");
            Bytes aliceBasePub = in.hex("alice_base_public");
            if (matches(bobIdPriv, raw(p, bobIdPub)) && matches(bobBasePriv, raw(p, bobBasePub))
                    && matches(aliceIdPriv, raw(p, aliceIdPub)) && matches(aliceBasePriv, raw(p, aliceBasePub))) {
                check(out, name + ": X3DH root key (Bob)", () -> {
                    byte[] km = X3dh.responderKeyMaterial(bobIdPriv, bobBasePriv, null, raw(p, aliceIdPub),
                            raw(p, aliceBasePub));
                    return eq(exp.hex("bob_root_key"), Bytes.of(KeySchedule.handshake(p, km, false).rootKey()));
                });
            }
        }
    }

    private void chainKey(JsonNode v, List<VectorResult> out) {
        String name = name(v, "chain key");
        KdfProfile p = KdfProfile.LIBSIGNAL_V3;
        Fields in = new Fields(obj(v, "inputs"));
        Fields exp = new Fields(obj(v, "expected"));
        byte[] ck = in.hex("chain_key").toArray();
        KeySchedule.MessageKeys mk = KeySchedule.messageKeys(p, KeySchedule.messageKeySeed(ck));
        check(out, name + ": message cipher key", () -> eq(exp.hex("message_cipher_key"), Bytes.of(mk.cipherKey())));
        check(out, name + ": message MAC key", () -> eq(exp.hex("message_mac_key"), Bytes.of(mk.macKey())));
        check(out, name + ": next chain key", () -> eq(exp.hex("next_chain_key"), Bytes.of(KeySchedule.nextChainKey(ck))));
        JsonNode extra = v.get("helper_computed_not_upstream");
        if (extra != null && extra.isObject()) {
            Fields ex = new Fields(extra);
            if (ex.has("message_iv")) {
                check(out, name + ": message IV", () -> eq(ex.hex("message_iv"), Bytes.of(mk.iv())));
            }
        }
    }

    private void x25519(JsonNode v, List<VectorResult> out) {
        String name = name(v, "x25519");
        KdfProfile p = KdfProfile.LIBSIGNAL_V3;
        Fields in = new Fields(obj(v, "inputs"));
        Fields exp = new Fields(obj(v, "expected"));
        Bytes shared = exp.hex("shared_secret");
        check(out, name + ": alice_private x bob_public", () -> eq(shared,
                Bytes.wrap(Dh.agree(in.hex("alice_private"), raw(p, in.hex("bob_public"))))));
        check(out, name + ": bob_private x alice_public", () -> eq(shared,
                Bytes.wrap(Dh.agree(in.hex("bob_private"), raw(p, in.hex("alice_public"))))));
    }

    // ---- xeddsa ----------------------------------------------------------------------------

    private void xeddsaSign(JsonNode v, List<VectorResult> out) {
        String name = name(v, "xeddsa sign");
        Fields in = new Fields(obj(v, "inputs"));
        Fields exp = new Fields(obj(v, "expected"));
        Bytes k = in.hex("k");
        Bytes msg = in.hex("message");
        Bytes z = in.hex("Z");
        Bytes sig = exp.hex("signature");
        check(out, name + ": signature", () -> eq(sig, XEdDsa.sign(k, msg, z)));
        if (in.has("montgomery_public_u")) {
            Bytes u = in.hex("montgomery_public_u");
            check(out, name + ": public u = X25519(k, 9)", () -> eq(u, X25519KeyPair.fromPrivate(k).publicKey()));
            check(out, name + ": expected signature verifies", () -> XEdDsa.verify(u, msg, sig) ? null
                    : "valid signature rejected");
        }
        JsonNode extra = v.get("helper_computed_not_upstream");
        if (extra != null && extra.isObject()) {
            Fields ex = new Fields(extra);
            if (ex.has("edwards_public_A")) {
                check(out, name + ": Edwards public key A", () -> eq(ex.hex("edwards_public_A"),
                        XEdDsa.edwardsPublicKey(k)));
            }
        }
    }

    private void xeddsaVerify(JsonNode v, List<VectorResult> out) {
        String name = name(v, "xeddsa verify");
        Fields in = new Fields(obj(v, "inputs"));
        JsonNode expNode = obj(v, "expected");
        Fields exp = new Fields(expNode);
        Bytes pub = in.hex("public_key");
        Bytes u = pub.length() == 33 ? pub.slice(1, 33) : pub;
        Bytes msg = in.hex("message");
        Bytes sig = in.hex("signature");
        JsonNode validNode = exp.node("valid");
        if (!validNode.isBoolean()) throw ParleyException.malformed(name + ": expected.valid is not a boolean");
        boolean valid = validNode.booleanValue();
        check(out, name + ": verify = " + valid, () -> XEdDsa.verifyLibsignal(u, msg, sig) == valid ? null
                : "verification gave " + !valid);
        if (in.has("private_key")) {
            check(out, name + ": public key = X25519(private, 9)", () -> eq(u,
                    X25519KeyPair.fromPrivate(in.hex("private_key")).publicKey()));
        }
        if (exp.has("any_single_bit_flip_in_signature")
                && "invalid".equals(exp.node("any_single_bit_flip_in_signature").asText())) {
            check(out, name + ": every single-bit flip of the signature is rejected", () -> {
                byte[] s = sig.toArray();
                for (int i = 0; i < s.length * 8; i++) {
                    s[i / 8] ^= (byte) (1 << (i % 8));
                    boolean ok = XEdDsa.verifyLibsignal(u, msg, Bytes.of(s));
                    s[i / 8] ^= (byte) (1 << (i % 8));
                    if (ok) return "flipping bit " + i + " still verifies";
                }
                return null;
            });
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Runs one check; a returned string is the failure detail, null is a pass. */
    private static void check(List<VectorResult> out, String name, Supplier<String> body) {
        try {
            String detail = body.get();
            out.add(detail == null ? VectorResult.pass(name) : VectorResult.fail(name, detail));
        } catch (ParleyException e) {
            out.add(VectorResult.fail(name, e.kind() + ": " + e.getMessage()));
        } catch (RuntimeException e) {
            out.add(VectorResult.fail(name, "error: " + e.getClass().getSimpleName()));
        }
    }

    /** Compares without printing secret values: only the length and the first differing index. */
    private static String eq(Bytes expected, Bytes actual) {
        if (expected.equals(actual)) return null;
        if (expected.length() != actual.length()) {
            return "length " + actual.length() + " != expected " + expected.length();
        }
        for (int i = 0; i < expected.length(); i++) {
            if (expected.get(i) != actual.get(i)) return "differs from expected at byte " + i;
        }
        return "differs";
    }

    private static boolean matches(Bytes priv, Bytes pub) {
        return X25519KeyPair.fromPrivate(priv).publicKey().equals(pub);
    }

    /** The 32-byte u of a public key given as {@code type byte | u} (33 bytes) or bare (32 bytes). */
    private static Bytes raw(KdfProfile p, Bytes pub) {
        if (pub.length() == 33) {
            if (pub.get(0) != p.keyTypeByte()) {
                throw ParleyException.malformed("public key type byte " + (pub.get(0) & 0xFF) + " is not "
                        + (p.keyTypeByte() & 0xFF));
            }
            return pub.slice(1, 33);
        }
        if (pub.length() == 32) return pub;
        throw ParleyException.malformed("public key of " + pub.length() + " bytes");
    }

    private static String name(JsonNode v, String fallback) {
        JsonNode n = v.get("name");
        return n != null && n.isTextual() ? n.asText() : fallback;
    }

    private static Iterable<JsonNode> array(JsonNode file, String key) {
        JsonNode a = file.get(key);
        if (a == null) return List.of();
        if (!a.isArray()) throw ParleyException.malformed(key + " is not an array");
        return a;
    }

    private static JsonNode obj(JsonNode v, String key) {
        JsonNode o = v.get(key);
        if (o == null || !o.isObject()) throw ParleyException.malformed("vector has no object '" + key + "'");
        return o;
    }

    /** Looks fields up by name, ignoring a trailing " (comment)" in the file's key. */
    private static final class Fields {
        private final JsonNode obj;

        Fields(JsonNode obj) {
            this.obj = obj;
        }

        boolean has(String key) {
            return find(key) != null;
        }

        JsonNode node(String key) {
            JsonNode n = find(key);
            if (n == null) throw ParleyException.malformed("vector field '" + key + "' missing");
            return n;
        }

        Bytes hex(String key) {
            JsonNode n = node(key);
            if (!n.isTextual()) throw ParleyException.malformed("vector field '" + key + "' is not a hex string");
            return Bytes.fromHex(n.asText().trim());
        }

        private JsonNode find(String key) {
            JsonNode exact = obj.get(key);
            if (exact != null) return exact;
            Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().startsWith(key + " (") || e.getKey().startsWith(key + " ")) return e.getValue();
            }
            return null;
        }
    }
}
