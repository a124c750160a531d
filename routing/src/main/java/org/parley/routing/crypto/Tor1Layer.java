package org.parley.routing.crypto;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * One direction of one hop of "tor1" relay crypto: a running AES-128-CTR stream (zero IV,
 * continuing across cells) and a running SHA-1 digest seeded with Df or Db. Operates in place on
 * a 509-byte relay cell body: {@code command(1) recognized(2) stream(2) digest(4) length(2) data}.
 * Not thread-safe: a circuit's cells are processed in order on one thread.
 */
public final class Tor1Layer {
    public static final int BODY_LEN = 509;
    public static final int RECOGNIZED_OFFSET = 1;
    public static final int DIGEST_OFFSET = 5;

    private final Cipher cipher;
    private MessageDigest digest;

    public Tor1Layer(Bytes aesKey, Bytes digestSeed) {
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey.toArray(), "AES"),
                    new IvParameterSpec(new byte[16]));
            digest = MessageDigest.getInstance("SHA-1");
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "AES-CTR or SHA-1 unavailable", e);
        }
        digest.update(digestSeed.toArray());
    }

    /** Applies this layer's key stream to the body (encrypt and decrypt are the same). */
    public void crypt(byte[] body) {
        checkLen(body);
        try {
            cipher.update(body, 0, BODY_LEN, body, 0);
        } catch (ShortBufferException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "AES-CTR in-place update failed", e);
        }
    }

    /**
     * For a cell this end originates: zeroes recognized and digest, absorbs the body into the
     * running digest and writes its first 4 bytes into the digest field.
     */
    public void seal(byte[] body) {
        checkLen(body);
        body[RECOGNIZED_OFFSET] = 0;
        body[RECOGNIZED_OFFSET + 1] = 0;
        for (int i = 0; i < 4; i++) body[DIGEST_OFFSET + i] = 0;
        digest.update(body, 0, BODY_LEN);
        byte[] d = currentDigest(digest);
        System.arraycopy(d, 0, body, DIGEST_OFFSET, 4);
    }

    /**
     * For a decrypted cell: true (and the digest absorbed) if recognized is zero and the digest
     * field matches the running digest; otherwise false and nothing changes.
     */
    public boolean recognize(byte[] body) {
        checkLen(body);
        if (body[RECOGNIZED_OFFSET] != 0 || body[RECOGNIZED_OFFSET + 1] != 0) {
            return false;
        }
        byte[] received = new byte[4];
        System.arraycopy(body, DIGEST_OFFSET, received, 0, 4);
        for (int i = 0; i < 4; i++) body[DIGEST_OFFSET + i] = 0;
        MessageDigest tentative = cloneDigest();
        tentative.update(body, 0, BODY_LEN);
        byte[] d = currentDigest(tentative);
        System.arraycopy(received, 0, body, DIGEST_OFFSET, 4);
        int diff = 0;
        for (int i = 0; i < 4; i++) diff |= d[i] ^ received[i];
        if (diff != 0) {
            return false;
        }
        digest = tentative;
        return true;
    }

    private MessageDigest cloneDigest() {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "SHA-1 digest not cloneable", e);
        }
    }

    private static byte[] currentDigest(MessageDigest running) {
        try {
            return ((MessageDigest) running.clone()).digest();
        } catch (CloneNotSupportedException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "SHA-1 digest not cloneable", e);
        }
    }

    private static void checkLen(byte[] body) {
        if (body.length != BODY_LEN) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "relay body must be " + BODY_LEN + " bytes");
        }
    }
}
