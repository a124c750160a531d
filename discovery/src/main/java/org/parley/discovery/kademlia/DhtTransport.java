package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;

import java.util.concurrent.CompletableFuture;

/**
 * The DHT's only view of the network (Besu's PeerDiscoveryAgent / transport split). The
 * implementation owns sockets, links and threads; the DHT owns everything else.
 *
 * <p>Contract for implementations:
 * <ul>
 *   <li>{@link #send} is fire-and-forget and never throws for network reasons; a lost message
 *       is noticed by the DHT's own timeout. It opens (or reuses) a link to {@code to.address()}
 *       whose peer must prove the identity {@code to.identityKey()} (TLS pinning), else drop.</li>
 *   <li>The receiver is called with the <b>authenticated</b> node id of the link the bytes came
 *       in on, on the thread that owns the DHT node (the verticle's event loop). A transport that
 *       knows the IP the link is connected to passes it too ({@link Receiver#onReceive(NodeId, Bytes, Bytes)}):
 *       the DHT then counts that IP, not the address the header claims, in its per-address limits.</li>
 *   <li>{@link #identify} connects to an address whose identity is not known yet (DNS
 *       bootstrap) and returns the identity key the peer proved.</li>
 * </ul>
 */
public interface DhtTransport {
    @FunctionalInterface
    interface Receiver {
        void onReceive(NodeId authenticatedFrom, Bytes rpc);

        /**
         * As {@link #onReceive(NodeId, Bytes)}, with the IP (4 or 16 bytes) the link's socket is
         * connected to, or null if the transport does not know it. By default the IP is ignored.
         */
        default void onReceive(NodeId authenticatedFrom, Bytes rpc, Bytes observedIp) {
            onReceive(authenticatedFrom, rpc);
        }
    }

    void send(Contact to, Bytes rpc);

    void setReceiver(Receiver receiver);

    default CompletableFuture<Bytes> identify(PeerAddress address) {
        return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                "this transport cannot identify unpinned addresses"));
    }
}
