package org.parley.verticles.node;

import io.vertx.core.Future;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.Probe;

/** Storage concern; deployed as a worker so blocking store calls never run on an event loop. */
public final class StorageVerticle extends ConcernVerticle {
    public StorageVerticle(NodeContext node) {
        super(Concern.STORAGE, node);
    }

    @Override
    protected Future<?> startConcern() {
        this.<Probe>consumer(Addresses.STORAGE_PROBE, msg -> msg.reply(msg.body().visit(concern().id(), node.member())));
        return Future.succeededFuture();
    }
}
