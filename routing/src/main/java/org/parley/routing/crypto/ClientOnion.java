package org.parley.routing.crypto;

import org.parley.core.Bytes;

/**
 * A client's relay-cell crypto for a whole circuit (one layer pair per hop, hop 0 = guard),
 * independent of the scheme (tor1 or CGO). {@code cellCommand} is the link cell command (RELAY
 * or RELAY_EARLY), which CGO authenticates. Not thread-safe.
 */
public interface ClientOnion {
    /** Adds the next hop from its key-stream seed (the first {@code seedLen} bytes of the handshake key stream). */
    void addHop(Bytes seed);

    int hops();

    /** Seals a plaintext body for hop {@code hop} and applies every layer down to the guard. */
    void encryptTo(int hop, int cellCommand, byte[] body);

    /** Peels layers from the guard outwards; the index of the hop that originated the cell, or -1. */
    int decryptFrom(int cellCommand, byte[] body);
}
