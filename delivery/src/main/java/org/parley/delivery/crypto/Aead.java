package org.parley.delivery.crypto;

import org.parley.core.crypto.Hkdf;

import org.parley.core.ParleyException;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The two message ciphers: AES-256-GCM (Parley's own) and AES-256-CBC/PKCS#7 with a truncated
 * HMAC-SHA256 (libsignal's, Double Ratchet spec §5.2). Both through the JDK. A failed
 * authentication is a PROTOCOL_VIOLATION; nothing else escapes.
 */
public final class Aead {
    public static final int GCM_TAG = 16;
    public static final int GCM_NONCE = 12;
    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(() -> cipher("AES/GCM/NoPadding"));
    private static final ThreadLocal<Cipher> CBC = ThreadLocal.withInitial(() -> cipher("AES/CBC/PKCS5Padding"));

    private Aead() {
    }

    public static byte[] gcmEncrypt(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        try {
            Cipher c = GCM.get();
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            return c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            // JDK refuses to reuse a (key, nonce) pair on one Cipher: reset with a fresh instance.
            GCM.remove();
            try {
                Cipher c = GCM.get();
                c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
                c.updateAAD(aad);
                return c.doFinal(plaintext);
            } catch (GeneralSecurityException e2) {
                throw new ParleyException(ParleyException.Kind.INTERNAL, "AES-GCM encryption failed", e2);
            }
        }
    }

    public static byte[] gcmDecrypt(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext, int off, int len) {
        if (len < GCM_TAG) {
            throw ParleyException.malformed("AES-GCM ciphertext shorter than its tag");
        }
        try {
            Cipher c = GCM.get();
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            return c.doFinal(ciphertext, off, len);
        } catch (AEADBadTagException e) {
            throw ParleyException.protocol("AES-GCM authentication failed");
        } catch (GeneralSecurityException e) {
            GCM.remove();
            throw new ParleyException(ParleyException.Kind.PROTOCOL_VIOLATION, "AES-GCM decryption failed", e);
        }
    }

    /** AES-256-CBC with PKCS#7 padding, no MAC (callers MAC separately). */
    public static byte[] cbcEncrypt(byte[] key, byte[] iv, byte[] plaintext) {
        try {
            Cipher c = CBC.get();
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "AES-CBC encryption failed", e);
        }
    }

    public static byte[] cbcDecrypt(byte[] key, byte[] iv, byte[] ciphertext, int off, int len) {
        if (len == 0 || len % 16 != 0) {
            throw ParleyException.malformed("AES-CBC ciphertext length is not a positive multiple of 16");
        }
        try {
            Cipher c = CBC.get();
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return c.doFinal(ciphertext, off, len);
        } catch (GeneralSecurityException e) {
            throw ParleyException.protocol("AES-CBC decryption failed (bad padding)");
        }
    }

    /** CBC then MAC: ciphertext || first {@code macLen} bytes of HMAC(macKey, aad || ciphertext). */
    public static byte[] cbcHmacEncrypt(byte[] encKey, byte[] macKey, byte[] iv, int macLen, byte[] aad, byte[] plaintext) {
        byte[] ct = cbcEncrypt(encKey, iv, plaintext);
        byte[] mac = Hkdf.hmac(macKey, aad, ct);
        byte[] out = Arrays.copyOf(ct, ct.length + macLen);
        System.arraycopy(mac, 0, out, ct.length, macLen);
        return out;
    }

    /** Checks the truncated MAC in constant time before decrypting. */
    public static byte[] cbcHmacDecrypt(byte[] encKey, byte[] macKey, byte[] iv, int macLen, byte[] aad,
                                        byte[] data, int off, int len) {
        if (len < macLen + 16) {
            throw ParleyException.malformed("AES-CBC-HMAC ciphertext too short");
        }
        int ctLen = len - macLen;
        byte[] ct = Arrays.copyOfRange(data, off, off + ctLen);
        byte[] mac = Hkdf.hmac(macKey, aad, ct);
        byte[] given = Arrays.copyOfRange(data, off + ctLen, off + len);
        if (!MessageDigest.isEqual(Arrays.copyOf(mac, macLen), given)) {
            throw ParleyException.protocol("message MAC does not match");
        }
        return cbcDecrypt(encKey, iv, ct, 0, ctLen);
    }

    private static Cipher cipher(String name) {
        try {
            return Cipher.getInstance(name);
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, name + " unavailable", e);
        }
    }
}
