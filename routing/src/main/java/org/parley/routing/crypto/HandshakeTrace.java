package org.parley.routing.crypto;

import org.parley.core.Bytes;

/**
 * Receives named intermediate values of a handshake, for conformance checks only. Production
 * code passes {@link #NONE}. Values are secret: an implementation must not log them.
 */
@FunctionalInterface
public interface HandshakeTrace {
    HandshakeTrace NONE = (name, value) -> { };

    void record(String name, Bytes value);
}
