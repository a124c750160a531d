package org.parley.routing.circuit;

import org.parley.core.Bytes;

/** What a relay-side service (the inbox relay) sees of a circuit that ends at this relay. */
public interface CircuitHandle {
    /** Sends a message back towards the circuit's client (fragmented, flow-controlled, onion-encrypted). */
    void send(org.parley.routing.cell.RelayMessage message);

    /** KH of this hop: a value both this relay and the client know, to bind proofs to the circuit. */
    Bytes binding();

    boolean isOpen();

    /** Runs {@code onClose} once when the circuit closes (immediately if it already has). */
    void onClose(Runnable onClose);
}
