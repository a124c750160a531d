package org.parley.routing;

import org.parley.routing.cell.DestroyReason;

/**
 * Hook the routing layer calls at the events an operator counts: circuits built or failed, cells
 * relayed, cells dropped (with a reason), envelopes stored at the inbox relay. Every method is
 * called on the routing thread, on the hot path for {@link #cellRelayed()}: implementations must
 * be cheap and must not throw. {@link #NONE} ignores everything. The Vert.x assembly binds this to
 * Micrometer; the domain module sees no metrics library.
 */
public interface RoutingMetrics {
    /** Ignores every event. */
    RoutingMetrics NONE = new RoutingMetrics() { };

    /** Reason: a frame that did not decode or validate as a cell (the link is closed). */
    String MALFORMED = "malformed";
    /** Reason: a relay cell no hop recognized (failed digest / tag at the last hop, or at the client). */
    String DIGEST = "digest";
    /** Reason: a circuit's send queue behind its flow-control window was full (the circuit is closed). */
    String QUEUE_FULL = "queue-full";
    /** Reason: a cell for a circuit id nobody holds on that link. */
    String UNKNOWN_CIRCUIT = "unknown-circuit";
    /** Reason: a circuit's ninth RELAY_EARLY cell (the circuit is closed). */
    String RELAY_EARLY = "relay-early";
    /** Reason: a CREATE2 refused (replayed handshake, bad handshake, wrong id space, too many circuits). */
    String CREATE_REFUSED = "create-refused";
    /** Reason: a relay message addressed to this hop that did not decode or reassemble. */
    String BAD_MESSAGE = "bad-message";

    /** Reason (a resource limit): CREATE2 refused because its link already holds {@code maxCircuitsPerLink} circuits. */
    String CIRCUIT_LIMIT = "circuit-limit";
    /** Reason (a resource limit): a fragmented relay message larger than {@code maxMessageBytes} (the circuit is closed). */
    String REASSEMBLY_LIMIT = "reassembly-limit";
    /** Reason (a resource limit): a SENDME that would open a flow window past its bound (the circuit is closed). */
    String SENDME_UNEXPECTED = "sendme-unexpected";
    /** Reason (a resource limit): an envelope the inbox relay refused because that inbox's quota is full. */
    String INBOX_QUOTA = "inbox-quota";

    /** Reason (a flood limit): CREATE2 over its link's rate, answered DESTROY {@code RESOURCELIMIT} before any handshake work. */
    String CREATE2_RATE = "create2-rate";
    /** Reason (a flood limit): DELIVER over its circuit's rate, answered ERROR {@code QUOTA}. */
    String DELIVER_RATE = "deliver-rate";
    /** Reason (a flood limit): DELIVER over its link's rate (all circuits of the link), answered ERROR {@code QUOTA}. */
    String DELIVER_LINK_RATE = "deliver-link-rate";
    /** Reason (a flood limit): a circuit closed (DESTROY {@code RESOURCELIMIT}) for DELIVERs refused {@code closeCircuitAfter} times in a row. */
    String CIRCUIT_CLOSED_FLOODING = "circuit-closed-flooding";
    /** Reason (a flood limit): a link closed for CREATE2s refused {@code closeLinkAfter} times in a row. */
    String LINK_CLOSED_FLOODING = "link-closed-flooding";

    /** Every reason the routing module reports, for binders that want to register them up front. */
    java.util.List<String> REASONS = java.util.List.of(MALFORMED, DIGEST, QUEUE_FULL, UNKNOWN_CIRCUIT,
            RELAY_EARLY, CREATE_REFUSED, BAD_MESSAGE, CIRCUIT_LIMIT, REASSEMBLY_LIMIT, SENDME_UNEXPECTED, INBOX_QUOTA,
            CREATE2_RATE, DELIVER_RATE, DELIVER_LINK_RATE, CIRCUIT_CLOSED_FLOODING, LINK_CLOSED_FLOODING);

    /** A client circuit of {@code hops} hops finished building, {@code buildNanos} after the build started. */
    default void circuitBuilt(int hops, long buildNanos) {
    }

    /** A client circuit build failed (timeout, DESTROY, link loss, bad handshake) after {@code hopsDone} hops. */
    default void circuitBuildFailed(int hopsDone, DestroyReason reason) {
    }

    /** A relay cell was passed one hop on (forward or backward) by this relay. */
    default void cellRelayed() {
    }

    /** A cell was dropped; {@code reason} is one of the constants of this interface. */
    default void cellDropped(String reason) {
    }

    /** The inbox relay stored an envelope durably (a new one; duplicates are not counted). */
    default void inboxEnvelopeStored() {
    }
}
