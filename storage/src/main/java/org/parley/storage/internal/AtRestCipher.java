package org.parley.storage.internal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.parley.core.ParleyException;

/**
 * Seals stored values with AES-256-GCM under the data key, a fresh random 96-bit nonce per value
 * and {@code cfId || key} as associated data, so a value cannot be moved to another key.
 * Format: {@code 0x01 nonce(12) ciphertext tag(16)}. A plaintext cipher passes values through.
 */
public final class AtRestCipher {
    private static final byte FORMAT = 1;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    public static final int OVERHEAD = 1 + NONCE + TAG_BITS / 8;

    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "AES/GCM unavailable", e);
        }
    });
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

    private final SecretKeySpec key;

    private AtRestCipher(SecretKeySpec key) {
        this.key = key;
    }

    public static AtRestCipher plaintext() {
        return new AtRestCipher(null);
    }

    /** Takes a 32-byte data key (copied). */
    public static AtRestCipher aes256(byte[] dataKey) {
        if (dataKey.length != 32) throw new ParleyException(ParleyException.Kind.INTERNAL, "data key must be 32 bytes");
        return new AtRestCipher(new SecretKeySpec(dataKey, "AES"));
    }

    public boolean encrypts() {
        return key != null;
    }

    public byte[] seal(Cf cf, byte[] recordKey, byte[] plaintext) {
        if (key == null || !cf.encrypted()) return plaintext;
        byte[] out = new byte[OVERHEAD + plaintext.length];
        out[0] = FORMAT;
        byte[] nonce = new byte[NONCE];
        RANDOM.get().nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 1, NONCE);
        try {
            Cipher c = CIPHERS.get();
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(new byte[] {(byte) cf.id()});
            c.updateAAD(recordKey);
            c.doFinal(plaintext, 0, plaintext.length, out, 1 + NONCE);
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "sealing a stored value failed", e);
        }
        return out;
    }

    public byte[] open(Cf cf, byte[] recordKey, byte[] sealed) {
        if (key == null || !cf.encrypted()) return sealed;
        if (sealed.length < OVERHEAD || sealed[0] != FORMAT) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "stored value in " + cf.cfName() + " is not sealed");
        }
        try {
            Cipher c = CIPHERS.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE));
            c.updateAAD(new byte[] {(byte) cf.id()});
            c.updateAAD(recordKey);
            return c.doFinal(sealed, 1 + NONCE, sealed.length - 1 - NONCE);
        } catch (AEADBadTagException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL,
                    "stored value in " + cf.cfName() + " failed authentication (corrupt or moved)", e);
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "opening a stored value failed", e);
        }
    }
}
