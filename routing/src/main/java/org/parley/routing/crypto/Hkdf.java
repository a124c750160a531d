package org.parley.routing.crypto;

import org.parley.core.ParleyException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/** HKDF-SHA256 (RFC 5869), written on the JDK's HMAC as DEPS.md asks. Stateless. */
public final class Hkdf {
    private static final int HASH_LEN = 32;

    private Hkdf() {
    }

    public static byte[] hmacSha256(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[HASH_LEN] : key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "HMAC-SHA256 unavailable", e);
        }
    }

    /** Extract then expand: {@code length} bytes of OKM. An empty salt means HashLen zero bytes. */
    public static byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
        if (length < 0 || length > 255 * HASH_LEN) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "HKDF output length out of range: " + length);
        }
        byte[] prk = hmacSha256(salt, ikm);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            byte[] out = new byte[length];
            byte[] t = new byte[0];
            int at = 0;
            for (int counter = 1; at < length; counter++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) counter);
                t = mac.doFinal();
                int n = Math.min(t.length, length - at);
                System.arraycopy(t, 0, out, at, n);
                at += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "HMAC-SHA256 unavailable", e);
        }
    }
}
