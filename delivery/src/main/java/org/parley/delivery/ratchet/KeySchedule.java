package org.parley.delivery.ratchet;

import org.parley.core.crypto.Hkdf;

import java.util.Arrays;

/**
 * The KDFs of X3DH/PQXDH and the Double Ratchet (spec §5.2 structure), parameterised by a
 * {@link KdfProfile}. Stateless; every method returns fresh arrays.
 */
public final class KeySchedule {
    public static final int KEY = 32;
    private static final byte MESSAGE_KEY_SEED = 0x01;
    private static final byte CHAIN_KEY_SEED = 0x02;

    private KeySchedule() {
    }

    /**
     * The handshake KDF: HKDF(salt = zeros, IKM = prefix || km, info) → root key || chain key
     * (|| header keys hkA, nhkB, hkB when header encryption is on).
     */
    public static HandshakeSecrets handshake(KdfProfile p, byte[] keyMaterial, boolean headerKeys) {
        byte[] prefix = p.x3dhPrefix().toArray();
        byte[] ikm = Arrays.copyOf(prefix, prefix.length + keyMaterial.length);
        System.arraycopy(keyMaterial, 0, ikm, prefix.length, keyMaterial.length);
        byte[] out = Hkdf.derive(null, ikm, p.x3dhInfo().toArray(), headerKeys ? 5 * KEY : 2 * KEY);
        Arrays.fill(ikm, (byte) 0);
        return new HandshakeSecrets(slice(out, 0), slice(out, 1),
                headerKeys ? slice(out, 2) : null, headerKeys ? slice(out, 3) : null, headerKeys ? slice(out, 4) : null);
    }

    /** KDF_RK (or KDF_RK_HE): HKDF(salt = rk, IKM = dh, info) → rk' || ck (|| nhk). */
    public static byte[][] rootStep(KdfProfile p, byte[] rootKey, byte[] dhOut, boolean headerKey) {
        byte[] out = Hkdf.derive(rootKey, dhOut, p.ratchetInfo().toArray(), headerKey ? 3 * KEY : 2 * KEY);
        return headerKey ? new byte[][]{slice(out, 0), slice(out, 1), slice(out, 2)}
                : new byte[][]{slice(out, 0), slice(out, 1)};
    }

    /** KDF_CK, the next chain key: HMAC(ck, 0x02). */
    public static byte[] nextChainKey(byte[] chainKey) {
        return Hkdf.hmac(chainKey, CHAIN_KEY_SEED);
    }

    /** KDF_CK, the message-key seed: HMAC(ck, 0x01). */
    public static byte[] messageKeySeed(byte[] chainKey) {
        return Hkdf.hmac(chainKey, MESSAGE_KEY_SEED);
    }

    /**
     * Message keys: HKDF(salt = zeros, IKM = seed, info). For AES-CBC+HMAC (libsignal) 80 bytes →
     * cipher key | MAC key | IV; for AES-GCM 44 bytes → cipher key | 12-byte nonce (MAC key empty),
     * which saves one HMAC block per message.
     */
    public static MessageKeys messageKeys(KdfProfile p, byte[] seed) {
        if (p.cipher() == MessageCipher.AES_256_GCM) {
            byte[] out = Hkdf.derive(null, seed, p.messageKeysInfo().toArray(), 44);
            return new MessageKeys(Arrays.copyOfRange(out, 0, 32), new byte[0], Arrays.copyOfRange(out, 32, 44));
        }
        byte[] out = Hkdf.derive(null, seed, p.messageKeysInfo().toArray(), 80);
        return new MessageKeys(Arrays.copyOfRange(out, 0, 32), Arrays.copyOfRange(out, 32, 64),
                Arrays.copyOfRange(out, 64, 80));
    }

    private static byte[] slice(byte[] b, int i) {
        return Arrays.copyOfRange(b, i * KEY, (i + 1) * KEY);
    }

    /**
     * What a handshake yields; header keys are null without header encryption. A working value
     * (a class, not a record: it holds mutable secret arrays and is never a message).
     */
    public static final class HandshakeSecrets {
        private final byte[] rootKey, chainKey, headerKeyA, nextHeaderKeyB, headerKeyB;

        HandshakeSecrets(byte[] rootKey, byte[] chainKey, byte[] headerKeyA, byte[] nextHeaderKeyB, byte[] headerKeyB) {
            this.rootKey = rootKey;
            this.chainKey = chainKey;
            this.headerKeyA = headerKeyA;
            this.nextHeaderKeyB = nextHeaderKeyB;
            this.headerKeyB = headerKeyB;
        }

        public byte[] rootKey() { return rootKey; }
        public byte[] chainKey() { return chainKey; }
        public byte[] headerKeyA() { return headerKeyA; }
        public byte[] nextHeaderKeyB() { return nextHeaderKeyB; }
        public byte[] headerKeyB() { return headerKeyB; }
    }

    /** The three keys of one message. A working value, never persisted. */
    public static final class MessageKeys {
        private final byte[] cipherKey, macKey, iv;

        MessageKeys(byte[] cipherKey, byte[] macKey, byte[] iv) {
            this.cipherKey = cipherKey;
            this.macKey = macKey;
            this.iv = iv;
        }

        public byte[] cipherKey() { return cipherKey; }
        public byte[] macKey() { return macKey; }
        public byte[] iv() { return iv; }
    }
}
