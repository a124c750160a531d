package org.parley.delivery.ratchet;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.Aead;
import org.parley.delivery.crypto.Dh;
import org.parley.delivery.crypto.X25519KeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Encrypts and decrypts with the Double Ratchet (signal.org Double Ratchet spec §3, and §4 when
 * {@link RatchetParams#headerEncryption()}). Stateless apart from its random source; the
 * session lives in {@link SessionState}.
 *
 * <p>Ratchet message layout (all integers big-endian):
 * <pre>
 *  plain header:     0x01 | DHs (32) | PN (u32) | N (u32) | body
 *  encrypted header: 0x02 | nonce (12) | AES-256-GCM(HK, nonce, AD, DHs|PN|N) (56) | body
 *  body = AEAD(message key, AD | all bytes before the body, plaintext)
 * </pre>
 * A message that fails to authenticate, is a replay, or would skip more than
 * {@link RatchetParams#maxSkip()} keys throws {@link ParleyException} and leaves the state as it was.
 */
public final class SessionCipher {
    public static final int VERSION_PLAIN_HEADER = 0x01;
    public static final int VERSION_ENCRYPTED_HEADER = 0x02;
    static final int HEADER_LEN = 32 + 4 + 4;
    static final int ENC_HEADER_LEN = Aead.GCM_NONCE + HEADER_LEN + Aead.GCM_TAG;

    private final SecureRandom random;

    public SessionCipher(SecureRandom random) {
        this.random = random;
    }

    /**
     * Encrypts one plaintext and advances the sending chain. Returns the full session message
     * (with the pending handshake in front while the peer has not answered yet).
     */
    public Bytes encrypt(SessionState state, byte[] plaintext) {
        Bytes ratchet = encryptRatchet(state, plaintext);
        return SessionMessageCodec.encode(state.hasPendingPreKey()
                ? new SessionMessage.PreKey(state.pendingPreKey(), ratchet)
                : new SessionMessage.Ratchet(ratchet));
    }

    /**
     * Decrypts a session message of an existing session (a PreKey message whose handshake this
     * session already answered is accepted; its handshake part is ignored).
     */
    public byte[] decrypt(SessionState state, Bytes message) {
        SessionMessage m = SessionMessageCodec.decode(message);
        Bytes ratchet = m instanceof SessionMessage.PreKey p ? p.ratchetMessage()
                : ((SessionMessage.Ratchet) m).ratchetMessage();
        return decryptRatchet(state, ratchet);
    }

    /** Encrypts into a bare ratchet message (no session-message framing). */
    public Bytes encryptRatchet(SessionState s, byte[] plaintext) {
        if (s.cks == null) {
            throw ParleyException.protocol("session has no sending chain yet");
        }
        if (s.ns == Integer.MAX_VALUE) {
            throw ParleyException.limit("sending chain exhausted");
        }
        byte[] seed = KeySchedule.messageKeySeed(s.cks);
        byte[] header = new WireWriter(HEADER_LEN).raw(s.dhs.publicKey()).u32(s.pn).u32(s.ns).toArray();
        boolean he = s.params.headerEncryption();
        byte[] ad = s.associatedData.toArray();
        WireWriter out = new WireWriter(1 + ENC_HEADER_LEN + plaintext.length + 32);
        if (he) {
            byte[] nonce = new byte[Aead.GCM_NONCE];
            random.nextBytes(nonce);
            out.u8(VERSION_ENCRYPTED_HEADER).raw(nonce).raw(Aead.gcmEncrypt(s.hks, nonce, ad, header));
        } else {
            out.u8(VERSION_PLAIN_HEADER).raw(header);
        }
        byte[] prefix = out.toArray();
        byte[] body = bodyEncrypt(s.params.profile(), seed, concat(ad, prefix), plaintext);
        s.cks = KeySchedule.nextChainKey(s.cks);
        s.ns++;
        return Bytes.wrap(out.raw(body).toArray());
    }

    /** Decrypts a bare ratchet message. */
    public byte[] decryptRatchet(SessionState st, Bytes message) {
        byte[] msg = message.toArray();
        boolean he = st.params.headerEncryption();
        WireReader r = new WireReader(msg, "ratchet message");
        int version = r.u8();
        if (version != (he ? VERSION_ENCRYPTED_HEADER : VERSION_PLAIN_HEADER)) {
            throw ParleyException.malformed("ratchet message version " + version + " does not match the session");
        }
        byte[] ad = st.associatedData.toArray();
        int prefixLen = 1 + (he ? ENC_HEADER_LEN : HEADER_LEN);
        if (msg.length < prefixLen) {
            throw ParleyException.malformed("ratchet message too short: " + msg.length + " bytes");
        }
        byte[] bodyAd = concat(ad, Arrays.copyOf(msg, prefixLen));
        Header h;
        boolean dhStep;
        if (he) {
            byte[] nonce = Arrays.copyOfRange(msg, 1, 1 + Aead.GCM_NONCE);
            // The common cases first: the current receiving chain, then the next one (a DH step).
            // Only a message late across a ratchet turn pays a trial decryption per older chain.
            h = st.hkr == null ? null : tryHeader(st.hkr, nonce, ad, msg);
            dhStep = false;
            if (h != null) {
                SessionState.SkippedKey k = new SessionState.SkippedKey(Bytes.of(st.hkr), h.n);
                if (h.n < st.nr && st.skipped.containsKey(k)) {
                    return fromSkipped(st, k, msg, prefixLen, bodyAd);
                }
            } else {
                h = st.nhkr == null ? null : tryHeader(st.nhkr, nonce, ad, msg);
                dhStep = true;
            }
            if (h == null) {
                Set<Bytes> chains = new LinkedHashSet<>();
                for (SessionState.SkippedKey k : st.skipped.keySet()) chains.add(k.chain());
                for (Bytes hk : chains) {
                    Header old = tryHeader(hk.toArray(), nonce, ad, msg);
                    if (old != null) return fromSkipped(st, new SessionState.SkippedKey(hk, old.n), msg, prefixLen, bodyAd);
                }
                throw ParleyException.protocol("message header does not decrypt under any current header key");
            }
        } else {
            h = parseHeader(msg, 1);
            SessionState.SkippedKey k = new SessionState.SkippedKey(h.dh, h.n);
            if (st.skipped.containsKey(k)) {
                return fromSkipped(st, k, msg, prefixLen, bodyAd);
            }
            dhStep = st.dhr == null || !st.dhr.equals(h.dh);
        }

        SessionState s = new SessionState(st);
        Map<SessionState.SkippedKey, byte[]> fresh = new LinkedHashMap<>();
        if (dhStep) {
            skipMessageKeys(s, h.pn, fresh);
            dhRatchet(s, h.dh);
        } else if (h.n < s.nr) {
            throw ParleyException.protocol("duplicate or expired message (n=" + h.n + " < " + s.nr + ")");
        }
        skipMessageKeys(s, h.n, fresh);
        byte[] seed = KeySchedule.messageKeySeed(s.ckr);
        s.ckr = KeySchedule.nextChainKey(s.ckr);
        s.nr++;
        byte[] plaintext = bodyDecrypt(s.params.profile(), seed, bodyAd, msg, prefixLen);
        // Authenticated: commit.
        st.assignScalars(s);
        st.addSkipped(fresh);
        st.pendingPreKey = Bytes.EMPTY;
        return plaintext;
    }

    private byte[] fromSkipped(SessionState st, SessionState.SkippedKey k, byte[] msg, int prefixLen, byte[] bodyAd) {
        byte[] seed = st.skipped.get(k);
        if (seed == null) {
            throw ParleyException.protocol("duplicate or expired message (key for n=" + k.n() + " already used or dropped)");
        }
        byte[] plaintext = bodyDecrypt(st.params.profile(), seed, bodyAd, msg, prefixLen);
        st.skipped.remove(k);
        st.pendingPreKey = Bytes.EMPTY;
        return plaintext;
    }

    private static void skipMessageKeys(SessionState s, int until, Map<SessionState.SkippedKey, byte[]> fresh) {
        if ((long) s.nr + s.params.maxSkip() < until) {
            throw ParleyException.limit("message would skip " + (until - s.nr) + " keys, more than MAX_SKIP "
                    + s.params.maxSkip());
        }
        if (s.ckr == null) {
            return;
        }
        Bytes chain = s.params.headerEncryption() ? Bytes.of(s.hkr) : s.dhr;
        while (s.nr < until) {
            fresh.put(new SessionState.SkippedKey(chain, s.nr), KeySchedule.messageKeySeed(s.ckr));
            s.ckr = KeySchedule.nextChainKey(s.ckr);
            s.nr++;
        }
    }

    private void dhRatchet(SessionState s, Bytes theirKey) {
        boolean he = s.params.headerEncryption();
        KdfProfile p = s.params.profile();
        s.pn = s.ns;
        s.ns = 0;
        s.nr = 0;
        if (he) {
            s.hks = s.nhks;
            s.hkr = s.nhkr;
        }
        s.dhr = theirKey;
        byte[][] recv = KeySchedule.rootStep(p, s.rk, Dh.agree(s.dhs.privateKey(), theirKey), he);
        s.rk = recv[0];
        s.ckr = recv[1];
        if (he) s.nhkr = recv[2];
        s.dhs = X25519KeyPair.generate(random);
        byte[][] send = KeySchedule.rootStep(p, s.rk, Dh.agree(s.dhs.privateKey(), theirKey), he);
        s.rk = send[0];
        s.cks = send[1];
        if (he) s.nhks = send[2];
    }

    private static Header tryHeader(byte[] hk, byte[] nonce, byte[] ad, byte[] msg) {
        try {
            byte[] plain = Aead.gcmDecrypt(hk, nonce, ad, msg, 1 + Aead.GCM_NONCE, HEADER_LEN + Aead.GCM_TAG);
            return parseHeader(plain, 0);
        } catch (ParleyException e) {
            return null;
        }
    }

    private static Header parseHeader(byte[] b, int off) {
        WireReader r = new WireReader(b, off, HEADER_LEN, "ratchet header");
        Bytes dh = r.raw(32);
        int pn = r.u32Bounded(Integer.MAX_VALUE - 1, "PN");
        int n = r.u32Bounded(Integer.MAX_VALUE - 1, "N");
        return new Header(dh, pn, n);
    }

    /**
     * The length of the session message (framing included) that {@link #encrypt} makes of a padded
     * plaintext of {@code paddedLength} bytes in an established session (no PreKey handshake) with
     * {@code params}: cover traffic uses it to look like a real message of that size.
     */
    public static int ratchetMessageLength(RatchetParams params, int paddedLength) {
        int prefix = 1 + 1 + (params.headerEncryption() ? ENC_HEADER_LEN : HEADER_LEN);
        int body = switch (params.profile().cipher()) {
            case AES_256_GCM -> paddedLength + Aead.GCM_TAG;
            case AES_256_CBC_HMAC_SHA256 -> (paddedLength / 16 + 1) * 16 + params.profile().macLength();
        };
        return prefix + body;
    }

    static byte[] bodyEncrypt(KdfProfile p, byte[] seed, byte[] ad, byte[] plaintext) {
        KeySchedule.MessageKeys mk = KeySchedule.messageKeys(p, seed);
        return switch (p.cipher()) {
            case AES_256_GCM -> Aead.gcmEncrypt(mk.cipherKey(), mk.iv(), ad, plaintext);
            case AES_256_CBC_HMAC_SHA256 -> Aead.cbcHmacEncrypt(mk.cipherKey(), mk.macKey(), mk.iv(), p.macLength(), ad, plaintext);
        };
    }

    static byte[] bodyDecrypt(KdfProfile p, byte[] seed, byte[] ad, byte[] msg, int off) {
        KeySchedule.MessageKeys mk = KeySchedule.messageKeys(p, seed);
        int len = msg.length - off;
        return switch (p.cipher()) {
            case AES_256_GCM -> Aead.gcmDecrypt(mk.cipherKey(), mk.iv(), ad, msg, off, len);
            case AES_256_CBC_HMAC_SHA256 -> Aead.cbcHmacDecrypt(mk.cipherKey(), mk.macKey(), mk.iv(), p.macLength(), ad, msg, off, len);
        };
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private record Header(Bytes dh, int pn, int n) {
    }
}
