package org.parley.core.bus;

import org.parley.core.Bytes;

import java.util.List;

/**
 * Requests to the routing verticle and its replies. Addresses: {@link Addresses#ROUTING_SEND},
 * {@link Addresses#ROUTING_OPEN_INBOX}, {@link Addresses#ROUTING_SELF}; routing hands inbound
 * envelopes to {@link Addresses#DELIVERY_INBOUND} as {@link InboundEnvelope}.
 * Failures come back as {@code message.fail(code, text)} with the codes of {@link FailureCodes}.
 */
public sealed interface RoutingMessage extends BusMessage {

    /** A relay as routing needs it to extend a circuit to it. */
    record Hop(String nodeId, String address, Bytes onionKey) {}

    /**
     * Deliver {@code envelope} to inbox {@code inboxId} held by {@code inboxRelay}, over a circuit
     * of {@code circuitHops} relays ending at the inbox relay (1–4; the last hop is the inbox relay).
     * The reply comes only after the relay answered STORED (durable there) or refused.
     */
    record SendEnvelope(Hop inboxRelay, Bytes inboxId, Bytes messageId, Bytes envelope, int circuitHops)
            implements RoutingMessage {}

    /** Outcome of {@link SendEnvelope}: {@code STORED} or {@code DUPLICATE}; {@code path} = node ids of the circuit, guard first. */
    record SendResult(String outcome, List<String> path) implements RoutingMessage {}

    /**
     * Register inbox {@code inboxId} at {@code inboxRelay} over a circuit of {@code circuitHops}
     * relays, proving control with the Ed25519 key whose 32-byte seed is {@code authSeed}; waiting
     * and future envelopes are pushed to delivery as {@link InboundEnvelope}. Idempotent; the
     * circuit is kept and rebuilt while the node runs.
     */
    record OpenInbox(Hop inboxRelay, Bytes inboxId, Bytes authSeed, int circuitHops) implements RoutingMessage {}

    /** Reply to {@link OpenInbox}: the path of the inbound circuit, guard first. */
    record InboxOpened(Bytes inboxId, List<String> path) implements RoutingMessage {}

    /** An envelope pushed by an inbox relay. Delivery replies (any body) once it is durable; routing then ACKs it to the relay. */
    record InboundEnvelope(Bytes inboxId, Bytes messageId, Bytes envelope, List<String> path) implements RoutingMessage {}

    /** Asks routing for this node's relay facts. */
    record DescribeSelf() implements RoutingMessage {}

    /** This node as a relay: id, reachable address, current onion key (X25519 public). */
    record SelfDescriptor(String nodeId, String address, Bytes onionKey) implements RoutingMessage {}

    /**
     * Send one link-level RPC (a DHT message) to {@code peerNodeId} at {@code address} over the
     * authenticated peer link (opened if needed). Reply: any body once queued on the link.
     */
    record LinkRpcOut(String peerNodeId, String address, Bytes rpc) implements RoutingMessage {}

    /** Connect to {@code address} without a pin and report who proved to be there (bootstrap from DNS names). */
    record IdentifyPeer(String address) implements RoutingMessage {}

    /** Reply to {@link IdentifyPeer}: the peer's node id and Ed25519 identity key, as its TLS certificate proved. */
    record PeerIdentified(String nodeId, Bytes identityKey) implements RoutingMessage {}
}
