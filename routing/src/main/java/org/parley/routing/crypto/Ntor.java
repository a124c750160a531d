package org.parley.routing.crypto;

import org.parley.core.crypto.Hkdf;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * Tor's original ntor handshake (CREATE2 HTYPE 2, "ntor-curve25519-sha256-1", tor-spec "The ntor
 * handshake", proposal 216) with the KDF-RFC5869 key expansion. Parley builds circuits with
 * {@link NtorV3}; this class exists for conformance and interoperability. The identity {@code ID}
 * is whatever length the caller uses (Tor: the 20-byte RSA identity digest).
 */
public final class Ntor {
    public static final int HTYPE = 2;
    private static final byte[] PROTOID = Bufs.ascii("ntor-curve25519-sha256-1");
    private static final byte[] T_MAC = Bufs.ascii("ntor-curve25519-sha256-1:mac");
    private static final byte[] T_KEY = Bufs.ascii("ntor-curve25519-sha256-1:key_extract");
    private static final byte[] T_VERIFY = Bufs.ascii("ntor-curve25519-sha256-1:verify");
    private static final byte[] M_EXPAND = Bufs.ascii("ntor-curve25519-sha256-1:key_expand");
    private static final byte[] SERVER = Bufs.ascii("Server");

    private Ntor() {
    }

    public record ServerResult(Bytes reply, Bytes keys) {
    }

    /** KDF-RFC5869 as ntor uses it: HKDF-SHA256(IKM, salt = t_key, info = m_expand). */
    public static Bytes kdf(Bytes ikm, int len) {
        return Bytes.wrap(Hkdf.derive(T_KEY, ikm.toArray(), M_EXPAND, len));
    }

    public static Client clientStart(Bytes id, Bytes onionKey, SecureRandom random) {
        return clientStart(id, onionKey, X25519Ops.generatePrivate(random));
    }

    public static Client clientStart(Bytes id, Bytes onionKey, byte[] x) {
        byte[] xPub = X25519Ops.publicKey(x);
        byte[] b = onionKey.toArray();
        if (b.length != X25519Ops.KEY_LEN) {
            throw ParleyException.malformed("ntor onion key must be 32 bytes");
        }
        Bytes message = Bytes.wrap(new Bufs().put(id.toArray()).put(b).put(xPub).bytes());
        return new Client(id.toArray(), b, x.clone(), xPub, message);
    }

    /** The relay side for a handshake of {@code idLen + 64} bytes. */
    public static ServerResult serverRespond(Bytes relayId, List<OnionKeyPair> onionKeys, Bytes clientHandshake,
                                             int keyLen, byte[] y) {
        byte[] msg = clientHandshake.toArray();
        int idLen = relayId.length();
        if (msg.length != idLen + 64) {
            throw ParleyException.malformed("ntor client handshake must be " + (idLen + 64) + " bytes, got " + msg.length);
        }
        byte[] id = Arrays.copyOfRange(msg, 0, idLen);
        byte[] b = Arrays.copyOfRange(msg, idLen, idLen + 32);
        byte[] xPub = Arrays.copyOfRange(msg, idLen + 32, idLen + 64);
        OnionKeyPair key = null;
        for (OnionKeyPair k : onionKeys) {
            if (MessageDigest.isEqual(k.publicKey().toArray(), b)) key = k;
        }
        if (key == null || !MessageDigest.isEqual(id, relayId.toArray())) {
            throw ParleyException.protocol("ntor handshake rejected");
        }
        byte[] yPub = X25519Ops.publicKey(y);
        byte[] xy = X25519Ops.exp(xPub, y);
        byte[] xb = key.exp(xPub);
        if (X25519Ops.isZero(xy) | X25519Ops.isZero(xb)) {
            throw ParleyException.protocol("ntor handshake rejected");
        }
        byte[] secretInput = new Bufs().put(xy).put(xb).put(id).put(b).put(xPub).put(yPub).put(PROTOID).bytes();
        byte[] auth = auth(secretInput, id, b, xPub, yPub);
        byte[] keys = Hkdf.derive(T_KEY, secretInput, M_EXPAND, keyLen);
        return new ServerResult(Bytes.wrap(new Bufs().put(yPub).put(auth).bytes()), Bytes.wrap(keys));
    }

    private static byte[] auth(byte[] secretInput, byte[] id, byte[] b, byte[] xPub, byte[] yPub) {
        byte[] verify = Hkdf.hmac(T_VERIFY, secretInput);
        byte[] authInput = new Bufs().put(verify).put(id).put(b).put(yPub).put(xPub).put(PROTOID).put(SERVER).bytes();
        return Hkdf.hmac(T_MAC, authInput);
    }

    public static final class Client {
        private final byte[] id;
        private final byte[] b;
        private final byte[] x;
        private final byte[] xPub;
        private final Bytes message;

        private Client(byte[] id, byte[] b, byte[] x, byte[] xPub, Bytes message) {
            this.id = id;
            this.b = b;
            this.x = x;
            this.xPub = xPub;
            this.message = message;
        }

        public Bytes message() {
            return message;
        }

        public Bytes finish(Bytes serverHandshake, int keyLen) {
            byte[] msg = serverHandshake.toArray();
            if (msg.length != 64) {
                throw ParleyException.malformed("ntor server handshake must be 64 bytes, got " + msg.length);
            }
            byte[] yPub = Arrays.copyOfRange(msg, 0, 32);
            byte[] auth = Arrays.copyOfRange(msg, 32, 64);
            byte[] yx = X25519Ops.exp(yPub, x);
            byte[] bx = X25519Ops.exp(b, x);
            byte[] secretInput = new Bufs().put(yx).put(bx).put(id).put(b).put(xPub).put(yPub).put(PROTOID).bytes();
            boolean ok = MessageDigest.isEqual(auth(secretInput, id, b, xPub, yPub), auth);
            ok &= !X25519Ops.isZero(yx);
            ok &= !X25519Ops.isZero(bx);
            if (!ok) {
                throw ParleyException.protocol("ntor server handshake does not authenticate");
            }
            return Bytes.wrap(Hkdf.derive(T_KEY, secretInput, M_EXPAND, keyLen));
        }
    }
}
