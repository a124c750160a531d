package org.parley.routing.circuit;

import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.RelayMessage;

/** What a client circuit reports to its owner. Called on the routing thread. */
public interface CircuitListener {
    /** A whole (reassembled, validated) message from hop {@code hop} (0 = guard). */
    void onMessage(int hop, RelayMessage message);

    /** The circuit is gone: DESTROY from the path, link loss, a bad cell, a timeout or {@link ClientCircuit#close()}. */
    void onClosed(DestroyReason reason);
}
