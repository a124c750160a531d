package org.parley.verticles.node;

import io.vertx.core.Future;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses.Concern;
import org.parley.verticles.tls.IdentityTls;

import java.util.Map;

/** Routing concern: the TLS peer-link listener, circuits and the inbox relay. */
public final class RoutingVerticle extends ConcernVerticle {
    private NetServer server;

    public RoutingVerticle(NodeContext node) {
        super(Concern.ROUTING, node);
    }

    @Override
    protected Future<?> startConcern() {
        NetServerOptions opts = new NetServerOptions()
                .setHost(node.config().peerHost())
                .setPort(node.config().peerPort())
                .setSsl(true)
                .setKeyCertOptions(IdentityTls.keyCert(node.identity()))
                .setTrustOptions(IdentityTls.pinned(id -> true))
                .setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED)
                .setIdleTimeout(120);
        opts.getSslOptions().setEnabledSecureTransportProtocols(java.util.Set.of("TLSv1.3"));
        server = vertx.createNetServer(opts);
        server.connectHandler(socket -> socket.handler(buf -> socket.close()));
        return server.listen().recover(e -> Future.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                "cannot listen for peers on " + node.config().peerHost() + ":" + node.config().peerPort()
                        + " (" + e.getMessage() + "); choose another --peer-port or stop what uses it", e)));
    }

    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    protected Future<?> stopConcern() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    @Override
    protected Map<String, String> details() {
        return Map.of("peerPort", String.valueOf(actualPort()));
    }
}
