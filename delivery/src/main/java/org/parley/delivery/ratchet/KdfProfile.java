package org.parley.delivery.ratchet;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.nio.charset.StandardCharsets;

/**
 * The concrete choices of a key schedule: what the X3DH/PQXDH and Double Ratchet specs leave
 * to the application. {@link #LIBSIGNAL_V3} reproduces libsignal (and the shared vectors);
 * {@link #PARLEY_V1} is Parley's own.
 *
 * @param name              for logs and errors only
 * @param x3dhPrefix        bytes put in front of the key material (spec: F = 32 0xFF for X25519)
 * @param x3dhInfo          HKDF info of the handshake KDF
 * @param ratchetInfo       HKDF info of KDF_RK
 * @param messageKeysInfo   HKDF info of the message-key derivation
 * @param keyTypeByte       type byte in front of an X25519 public key in Encode(PK) (0x05)
 * @param cipher            message body cipher
 * @param macLength         MAC length for {@link MessageCipher#AES_256_CBC_HMAC_SHA256}
 */
public record KdfProfile(String name, Bytes x3dhPrefix, Bytes x3dhInfo, Bytes ratchetInfo, Bytes messageKeysInfo,
                         byte keyTypeByte, MessageCipher cipher, int macLength) {

    public static final KdfProfile LIBSIGNAL_V3 = new KdfProfile("libsignal-v3", ff32(), ascii("WhisperText"),
            ascii("WhisperRatchet"), ascii("WhisperMessageKeys"), (byte) 0x05, MessageCipher.AES_256_CBC_HMAC_SHA256, 8);

    public static final KdfProfile PARLEY_V1 = new KdfProfile("parley-v1", ff32(),
            ascii("Parley_PQXDH_CURVE25519_SHA-256_ML-KEM-768"), ascii("ParleyRatchet"),
            ascii("ParleyMessageKeys"), (byte) 0x05, MessageCipher.AES_256_GCM, 16);

    public KdfProfile {
        if (name == null || x3dhPrefix == null || x3dhInfo == null || ratchetInfo == null
                || messageKeysInfo == null || cipher == null) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "KdfProfile fields must not be null");
        }
        if (macLength < 8 || macLength > 32) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "KdfProfile macLength must be 8..32");
        }
    }

    /** Encode(PK) of the specs: type byte || 32-byte u-coordinate. */
    public Bytes encodeDhKey(Bytes x25519Public) {
        return Bytes.concat(Bytes.of(new byte[]{keyTypeByte}), x25519Public);
    }

    public static Bytes ascii(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static Bytes ff32() {
        byte[] f = new byte[32];
        java.util.Arrays.fill(f, (byte) 0xFF);
        return Bytes.wrap(f);
    }
}
