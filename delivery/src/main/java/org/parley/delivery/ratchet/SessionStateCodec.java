package org.parley.delivery.ratchet;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.X25519KeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Versioned binary codec of {@link SessionState}, for the storage layer (which should keep the
 * bytes encrypted at rest: they hold every live key of the session). Layout, version 1:
 * <pre>
 *  "PSS" | version u8 = 1
 *  profile: name, prefix, x3dhInfo, ratchetInfo, messageKeysInfo (u16-length each),
 *           keyType u8, cipher u8, macLength u8
 *  params:  headerEncryption u8, maxSkip u32, maxStoredSkippedKeys u32
 *  ad, remoteIdentityKey (u16-length), pendingPreKey (u32-length)
 *  dhs private (32) | dhs public (32) | opt DHr | rk (32) | opt CKs | opt CKr | Ns | Nr | PN (u32)
 *  opt HKs | opt HKr | opt NHKs | opt NHKr
 *  skipped count u32, then each: chain (u16-length) | n u32 | seed (32)
 * </pre>
 * "opt X" is a flag byte 0/1 then 32 bytes. Decoding checks every length and bound.
 */
public final class SessionStateCodec {
    public static final int VERSION = 1;
    private static final byte[] MAGIC = {'P', 'S', 'S'};

    private SessionStateCodec() {
    }

    public static Bytes encode(SessionState s) {
        KdfProfile p = s.params.profile();
        WireWriter w = new WireWriter(512 + s.skipped.size() * 72);
        w.raw(MAGIC).u8(VERSION);
        w.bytes16(KdfProfile.ascii(p.name())).bytes16(p.x3dhPrefix()).bytes16(p.x3dhInfo()).bytes16(p.ratchetInfo())
                .bytes16(p.messageKeysInfo()).u8(p.keyTypeByte() & 0xFF).u8(p.cipher().code()).u8(p.macLength());
        w.u8(s.params.headerEncryption() ? 1 : 0).u32(s.params.maxSkip()).u32(s.params.maxStoredSkippedKeys());
        w.bytes16(s.associatedData).bytes16(s.remoteIdentityKey).bytes32(s.pendingPreKey);
        w.raw(s.dhs.privateKey()).raw(s.dhs.publicKey());
        opt(w, s.dhr == null ? null : s.dhr.toArray());
        w.raw(s.rk);
        opt(w, s.cks);
        opt(w, s.ckr);
        w.u32(s.ns).u32(s.nr).u32(s.pn);
        opt(w, s.hks);
        opt(w, s.hkr);
        opt(w, s.nhks);
        opt(w, s.nhkr);
        w.u32(s.skipped.size());
        for (Map.Entry<SessionState.SkippedKey, byte[]> e : s.skipped.entrySet()) {
            w.bytes16(e.getKey().chain()).u32(e.getKey().n()).raw(e.getValue());
        }
        return w.toBytes();
    }

    public static SessionState decode(Bytes bytes) {
        WireReader r = new WireReader(bytes.toArray(), "session state");
        Bytes magic = r.raw(3);
        if (!magic.equals(Bytes.of(MAGIC))) throw ParleyException.malformed("not a session state (bad magic)");
        int version = r.u8();
        if (version != VERSION) throw ParleyException.malformed("unsupported session state version " + version);
        RatchetParams params;
        try {
            String name = new String(r.bytes16().toArray(), java.nio.charset.StandardCharsets.US_ASCII);
            KdfProfile p = new KdfProfile(name, r.bytes16(), r.bytes16(), r.bytes16(), r.bytes16(), (byte) r.u8(),
                    MessageCipher.fromCode(r.u8()), r.u8());
            boolean he = flag(r);
            params = new RatchetParams(p, he, r.u32Bounded(Integer.MAX_VALUE, "maxSkip"),
                    r.u32Bounded(Integer.MAX_VALUE, "maxStoredSkippedKeys"));
        } catch (ParleyException e) {
            if (e.kind() == ParleyException.Kind.CONFIG) throw ParleyException.malformed("session state: " + e.getMessage());
            throw e;
        }
        SessionState s = new SessionState(params, r.bytes16(), r.bytes16());
        s.pendingPreKey = r.bytes32(SessionMessageCodec.MAX_HANDSHAKE);
        s.dhs = new X25519KeyPair(r.raw(32), r.raw(32));
        byte[] dhr = opt(r);
        s.dhr = dhr == null ? null : Bytes.wrap(dhr);
        s.rk = r.rawArray(32);
        s.cks = opt(r);
        s.ckr = opt(r);
        s.ns = r.u32Bounded(Integer.MAX_VALUE, "Ns");
        s.nr = r.u32Bounded(Integer.MAX_VALUE, "Nr");
        s.pn = r.u32Bounded(Integer.MAX_VALUE, "PN");
        s.hks = opt(r);
        s.hkr = opt(r);
        s.nhks = opt(r);
        s.nhkr = opt(r);
        if (params.headerEncryption() && (s.nhks == null || s.nhkr == null)) {
            throw ParleyException.malformed("session state: header encryption without next header keys");
        }
        int n = r.u32Bounded(params.maxStoredSkippedKeys(), "skipped key count");
        Map<SessionState.SkippedKey, byte[]> skipped = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Bytes chain = r.bytes16();
            int idx = r.u32Bounded(Integer.MAX_VALUE, "skipped n");
            skipped.put(new SessionState.SkippedKey(chain, idx), r.rawArray(32));
        }
        s.skipped.putAll(skipped);
        r.expectEnd();
        return s;
    }

    private static void opt(WireWriter w, byte[] key) {
        if (key == null) {
            w.u8(0);
        } else {
            w.u8(1).raw(key);
        }
    }

    private static byte[] opt(WireReader r) {
        return flag(r) ? r.rawArray(32) : null;
    }

    private static boolean flag(WireReader r) {
        int f = r.u8();
        if (f > 1) throw ParleyException.malformed("session state: flag byte " + f);
        return f == 1;
    }
}
