package org.parley.delivery.ratchet;

import org.parley.core.ParleyException;

/** How a message key encrypts a message body. */
public enum MessageCipher {
    /** AES-256-GCM with a per-message derived key and 12-byte nonce. Parley's default. */
    AES_256_GCM(1),
    /** AES-256-CBC/PKCS#7 then HMAC-SHA256 truncated (libsignal, Double Ratchet spec §5.2). */
    AES_256_CBC_HMAC_SHA256(2);

    private final int code;

    MessageCipher(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static MessageCipher fromCode(int code) {
        for (MessageCipher c : values()) {
            if (c.code == code) return c;
        }
        throw ParleyException.malformed("unknown message cipher code " + code);
    }
}
