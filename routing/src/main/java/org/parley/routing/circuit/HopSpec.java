package org.parley.routing.circuit;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;

/** One hop of a path: who (node id, also the ntor v3 ID), where (transport address), and its onion key. */
public record HopSpec(NodeId id, String address, Bytes onionKey) {
    @Override
    public String toString() {
        return "HopSpec[" + id.shortHex() + "]";
    }
}
