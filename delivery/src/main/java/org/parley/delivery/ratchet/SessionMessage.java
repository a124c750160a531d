package org.parley.delivery.ratchet;

import org.parley.core.Bytes;

/** What one E2E session message is: a ratchet message, possibly behind the initiator's handshake. */
public sealed interface SessionMessage {
    /** A ratchet message of an established session. */
    record Ratchet(Bytes ratchetMessage) implements SessionMessage {
    }

    /** The initiator's first messages: the (PQXDH) handshake, then a ratchet message. */
    record PreKey(Bytes handshake, Bytes ratchetMessage) implements SessionMessage {
    }
}
