package org.parley.verticles.node;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.Probe;

/** Delivery concern: end-to-end sessions, receipts, retries. */
public final class DeliveryVerticle extends ConcernVerticle {
    private static final DeliveryOptions PROBE_TIMEOUT = new DeliveryOptions().setSendTimeout(5_000);

    public DeliveryVerticle(NodeContext node) {
        super(Concern.DELIVERY, node);
    }

    @Override
    protected Future<?> startConcern() {
        this.<Probe>consumer(Addresses.DELIVERY_PROBE, msg -> {
            Probe here = msg.body().visit(concern().id(), node.member());
            vertx.eventBus().<Probe>request(Addresses.STORAGE_PROBE, here, PROBE_TIMEOUT)
                    .onSuccess(reply -> msg.reply(reply.body()))
                    .onFailure(e -> msg.fail(503, "storage did not answer the probe: " + e.getMessage()));
        });
        return Future.succeededFuture();
    }
}
