package org.parley.delivery.ratchet;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.Dh;
import org.parley.delivery.crypto.X25519KeyPair;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Double Ratchet state of one session (spec §3.2, and §4.2 for header encryption), plus the
 * associated data fixed by the handshake. Mutable and not thread-safe: one owner at a time
 * (the delivery verticle serialises work per conversation). {@link SessionCipher} changes it
 * only after a message authenticated, so a bad message leaves it as it was.
 *
 * <p>Persist it with {@link SessionStateCodec}; {@link #toString()} shows no key.
 */
public final class SessionState {
    /**
     * Most distinct receiving chains that may hold skipped keys (libsignal keeps 5 old chains).
     * Two users writing at once turn the ratchet several times a second, and most turns leave a
     * gap when messages are delayed or retried; with 16 chains a message retried after a second
     * or two had already lost its key (it was then only recovered by the sender's resend a
     * receipt timeout later, out of order). 128 chains cover tens of seconds of such traffic;
     * their keys still count against {@link RatchetParams#maxStoredSkippedKeys()}, and only a
     * message late across a ratchet turn pays a trial header decryption per chain.
     */
    public static final int MAX_SKIPPED_CHAINS = 128;
    final RatchetParams params;
    final Bytes associatedData;
    final Bytes remoteIdentityKey;
    /** Handshake bytes the initiator repeats in front of each message until the peer answers. */
    Bytes pendingPreKey;

    X25519KeyPair dhs;
    Bytes dhr;
    byte[] rk;
    byte[] cks;
    byte[] ckr;
    int ns;
    int nr;
    int pn;
    byte[] hks;
    byte[] hkr;
    byte[] nhks;
    byte[] nhkr;
    /** (chain id = DHr or HKr, n) → message-key seed; insertion order = age. */
    final LinkedHashMap<SkippedKey, byte[]> skipped;

    SessionState(RatchetParams params, Bytes associatedData, Bytes remoteIdentityKey) {
        this.params = params;
        this.associatedData = associatedData;
        this.remoteIdentityKey = remoteIdentityKey;
        this.pendingPreKey = Bytes.EMPTY;
        this.skipped = new LinkedHashMap<>();
    }

    /** A scratch copy sharing the skipped map (which the cipher never changes on a copy). */
    SessionState(SessionState o) {
        this.params = o.params;
        this.associatedData = o.associatedData;
        this.remoteIdentityKey = o.remoteIdentityKey;
        this.skipped = o.skipped;
        assignScalars(o);
    }

    void assignScalars(SessionState o) {
        pendingPreKey = o.pendingPreKey;
        dhs = o.dhs;
        dhr = o.dhr;
        rk = o.rk;
        cks = o.cks;
        ckr = o.ckr;
        ns = o.ns;
        nr = o.nr;
        pn = o.pn;
        hks = o.hks;
        hkr = o.hkr;
        nhks = o.nhks;
        nhkr = o.nhkr;
    }

    /**
     * The initiator (Alice) after the handshake: her receiving chain is the handshake chain key
     * for Bob's ratchet key (libsignal's choice, which lets Bob answer at once), then one DH
     * ratchet step with {@code ourRatchetKey} gives her sending chain.
     */
    public static SessionState initiator(RatchetParams params, KeySchedule.HandshakeSecrets secrets,
                                         Bytes theirRatchetKey, X25519KeyPair ourRatchetKey,
                                         Bytes associatedData, Bytes remoteIdentityKey) {
        checkSecrets(params, secrets);
        SessionState s = new SessionState(params, associatedData, remoteIdentityKey);
        s.dhs = ourRatchetKey;
        s.dhr = theirRatchetKey;
        s.ckr = secrets.chainKey().clone();
        byte[][] step = KeySchedule.rootStep(params.profile(), secrets.rootKey(),
                Dh.agree(ourRatchetKey.privateKey(), theirRatchetKey), params.headerEncryption());
        s.rk = step[0];
        s.cks = step[1];
        if (params.headerEncryption()) {
            s.nhks = step[2];
            s.hks = secrets.headerKeyA().clone();
            s.nhkr = secrets.nextHeaderKeyB().clone();
            s.hkr = secrets.headerKeyB().clone();
        }
        return s;
    }

    /** Convenience: {@link #initiator} with a fresh ratchet key. */
    public static SessionState initiator(RatchetParams params, KeySchedule.HandshakeSecrets secrets,
                                         Bytes theirRatchetKey, Bytes associatedData, Bytes remoteIdentityKey,
                                         SecureRandom random) {
        return initiator(params, secrets, theirRatchetKey, X25519KeyPair.generate(random), associatedData,
                remoteIdentityKey);
    }

    /**
     * The responder (Bob) after the handshake: his ratchet key is his signed prekey and his
     * first sending chain is the handshake chain key.
     */
    public static SessionState responder(RatchetParams params, KeySchedule.HandshakeSecrets secrets,
                                         X25519KeyPair ourSignedPreKey, Bytes associatedData, Bytes remoteIdentityKey) {
        checkSecrets(params, secrets);
        SessionState s = new SessionState(params, associatedData, remoteIdentityKey);
        s.dhs = ourSignedPreKey;
        s.rk = secrets.rootKey().clone();
        s.cks = secrets.chainKey().clone();
        if (params.headerEncryption()) {
            s.hks = secrets.headerKeyB().clone();
            s.nhks = secrets.nextHeaderKeyB().clone();
            s.nhkr = secrets.headerKeyA().clone();
        }
        return s;
    }

    private static void checkSecrets(RatchetParams params, KeySchedule.HandshakeSecrets secrets) {
        if (params.headerEncryption() && secrets.headerKeyA() == null) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "header encryption needs handshake header keys");
        }
    }

    public RatchetParams params() {
        return params;
    }

    public Bytes associatedData() {
        return associatedData;
    }

    /** The peer's identity key as the handshake saw it (for safety numbers and key-change checks). */
    public Bytes remoteIdentityKey() {
        return remoteIdentityKey;
    }

    /** True while the initiator has not yet heard back (messages carry the handshake). */
    public boolean hasPendingPreKey() {
        return !pendingPreKey.isEmpty();
    }

    public Bytes pendingPreKey() {
        return pendingPreKey;
    }

    public void setPendingPreKey(Bytes handshake) {
        this.pendingPreKey = handshake == null ? Bytes.EMPTY : handshake;
    }

    /** Our current ratchet public key. */
    public Bytes localRatchetKey() {
        return dhs.publicKey();
    }

    public int sendingCounter() {
        return ns;
    }

    public int receivingCounter() {
        return nr;
    }

    public int skippedKeyCount() {
        return skipped.size();
    }

    /** For tests and vectors: the current root key. */
    public Bytes rootKey() {
        return Bytes.of(rk);
    }

    /** For tests and vectors: the current sending chain key, or empty if none. */
    public Bytes sendingChainKey() {
        return cks == null ? Bytes.EMPTY : Bytes.of(cks);
    }

    /** For tests and vectors: the current receiving chain key, or empty if none. */
    public Bytes receivingChainKey() {
        return ckr == null ? Bytes.EMPTY : Bytes.of(ckr);
    }

    /** A deep copy (used by tests to capture state; never shares the skipped map). */
    public SessionState snapshot() {
        return SessionStateCodec.decode(SessionStateCodec.encode(this));
    }

    void addSkipped(Map<SkippedKey, byte[]> fresh) {
        if (fresh.isEmpty()) return;
        skipped.putAll(fresh);
        int excess = skipped.size() - params.maxStoredSkippedKeys();
        var it = skipped.entrySet().iterator();
        while (excess-- > 0 && it.hasNext()) {
            it.next();
            it.remove();
        }
        // Bound the distinct chains too: with header encryption each one costs a trial
        // decryption per incoming message. The oldest chains' keys go first.
        java.util.LinkedHashSet<Bytes> chains = new java.util.LinkedHashSet<>();
        for (SkippedKey k : skipped.keySet()) chains.add(k.chain());
        int extraChains = chains.size() - MAX_SKIPPED_CHAINS;
        if (extraChains > 0) {
            java.util.Set<Bytes> drop = new java.util.HashSet<>();
            var ci = chains.iterator();
            while (extraChains-- > 0) drop.add(ci.next());
            skipped.keySet().removeIf(k -> drop.contains(k.chain()));
        }
    }

    @Override
    public String toString() {
        return "SessionState[" + params.profile().name() + (params.headerEncryption() ? ",HE" : "")
                + ", ns=" + ns + ", nr=" + nr + ", pn=" + pn + ", skipped=" + skipped.size() + "]";
    }

    /** Key of a stored skipped message key: the chain (ratchet public key or header key) and index. */
    record SkippedKey(Bytes chain, int n) {
    }
}
