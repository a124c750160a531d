package org.parley.routing.cell;

import org.parley.core.Bytes;

/**
 * A fixed-size link cell: {@code circId (4) | command (1) | payload (509)}. One record per
 * command, plus {@link Unrecognized}. Payload padding is not part of the records.
 */
public sealed interface Cell {
    int CELL_LEN = 514;
    int PAYLOAD_LEN = 509;
    int HEADER_LEN = 5;

    /** Circuit id on this link (unsigned 32-bit, held in an int). */
    int circId();

    /** CREATE2: {@code HTYPE (2) | HLEN (2) | HDATA}. */
    record Create2(int circId, int htype, Bytes hdata) implements Cell {
    }

    /** CREATED2: {@code HLEN (2) | HDATA}. */
    record Created2(int circId, Bytes hdata) implements Cell {
    }

    /** RELAY: a 509-byte onion-encrypted relay body. */
    record Relay(int circId, Bytes body) implements Cell {
    }

    /** RELAY_EARLY: like RELAY; the only kind that may carry EXTEND2. */
    record RelayEarly(int circId, Bytes body) implements Cell {
    }

    record Destroy(int circId, DestroyReason reason) implements Cell {
    }

    record Padding(int circId) implements Cell {
    }

    /** A command this version does not know; kept whole so it can be counted or ignored. */
    record Unrecognized(int circId, int command, Bytes payload) implements Cell {
    }
}
