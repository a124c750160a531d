package org.parley.verticles.node;

import io.vertx.core.Future;
import org.parley.core.bus.Addresses.Concern;

import java.util.Map;

/** Discovery concern: DHT, relay directory, bootstrap. */
public final class DiscoveryVerticle extends ConcernVerticle {
    public DiscoveryVerticle(NodeContext node) {
        super(Concern.DISCOVERY, node);
    }

    @Override
    protected Future<?> startConcern() {
        return Future.succeededFuture();
    }

    @Override
    protected Map<String, String> details() {
        return Map.of("bootstrap", String.valueOf(node.config().bootstrap().size()));
    }
}
