package org.parley.routing.circuit;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/**
 * The ntor v3 CM/SM encoding for circuit extension (proposal 332 §A.2):
 * {@code N_EXTENSIONS (1) | N × (TYPE (1) | LEN (1) | VALUE)}. Parley sends none yet; unknown
 * types are ignored, malformed lists rejected.
 */
final class HandshakeExtensions {
    static final Bytes NONE = Bytes.fromHex("00");

    private HandshakeExtensions() {
    }

    /** @throws ParleyException MALFORMED_INPUT if {@code message} is not a well-formed list */
    static int parse(Bytes message) {
        if (message.isEmpty()) throw ParleyException.malformed("ntor v3 message lacks the extension count");
        int n = message.get(0) & 0xff;
        int at = 1;
        for (int i = 0; i < n; i++) {
            if (at + 2 > message.length()) throw ParleyException.malformed("truncated handshake extension");
            at += 2 + (message.get(at + 1) & 0xff);
        }
        if (at != message.length()) throw ParleyException.malformed("handshake extension list length mismatch");
        return n;
    }
}
