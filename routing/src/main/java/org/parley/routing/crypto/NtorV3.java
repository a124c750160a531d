package org.parley.routing.crypto;

import org.bouncycastle.crypto.digests.SHA3Digest;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Tor's ntor v3 circuit handshake (CREATE2 HTYPE 3), as in tor-spec "The ntor-v3 handshake" and
 * proposal 332 §A.1: X25519, SHA3-256, SHAKE-256 and AES-256-CTR, with an encrypted, authenticated
 * client message and server reply. Stateless apart from the {@link Client} object that carries
 * the client's ephemeral secret between the two phases.
 */
public final class NtorV3 {
    /** HTYPE in CREATE2/EXTEND2. */
    public static final int HTYPE = 3;
    /** The verification string Tor (and Parley) use for circuit extension. */
    public static final Bytes CIRCUIT_EXTEND = Bytes.wrap(Bufs.ascii("circuit extend"));
    public static final int ID_LEN = 32;
    public static final int CLIENT_OVERHEAD = 128;
    public static final int SERVER_OVERHEAD = 64;

    private static final byte[] PROTOID = Bufs.ascii("ntor3-curve25519-sha3_256-1");
    private static final byte[] T_MSGKDF = Bufs.ascii("ntor3-curve25519-sha3_256-1:kdf_phase1");
    private static final byte[] T_MSGMAC = Bufs.ascii("ntor3-curve25519-sha3_256-1:msg_mac");
    private static final byte[] T_KEY_SEED = Bufs.ascii("ntor3-curve25519-sha3_256-1:key_seed");
    private static final byte[] T_VERIFY = Bufs.ascii("ntor3-curve25519-sha3_256-1:verify");
    private static final byte[] T_FINAL = Bufs.ascii("ntor3-curve25519-sha3_256-1:kdf_final");
    private static final byte[] T_AUTH = Bufs.ascii("ntor3-curve25519-sha3_256-1:auth_final");
    private static final byte[] SERVER = Bufs.ascii("Server");

    private NtorV3() {
    }

    /** What a client knows of the relay it wants to reach: identity {@code ID} and onion key {@code B}. */
    public record RelayKeys(Bytes id, Bytes onionKey) {
        public RelayKeys {
            if (id.length() != ID_LEN || onionKey.length() != X25519Ops.KEY_LEN) {
                throw ParleyException.malformed("ntor v3 relay keys need a 32-byte ID and a 32-byte onion key");
            }
        }
    }

    /** The relay's outcome: the decrypted client message, the reply to send, and the circuit key stream. */
    public record ServerResult(Bytes clientMessage, Bytes reply, Bytes keys) {
    }

    /** The client's outcome: the decrypted server message and the circuit key stream. */
    public record ClientResult(Bytes serverMessage, Bytes keys) {
    }

    /** Phase 1 for a client, with a fresh ephemeral key. */
    public static Client clientStart(RelayKeys relay, Bytes clientMessage, Bytes ver, SecureRandom random) {
        return clientStart(relay, clientMessage, ver, X25519Ops.generatePrivate(random), HandshakeTrace.NONE);
    }

    /** Phase 1 for a client with a given ephemeral secret {@code x} (vectors, tests). */
    public static Client clientStart(RelayKeys relay, Bytes clientMessage, Bytes ver, byte[] x, HandshakeTrace trace) {
        byte[] id = relay.id().toArray();
        byte[] b = relay.onionKey().toArray();
        byte[] xPub = X25519Ops.publicKey(x);
        byte[] bx = X25519Ops.exp(b, x);
        byte[] verB = ver.toArray();
        byte[] phase1 = new Bufs().put(bx).put(id).put(xPub).put(b).put(PROTOID).encap(verB).bytes();
        byte[] k1 = kdf(phase1, T_MSGKDF, 64);
        byte[] encK1 = Arrays.copyOfRange(k1, 0, 32);
        byte[] macK1 = Arrays.copyOfRange(k1, 32, 64);
        byte[] encMsg = aes256ctr(encK1, clientMessage.toArray());
        byte[] msgMac = mac(macK1, new Bufs().put(id).put(b).put(xPub).put(encMsg).bytes(), T_MSGMAC);
        trace.record("ENC_K1", Bytes.wrap(encK1));
        trace.record("MAC_K1", Bytes.wrap(macK1));
        trace.record("msg_mac", Bytes.wrap(msgMac));
        byte[] message = new Bufs().put(id).put(b).put(xPub).put(encMsg).put(msgMac).bytes();
        return new Client(x.clone(), xPub, b, id, bx, msgMac, verB, Bytes.wrap(message), trace);
    }

