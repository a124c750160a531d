package org.parley.routing.link;

import org.parley.core.identity.NodeId;

import java.util.concurrent.CompletionStage;

/**
 * The only way the routing layer reaches the network. An implementation (TLS over Vert.x in
 * {@code verticles/}, {@link InMemoryLinkNetwork} in tests) is created with the node's
 * {@link LinkListener} and reports every link, frame and closure to it.
 */
public interface Transport {
    /**
     * Opens a link to {@code peer} at {@code address} and authenticates it as {@code peer}. The
     * stage completes on the routing thread, after {@link LinkListener#onLinkOpened}; it fails
     * with a {@link org.parley.core.ParleyException} of kind UNAVAILABLE if the peer cannot be
     * reached or is not who it should be.
     */
    CompletionStage<Link> connect(NodeId peer, String address);
}
