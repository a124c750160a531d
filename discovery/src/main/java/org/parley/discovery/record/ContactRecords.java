package org.parley.discovery.record;

import org.parley.core.crypto.Hkdf;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.internal.Sha256;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Contact records: a user's contact information published under a key derived from the user's
 * handle and encrypted under another key derived from the same handle, so DHT nodes that store
 * it can neither read it nor list handles (they see only hashes; a node can still test a guessed
 * handle, so handles should not be trivially guessable).
 *
 * <ul>
 *   <li>DHT key = SHA-256("parley-contact-key" || handle)</li>
 *   <li>content key = HKDF-SHA256(salt = "parley-contact-v1", ikm = handle, info = "content-key"), 32 bytes</li>
 *   <li>payload = nonce (12 random bytes) || AES-256-GCM(content key, nonce, plaintext, aad = DHT key)</li>
 * </ul>
 * The handle is normalized (NFC, trimmed, lower case) first.
 */
public final class ContactRecords {
    private static final byte[] KEY_PREFIX = "parley-contact-key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SALT = "parley-contact-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO = "content-key".getBytes(StandardCharsets.US_ASCII);
    public static final int NONCE = 12;
    public static final int TAG = 16;

    private ContactRecords() {
    }

    static byte[] normalize(String handle) {
        String h = Normalizer.normalize(handle.trim(), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        if (h.isEmpty()) throw ParleyException.malformed("empty handle");
        return h.getBytes(StandardCharsets.UTF_8);
    }

    public static Bytes dhtKey(String handle) {
        return Bytes.wrap(Sha256.digest(KEY_PREFIX, normalize(handle)));
    }

    private static SecretKeySpec contentKey(String handle) {
        return new SecretKeySpec(Hkdf.derive(SALT, normalize(handle), INFO, 32), "AES");
    }

    public static Bytes seal(String handle, Bytes plaintext, SecureRandom random) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, contentKey(handle), new GCMParameterSpec(TAG * 8, nonce));
            c.updateAAD(dhtKey(handle).toArray());
            byte[] ct = c.doFinal(plaintext.toArray());
            return Bytes.concat(Bytes.wrap(nonce), Bytes.wrap(ct));
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "AES-GCM unavailable", e);
        }
    }

    /** Decrypts a contact payload; PROTOCOL_VIOLATION if it was not sealed under this handle. */
    public static Bytes open(String handle, Bytes payload) {
        if (payload.length() < NONCE + TAG) throw ParleyException.malformed("contact payload too short");
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, contentKey(handle), new GCMParameterSpec(TAG * 8, payload.slice(0, NONCE).toArray()));
            c.updateAAD(dhtKey(handle).toArray());
            return Bytes.wrap(c.doFinal(payload.slice(NONCE, payload.length()).toArray()));
        } catch (AEADBadTagException e) {
            throw ParleyException.protocol("contact record does not open under this handle");
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "AES-GCM unavailable", e);
        }
    }

    /** A signed contact record for {@code handle}, published by {@code owner}. */
    public static SignedRecord create(NodeIdentity owner, String handle, Bytes plaintext, long version,
                                      long expiresAtMillis, SecureRandom random) {
        return SignedRecord.sign(owner, RecordKind.CONTACT, dhtKey(handle), version, expiresAtMillis,
                seal(handle, plaintext, random));
    }
}