    /**
     * The relay side. {@code onionKeys} are the relay's current and recent onion keys; the one
     * the client named is used. {@code replyFor} maps the decrypted client message to the reply.
     *
     * @throws ParleyException PROTOCOL_VIOLATION (one message for every reason) or MALFORMED_INPUT
     */
    public static ServerResult serverRespond(Bytes relayId, List<OnionKeyPair> onionKeys, Bytes clientHandshake,
                                             Bytes ver, UnaryOperator<Bytes> replyFor, int keyLen,
                                             SecureRandom random) {
        return serverRespond(relayId, onionKeys, clientHandshake, ver, replyFor, keyLen,
                X25519Ops.generatePrivate(random), HandshakeTrace.NONE);
    }

    public static ServerResult serverRespond(Bytes relayId, List<OnionKeyPair> onionKeys, Bytes clientHandshake,
                                             Bytes ver, UnaryOperator<Bytes> replyFor, int keyLen,
                                             byte[] y, HandshakeTrace trace) {
        byte[] msg = clientHandshake.toArray();
        if (msg.length < CLIENT_OVERHEAD) {
            throw ParleyException.malformed("ntor v3 client handshake too short: " + msg.length);
        }
        byte[] id = Arrays.copyOfRange(msg, 0, 32);
        byte[] b = Arrays.copyOfRange(msg, 32, 64);
        byte[] xPub = Arrays.copyOfRange(msg, 64, 96);
        byte[] encMsg = Arrays.copyOfRange(msg, 96, msg.length - 32);
        byte[] clientMac = Arrays.copyOfRange(msg, msg.length - 32, msg.length);

        boolean ok = MessageDigest.isEqual(id, relayId.toArray());
        OnionKeyPair key = null;
        for (OnionKeyPair k : onionKeys) {
            if (MessageDigest.isEqual(k.publicKey().toArray(), b)) key = k;
        }
        if (key == null) {
            throw ParleyException.protocol("ntor v3 handshake rejected");
        }
        byte[] verB = ver.toArray();
        byte[] xb = key.exp(xPub);
        ok &= !X25519Ops.isZero(xb);
        byte[] phase1 = new Bufs().put(xb).put(id).put(xPub).put(b).put(PROTOID).encap(verB).bytes();
        byte[] k1 = kdf(phase1, T_MSGKDF, 64);
        byte[] encK1 = Arrays.copyOfRange(k1, 0, 32);
        byte[] macK1 = Arrays.copyOfRange(k1, 32, 64);
        byte[] expected = mac(macK1, new Bufs().put(id).put(b).put(xPub).put(encMsg).bytes(), T_MSGMAC);
        ok &= MessageDigest.isEqual(expected, clientMac);
        if (!ok) {
            throw ParleyException.protocol("ntor v3 handshake rejected");
        }
        Bytes cm = Bytes.wrap(aes256ctr(encK1, encMsg));
        Bytes sm = replyFor.apply(cm);

        byte[] yPub = X25519Ops.publicKey(y);
        byte[] xy = X25519Ops.exp(xPub, y);
        if (X25519Ops.isZero(xy)) {
            throw ParleyException.protocol("ntor v3 handshake rejected");
        }
        byte[] secretInput = new Bufs().put(xy).put(xb).put(id).put(b).put(xPub).put(yPub).put(PROTOID)
                .encap(verB).bytes();
        byte[] keySeed = h(secretInput, T_KEY_SEED);
        byte[] verify = h(secretInput, T_VERIFY);
        byte[] raw = kdf(keySeed, T_FINAL, 32 + keyLen);
        byte[] encKey = Arrays.copyOfRange(raw, 0, 32);
        byte[] encSm = aes256ctr(encKey, sm.toArray());
        byte[] authInput = new Bufs().put(verify).put(id).put(b).put(yPub).put(xPub).put(clientMac).encap(encSm)
                .put(PROTOID).put(SERVER).bytes();
        byte[] auth = h(authInput, T_AUTH);
        trace.record("key_seed", Bytes.wrap(keySeed));
        trace.record("verify", Bytes.wrap(verify));
        trace.record("ENC_KEY_server", Bytes.wrap(encKey));
        trace.record("AUTH", Bytes.wrap(auth));
        byte[] reply = new Bufs().put(yPub).put(auth).put(encSm).bytes();
        return new ServerResult(cm, Bytes.wrap(reply), Bytes.wrap(Arrays.copyOfRange(raw, 32, raw.length)));
    }

