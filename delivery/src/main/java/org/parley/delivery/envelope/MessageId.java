package org.parley.delivery.envelope;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.security.SecureRandom;

/** A random 128-bit message id: duplicates are dropped by it, receipts name messages by it. */
public record MessageId(Bytes value) {
    public static final int SIZE = 16;

    public MessageId {
        if (value == null || value.length() != SIZE) throw ParleyException.malformed("message id must be 16 bytes");
    }

    public static MessageId random(SecureRandom random) {
        byte[] b = new byte[SIZE];
        random.nextBytes(b);
        return new MessageId(Bytes.wrap(b));
    }

    public static MessageId fromHex(String hex) {
        return new MessageId(Bytes.fromHex(hex));
    }

    @Override
    public String toString() {
        return value.hex();
    }
}
