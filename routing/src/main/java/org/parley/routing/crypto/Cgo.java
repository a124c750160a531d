package org.parley.routing.crypto;

import org.parley.core.ParleyException;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Counter Galois Onion relay crypto (torspec proposal 359) with AES-128: the tweakable block
 * cipher ET (LRW2 over POLYVAL), the counter-mode PRF, the UIV+ wide-block cipher with key update,
 * and the per-direction state (K = J‖S, nonce N, tag T') with its four roles. A 509-byte relay
 * body is {@code T (16) ‖ C (493)}. Client operations use UIV+ decryption, relay operations
 * encryption. Written from the proposal; checked against the CGO vectors.
 */
public final class Cgo {
    public static final int BLOCK = 16;
    public static final int TAG_LEN = 16;
    public static final int BODY_LEN = 509;
    public static final int PAYLOAD_LEN = BODY_LEN - TAG_LEN;
    /** ET and PRF keys: a 16-byte AES key and a 16-byte POLYVAL key. */
    public static final int HALF_KEY_LEN = 32;
    /** UIV+ keys K = J ‖ S. */
    public static final int UIV_KEY_LEN = 2 * HALF_KEY_LEN;
    /** One direction's seed: K ‖ N. */
    public static final int STATE_SEED_LEN = UIV_KEY_LEN + BLOCK;
    private static final int N1_OFFSET_BLOCKS = 31;

    private Cgo() {
    }

    /** A keyed AES-128 block cipher (ECB, one key schedule per key); null until first used. */
    private static Cipher aes(Cipher c, int mode, SecretKeySpec key) {
        try {
            Cipher out = c != null ? c : Cipher.getInstance("AES/ECB/NoPadding");
            out.init(mode, key);
            return out;
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "AES unavailable", e);
        }
    }

    /**
     * ET: {@code ENC((KB,KU), T, M) = UH(KU,T) ^ AES(KB, M ^ UH(KU,T))}, tweak = tag ‖ cmd ‖ X_R.
     * Each direction of the AES key is scheduled only when first used after a (re)key: relays only
     * encrypt, clients only decrypt, so a key update costs one key schedule, not two.
     */
    public static final class Et {
        private Cipher enc;
        private Cipher dec;
        private boolean encKeyed;
        private boolean decKeyed;
        private SecretKeySpec kb;
        private Polyval ku;
        private final byte[] second = new byte[BLOCK];
        private final byte[] t = new byte[BLOCK];

        public Et(byte[] seed, int off) {
            rekey(seed, off);
        }

        /** New keys in the same cipher objects (CGO updates keys after every cell an endpoint handles). */
        void rekey(byte[] seed, int off) {
            kb = new SecretKeySpec(seed, off, 16, "AES");
            encKeyed = false;
            decKeyed = false;
            ku = new Polyval(seed, off + 16);
        }

        private Cipher cipher(boolean encrypt) {
            if (encrypt) {
                if (!encKeyed) {
                    enc = aes(enc, Cipher.ENCRYPT_MODE, kb);
                    encKeyed = true;
                }
                return enc;
            }
            if (!decKeyed) {
                dec = aes(dec, Cipher.DECRYPT_MODE, kb);
                decKeyed = true;
            }
            return dec;
        }

        private void tweakHash(byte[] tag, int tagOff, int cmd, byte[] right, int rightOff, int rightLen) {
            Polyval h = ku;
            h.reset();
            h.update(tag, tagOff, BLOCK);
            Arrays.fill(second, (byte) 0);
            second[0] = (byte) cmd;
            int first = Math.min(15, rightLen);
            System.arraycopy(right, rightOff, second, 1, first);
            h.update(second, 0, BLOCK);
            if (rightLen > 15) h.update(right, rightOff + 15, rightLen - 15);
            h.digestInto(t, 0);
        }

        /** Encrypts (or decrypts) the block at {@code block[blockOff..+16]} in place. */
        public void apply(boolean encrypt, byte[] tag, int tagOff, int cmd, byte[] right, int rightOff, int rightLen,
                          byte[] block, int blockOff) {
            tweakHash(tag, tagOff, cmd, right, rightOff, rightLen);
            for (int i = 0; i < BLOCK; i++) block[blockOff + i] ^= t[i];
            try {
                cipher(encrypt).doFinal(block, blockOff, BLOCK, block, blockOff);
            } catch (GeneralSecurityException e) {
                throw new ParleyException(ParleyException.Kind.INTERNAL, "AES block failed", e);
            }
            for (int i = 0; i < BLOCK; i++) block[blockOff + i] ^= t[i];
        }
    }

    /**
     * PRF((K,B), T, t) = AES-CTR(K, IV = UH(B,T) with its low six bits cleared) from block 0
     * (t=0) or block 31 (t=1). JDK AES/CTR, re-initialised per stream: its multi-block intrinsic
     * measured faster here than counter blocks through a keyed AES-ECB cipher, key schedule included.
     */
    public static final class Prf {
        private SecretKeySpec k;
        private Polyval b;
        private Cipher ctrCipher;
        private final byte[] ctr = new byte[BLOCK];

        public Prf(byte[] seed, int off) {
            rekey(seed, off);
        }

        void rekey(byte[] seed, int off) {
            k = new SecretKeySpec(seed, off, 16, "AES");
            b = new Polyval(seed, off + 16);
        }

        /** XORs the t=0 stream for {@code tweak} into {@code data[off..off+len]}. */
        public void xorN0(byte[] tweak, int tweakOff, byte[] data, int off, int len) {
            stream(tweak, tweakOff, 0, data, off, len);
        }

        /** {@code n} bytes of the t=1 stream for {@code tweak}. */
        public byte[] n1(byte[] tweak, int tweakOff, int n) {
            byte[] out = new byte[n];
            stream(tweak, tweakOff, N1_OFFSET_BLOCKS, out, 0, n);
            return out;
        }

        private void stream(byte[] tweak, int tweakOff, int startBlock, byte[] data, int off, int len) {
            Polyval h = b;
            h.reset();
            h.update(tweak, tweakOff, BLOCK);
            h.digestInto(ctr, 0);
            ctr[BLOCK - 1] &= (byte) 0xC0; // the low six bits are the block counter's room
            addBigEndian(ctr, startBlock);
            try {
                if (ctrCipher == null) ctrCipher = Cipher.getInstance("AES/CTR/NoPadding");
                ctrCipher.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(ctr));
                ctrCipher.doFinal(data, off, len, data, off); // in place: data ^= key stream
            } catch (GeneralSecurityException e) {
                throw new ParleyException(ParleyException.Kind.INTERNAL, "AES-CTR failed", e);
            }
        }

        private static void addBigEndian(byte[] block, int add) {
            int carry = add;
            for (int i = BLOCK - 1; i >= 0 && carry != 0; i--) {
                int v = (block[i] & 0xff) + carry;
                block[i] = (byte) v;
                carry = v >>> 8;
            }
        }
    }

    /** UIV+ with keys K = J (ET) ‖ S (PRF). */
    public static final class Uiv {
        private Et j;
        private Prf s;
        private byte[] keys;

        public Uiv(byte[] keys) {
            if (keys.length != UIV_KEY_LEN) throw new ParleyException(ParleyException.Kind.INTERNAL, "UIV+ keys are 64 bytes");
            rekey(keys);
        }

        private void rekey(byte[] k) {
            keys = k.clone();
            if (j == null) {
                j = new Et(k, 0);
                s = new Prf(k, HALF_KEY_LEN);
            } else {
                j.rekey(k, 0);
                s.rekey(k, HALF_KEY_LEN);
            }
        }

        /** {@code Y_L = ET_J(H ‖ X_R, X_L); Y_R = X_R ^ PRF_S(Y_L, 0)} on a 509-byte body. */
        public void encrypt(byte[] tag, int cmd, byte[] body) {
            j.apply(true, tag, 0, cmd, body, TAG_LEN, PAYLOAD_LEN, body, 0);
            s.xorN0(body, 0, body, TAG_LEN, PAYLOAD_LEN);
        }

        public void decrypt(byte[] tag, int cmd, byte[] body) {
            s.xorN0(body, 0, body, TAG_LEN, PAYLOAD_LEN);
            j.apply(false, tag, 0, cmd, body, TAG_LEN, PAYLOAD_LEN, body, 0);
        }

        /** {@code (K', N') = PRF_S(N, 1)}: replaces the keys, writes N' into {@code nonce}. */
        public void update(byte[] nonce) {
            byte[] seed = s.n1(nonce, 0, UIV_KEY_LEN + BLOCK);
            rekey(Arrays.copyOfRange(seed, 0, UIV_KEY_LEN));
            System.arraycopy(seed, UIV_KEY_LEN, nonce, 0, BLOCK);
        }

        /** The current K (for conformance checks only; secret). */
        public byte[] keys() {
            return keys.clone();
        }
    }

    /**
     * One direction of one hop: UIV+ keys, nonce N and last tag T'. The four role methods are the
     * operations of proposal 359; {@code cmd} is the cell command (RELAY or RELAY_EARLY) as AD.
     */
    public static final class State {
        private final Uiv uiv;
        private final byte[] nonce;
        private final byte[] tag = new byte[TAG_LEN];
        private final byte[] scratch = new byte[TAG_LEN];

        /** From a {@link #STATE_SEED_LEN}-byte seed K ‖ N; T' starts at zero. */
        public State(byte[] seed, int off) {
            uiv = new Uiv(Arrays.copyOfRange(seed, off, off + UIV_KEY_LEN));
            nonce = Arrays.copyOfRange(seed, off + UIV_KEY_LEN, off + STATE_SEED_LEN);
        }

        public void setTag(byte[] t) {
            System.arraycopy(t, 0, tag, 0, TAG_LEN);
        }

        public byte[] tag() {
            return tag.clone();
        }

        public byte[] nonce() {
            return nonce.clone();
        }

        public byte[] keys() {
            return uiv.keys();
        }

        // --- client, outbound ---

        /** Client originating a cell for this hop: T := N, then this layer, then key update. */
        public void clientOriginate(int cmd, byte[] body) {
            System.arraycopy(nonce, 0, body, 0, TAG_LEN);
            clientEncryptOutbound(cmd, body);
            uiv.update(nonce);
        }

        /** Client adding this (earlier) hop's layer to an outbound cell. */
        public void clientEncryptOutbound(int cmd, byte[] body) {
            System.arraycopy(body, 0, scratch, 0, TAG_LEN); // T of the cell as it arrived
            uiv.decrypt(tag, cmd, body);
            setTag(scratch);
        }

        // --- client, inbound ---

        /** Client removing this hop's layer from an inbound cell; true if this hop originated it. */
        public boolean clientDecryptInbound(int cmd, byte[] body) {
            byte[] tOrig = Arrays.copyOfRange(body, 0, TAG_LEN);
            uiv.decrypt(tag, cmd, body);
            setTag(tOrig);
            if (MessageDigest.isEqual(Arrays.copyOfRange(body, 0, TAG_LEN), nonce)) {
                uiv.update(tOrig);
                System.arraycopy(tOrig, 0, nonce, 0, BLOCK);
                return true;
            }
            return false;
        }

        // --- relay, outbound ---

        /** Relay removing its layer from an outbound cell; true if the cell is for this relay. */
        public boolean relayDecryptOutbound(int cmd, byte[] body) {
            uiv.encrypt(tag, cmd, body);
            System.arraycopy(body, 0, tag, 0, TAG_LEN);
            if (MessageDigest.isEqual(tag, nonce)) {
                uiv.update(nonce);
                return true;
            }
            return false;
        }

        // --- relay, inbound ---

        /** Relay originating an inbound cell: T := N, its layer, then N := T and key update. */
        public void relayOriginate(int cmd, byte[] body) {
            System.arraycopy(nonce, 0, body, 0, TAG_LEN);
            relayEncryptInbound(cmd, body);
            System.arraycopy(body, 0, nonce, 0, TAG_LEN);
            uiv.update(nonce);
        }

        /** Relay adding its layer to an inbound cell from further out. */
        public void relayEncryptInbound(int cmd, byte[] body) {
            uiv.encrypt(tag, cmd, body);
            System.arraycopy(body, 0, tag, 0, TAG_LEN);
        }
    }
}