    /** A client between its two phases. Holds the ephemeral secret; use once. */
    public static final class Client {
        private final byte[] x;
        private final byte[] xPub;
        private final byte[] b;
        private final byte[] id;
        private final byte[] bx;
        private final byte[] msgMac;
        private final byte[] ver;
        private final Bytes message;
        private final HandshakeTrace trace;
        private boolean used;

        private Client(byte[] x, byte[] xPub, byte[] b, byte[] id, byte[] bx, byte[] msgMac, byte[] ver,
                       Bytes message, HandshakeTrace trace) {
            this.x = x;
            this.xPub = xPub;
            this.b = b;
            this.id = id;
            this.bx = bx;
            this.msgMac = msgMac;
            this.ver = ver;
            this.message = message;
            this.trace = trace;
        }

        /** The handshake data for CREATE2/EXTEND2: ID | B | X | encrypted CM | MAC. */
        public Bytes message() {
            return message;
        }

        /**
         * Phase 2: checks the relay's reply and derives {@code keyLen} bytes of key stream.
         *
         * @throws ParleyException PROTOCOL_VIOLATION if the reply does not authenticate
         */
        public ClientResult finish(Bytes serverHandshake, int keyLen) {
            if (used) {
                throw ParleyException.protocol("ntor v3 client state already used");
            }
            used = true;
            byte[] msg = serverHandshake.toArray();
            if (msg.length < SERVER_OVERHEAD) {
                throw ParleyException.malformed("ntor v3 server handshake too short: " + msg.length);
            }
            byte[] yPub = Arrays.copyOfRange(msg, 0, 32);
            byte[] auth = Arrays.copyOfRange(msg, 32, 64);
            byte[] encSm = Arrays.copyOfRange(msg, 64, msg.length);
            byte[] yx = X25519Ops.exp(yPub, x);
            Arrays.fill(x, (byte) 0);
            byte[] secretInput = new Bufs().put(yx).put(bx).put(id).put(b).put(xPub).put(yPub).put(PROTOID)
                    .encap(ver).bytes();
            byte[] keySeed = h(secretInput, T_KEY_SEED);
            byte[] verify = h(secretInput, T_VERIFY);
            byte[] authInput = new Bufs().put(verify).put(id).put(b).put(yPub).put(xPub).put(msgMac).encap(encSm)
                    .put(PROTOID).put(SERVER).bytes();
            byte[] expected = h(authInput, T_AUTH);
            boolean ok = MessageDigest.isEqual(expected, auth);
            ok &= !X25519Ops.isZero(yx);
            ok &= !X25519Ops.isZero(bx);
            if (!ok) {
                throw ParleyException.protocol("ntor v3 server handshake does not authenticate");
            }
            byte[] raw = kdf(keySeed, T_FINAL, 32 + keyLen);
            byte[] encKey = Arrays.copyOfRange(raw, 0, 32);
            trace.record("key_seed", Bytes.wrap(keySeed));
            trace.record("verify", Bytes.wrap(verify));
            trace.record("ENC_KEY_client", Bytes.wrap(encKey));
            Bytes sm = Bytes.wrap(aes256ctr(encKey, encSm));
            return new ClientResult(sm, Bytes.wrap(Arrays.copyOfRange(raw, 32, raw.length)));
        }
    }

    // --- primitives -------------------------------------------------------------------------

    static byte[] h(byte[] s, byte[] tweak) {
        SHA3Digest d = new SHA3Digest(256);
        byte[] in = new Bufs().encap(tweak).put(s).bytes();
        d.update(in, 0, in.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    static byte[] mac(byte[] key, byte[] m, byte[] tweak) {
        return h(new Bufs().encap(key).put(m).bytes(), tweak);
    }

    static byte[] kdf(byte[] s, byte[] tweak, int len) {
        SHAKEDigest d = new SHAKEDigest(256);
        byte[] in = new Bufs().encap(tweak).put(s).bytes();
        d.update(in, 0, in.length);
        byte[] out = new byte[len];
        d.doFinal(out, 0, len);
        return out;
    }

    static byte[] aes256ctr(byte[] key, byte[] data) {
        if (data.length == 0) return new byte[0];
        try {
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "AES-CTR unavailable", e);
        }
    }
}
