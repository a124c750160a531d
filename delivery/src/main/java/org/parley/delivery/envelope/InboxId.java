package org.parley.delivery.envelope;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.security.SecureRandom;

/**
 * An opaque, random, per-contact inbox id (32 bytes). An inbox relay stores envelopes under it
 * without learning who owns it; the owner rotates it by handing out a new one.
 */
public record InboxId(Bytes value) {
    public static final int SIZE = 32;

    public InboxId {
        if (value == null || value.length() != SIZE) throw ParleyException.malformed("inbox id must be 32 bytes");
    }

    public static InboxId random(SecureRandom random) {
        byte[] b = new byte[SIZE];
        random.nextBytes(b);
        return new InboxId(Bytes.wrap(b));
    }

    /** The first 8 hex characters, enough for logs at debug level. */
    public String shortHex() {
        return value.slice(0, 4).hex();
    }

    @Override
    public String toString() {
        return "InboxId[" + shortHex() + "…]";
    }
}
