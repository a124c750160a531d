package org.parley.routing.circuit;

import org.parley.routing.cell.RelayMessage;

/** A relay-side service for messages addressed to this hop (other than EXTEND2 and SENDME). */
@FunctionalInterface
public interface LocalHandler {
    void onMessage(CircuitHandle circuit, RelayMessage message);
}
