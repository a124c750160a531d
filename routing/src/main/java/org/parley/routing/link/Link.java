package org.parley.routing.link;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;

import java.util.Optional;

/**
 * One open, authenticated link to a neighbour (a TLS connection in production). It moves whole
 * cells: every frame is exactly {@link org.parley.routing.cell.Cell#CELL_LEN} bytes, in order.
 * Identity is object identity (implementations keep {@code Object.equals}).
 */
public interface Link {
    /** The neighbour's node id as authenticated by the link handshake; empty if it did not authenticate (a pure client). */
    Optional<NodeId> peer();

    /** True on the side that opened the link. Decides the circuit-id space (initiator: high bit set). */
    boolean initiator();

    /** Queues one 514-byte frame. Never blocks; a closed link drops it. */
    void send(Bytes frame);

    /**
     * Queues one 514-byte frame whose array the caller hands over: it must not touch it afterwards.
     * Same as {@link #send}; links that can skip the copy of a {@link Bytes} override it.
     */
    default void sendOwned(byte[] frame) {
        send(Bytes.wrap(frame));
    }

    /** Closes the link; both sides' listeners get {@link LinkListener#onLinkClosed}. Idempotent. */
    void close();
}
