package org.parley.routing.crypto;

import java.io.ByteArrayOutputStream;

/** Tiny concatenation helper for handshake transcripts. Package-private. */
final class Bufs {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    Bufs put(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** ENCAP(s): 8-byte big-endian length, then s. */
    Bufs encap(byte[] b) {
        long n = b.length;
        for (int i = 7; i >= 0; i--) out.write((int) (n >>> (8 * i)));
        out.writeBytes(b);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
