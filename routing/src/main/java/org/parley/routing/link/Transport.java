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
     *
     * <p>One link per neighbour pair: a link to {@code peer} that is up (whichever side dialed it)
     * is returned as it is, and a call while one is being set up joins it. When both nodes dial
     * each other at once, an implementation settles on one link that both sides agree on and
     * reports only that one to its {@link LinkListener} (the TLS transport keeps the link dialed by
     * the node with the lower node id).
     */
    CompletionStage<Link> connect(NodeId peer, String address);
}
