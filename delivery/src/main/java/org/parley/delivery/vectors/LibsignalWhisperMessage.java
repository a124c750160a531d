package org.parley.delivery.vectors;

import org.parley.core.Bytes;
import org.parley.core.crypto.Hkdf;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * libsignal's v3 WhisperMessage wire form, only to check the shared vector byte for byte:
 * {@code version | protobuf{1: ratchetKey, 2: counter, 3: previousCounter, 4: ciphertext} | MAC(8)},
 * MAC = first 8 bytes of HMAC-SHA256(macKey, senderIdentity | receiverIdentity | version | protobuf).
 * Parley's own wire format is {@link org.parley.delivery.ratchet.SessionCipher}'s.
 */
final class LibsignalWhisperMessage {
    static final int MAC_LENGTH = 8;

    private LibsignalWhisperMessage() {
    }

    static Bytes serialize(int version, Bytes ratchetKey, int counter, int previousCounter, Bytes ciphertext,
                           Bytes macKey, Bytes senderIdentity, Bytes receiverIdentity) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(version);
        bytesField(out, 1, ratchetKey);
        varintField(out, 2, counter);
        varintField(out, 3, previousCounter);
        bytesField(out, 4, ciphertext);
        byte[] body = out.toByteArray();
        byte[] mac = Hkdf.hmac(macKey.toArray(), senderIdentity.toArray(), receiverIdentity.toArray(), body);
        return Bytes.concat(Bytes.wrap(body), Bytes.wrap(Arrays.copyOf(mac, MAC_LENGTH)));
    }

    private static void bytesField(ByteArrayOutputStream out, int field, Bytes value) {
        varint(out, (field << 3) | 2);
        varint(out, value.length());
        out.writeBytes(value.toArray());
    }

    private static void varintField(ByteArrayOutputStream out, int field, long value) {
        varint(out, field << 3);
        varint(out, value);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
