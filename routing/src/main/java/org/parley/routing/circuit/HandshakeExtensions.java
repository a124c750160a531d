package org.parley.routing.circuit;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ntor v3 CM/SM encoding for circuit extension (proposal 332 §A.2):
 * {@code N_EXTENSIONS (1) | N × (TYPE (1) | LEN (1) | VALUE)}. Unknown types are ignored,
 * malformed lists rejected. Parley's one extension, {@link #RELAY_CRYPTO} (private type 0x80,
 * one byte {@link RelayCryptoKind#code()}), asks for a relay crypto in CM and confirms it in SM;
 * absent means tor1.
 */
final class HandshakeExtensions {
    static final Bytes NONE = Bytes.fromHex("00");
    static final int RELAY_CRYPTO = 0x80;

    private HandshakeExtensions() {
    }

    /** @throws ParleyException MALFORMED_INPUT if {@code message} is not a well-formed list */
    static Map<Integer, Bytes> parse(Bytes message) {
        if (message.isEmpty()) throw ParleyException.malformed("ntor v3 message lacks the extension count");
        int n = message.get(0) & 0xff;
        Map<Integer, Bytes> out = new LinkedHashMap<>();
        int at = 1;
        for (int i = 0; i < n; i++) {
            if (at + 2 > message.length()) throw ParleyException.malformed("truncated handshake extension");
            int type = message.get(at) & 0xff;
            int len = message.get(at + 1) & 0xff;
            if (at + 2 + len > message.length()) throw ParleyException.malformed("truncated handshake extension");
            out.putIfAbsent(type, message.slice(at + 2, at + 2 + len));
            at += 2 + len;
        }
        if (at != message.length()) throw ParleyException.malformed("handshake extension list length mismatch");
        return out;
    }

    static Bytes relayCrypto(RelayCryptoKind kind) {
        if (kind == RelayCryptoKind.TOR1) return NONE;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1);
        out.write(RELAY_CRYPTO);
        out.write(1);
        out.write(kind.code());
        return Bytes.wrap(out.toByteArray());
    }

    /** The relay crypto named in a parsed extension list (tor1 when absent); null if unknown or malformed. */
    static RelayCryptoKind relayCryptoOf(Map<Integer, Bytes> extensions) {
        Bytes v = extensions.get(RELAY_CRYPTO);
        if (v == null) return RelayCryptoKind.TOR1;
        if (v.length() != 1) return null;
        return RelayCryptoKind.fromCode(v.get(0) & 0xff);
    }
}
