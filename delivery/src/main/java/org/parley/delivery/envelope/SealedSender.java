package org.parley.delivery.envelope;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.Aead;
import org.parley.delivery.crypto.Dh;
import org.parley.core.crypto.Hkdf;
import org.parley.delivery.crypto.X25519KeyPair;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.ratchet.KdfProfile;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Sealed sender, after Signal's v1 construction but with no server certificate: the sender's
 * identity travels encrypted to the recipient's identity key, and the content is encrypted under
 * a key that also needs the sender's static X25519 key, so only that sender could have made it.
 * <pre>
 *  e = fresh X25519;  (chain | k1) = HKDF(salt = IK_B | E, DH(e, IK_B), "Parley_SealedSender_v1_eph", 64)
 *  encStatic  = AES-256-GCM(k1, 0^12, aad = E, Encode(IK_A))
 *  k2         = HKDF(salt = chain | encStatic, DH(IK_A, IK_B), "Parley_SealedSender_v1_static", 32)
 *  encContent = AES-256-GCM(k2, 0^12, aad = E | encStatic, content)
 *  sealed     = 0x01 | E (32) | encStatic (144) | encContent
 * </pre>
 * Keys are fresh per message (E is), so a fixed nonce is safe.
 */
public final class SealedSender {
    public static final int VERSION = 1;
    private static final byte[] EPH_INFO = KdfProfile.ascii("Parley_SealedSender_v1_eph").toArray();
    private static final byte[] STATIC_INFO = KdfProfile.ascii("Parley_SealedSender_v1_static").toArray();
    private static final byte[] NONCE = new byte[Aead.GCM_NONCE];
    private static final int ENC_STATIC_LEN = 128 + Aead.GCM_TAG;

    private SealedSender() {
    }

    /** The opened seal: who sent it (binding checked) and the content (a session message). */
    public record Unsealed(IdentityKey sender, Bytes content) {
    }

    public static Bytes seal(IdentityKeyPair sender, IdentityKey recipient, Bytes content, SecureRandom random) {
        X25519KeyPair e = X25519KeyPair.generate(random);
        byte[] epub = e.publicKey().toArray();
        byte[] eph = Hkdf.derive(Bytes.concat(recipient.dhKey(), e.publicKey()).toArray(),
                Dh.agree(e.privateKey(), recipient.dhKey()), EPH_INFO, 64);
        byte[] encStatic = Aead.gcmEncrypt(Arrays.copyOfRange(eph, 32, 64), NONCE, epub,
                sender.publicKey().encode().toArray());
        byte[] k2 = staticKey(eph, encStatic, Dh.agree(sender.dhKeyPair().privateKey(), recipient.dhKey()));
        byte[] encContent = Aead.gcmEncrypt(k2, NONCE, concat(epub, encStatic), content.toArray());
        Arrays.fill(eph, (byte) 0);
        Arrays.fill(k2, (byte) 0);
        return new WireWriter(1 + 32 + encStatic.length + encContent.length).u8(VERSION).raw(epub).raw(encStatic)
                .raw(encContent).toBytes();
    }

    /** Opens a seal addressed to {@code recipient}; PROTOCOL_VIOLATION if anything fails to authenticate. */
    public static Unsealed open(IdentityKeyPair recipient, Bytes sealed) {
        WireReader r = new WireReader(sealed.toArray(), "sealed sender");
        int v = r.u8();
        if (v != VERSION) throw ParleyException.malformed("sealed sender version " + v);
        Bytes e = r.raw(32);
        byte[] encStatic = r.rawArray(ENC_STATIC_LEN);
        byte[] encContent = r.rest().toArray();
        byte[] epub = e.toArray();
        byte[] eph = Hkdf.derive(Bytes.concat(recipient.publicKey().dhKey(), e).toArray(),
                Dh.agree(recipient.dhKeyPair().privateKey(), e), EPH_INFO, 64);
        byte[] senderBytes = Aead.gcmDecrypt(Arrays.copyOfRange(eph, 32, 64), NONCE, epub, encStatic, 0, encStatic.length);
        IdentityKey sender = IdentityKey.decode(Bytes.wrap(senderBytes)).validate();
        byte[] k2 = staticKey(eph, encStatic, Dh.agree(recipient.dhKeyPair().privateKey(), sender.dhKey()));
        byte[] content = Aead.gcmDecrypt(k2, NONCE, concat(epub, encStatic), encContent, 0, encContent.length);
        Arrays.fill(eph, (byte) 0);
        Arrays.fill(k2, (byte) 0);
        return new Unsealed(sender, Bytes.wrap(content));
    }

    private static byte[] staticKey(byte[] eph, byte[] encStatic, byte[] dh) {
        byte[] salt = concat(Arrays.copyOf(eph, 32), encStatic);
        byte[] k = Hkdf.derive(salt, dh, STATIC_INFO, 32);
        Arrays.fill(dh, (byte) 0);
        return k;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
