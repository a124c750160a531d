package org.parley.verticles.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.Ping;
import org.parley.core.bus.Status;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the five verticles share: answer {@link Ping} on {@code parley.<concern>.ping} with a
 * {@link Status}, and expose {@code parley_<concern>_up} and {@code parley_<concern>_pings_total}.
 * Subclasses parse nothing themselves: they get their config record and wire their domain objects.
 */
public abstract class ConcernVerticle extends VerticleBase {
    protected final NodeContext node;
    private final Concern concern;
    private final AtomicBoolean up = new AtomicBoolean();
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private Counter pings;

    protected ConcernVerticle(Concern concern, NodeContext node) {
        this.concern = concern;
        this.node = node;
    }

    public Concern concern() {
        return concern;
    }

    @Override
    public final Future<?> start() {
        pings = Counter.builder("parley." + concern.id() + ".pings")
                .description("status requests answered by the " + concern.id() + " verticle")
                .register(node.registry());
        Gauge.builder("parley." + concern.id() + ".up", up, b -> b.get() ? 1 : 0)
                .description("1 while the " + concern.id() + " verticle is deployed and serving")
                .register(node.registry());
        return startConcern().compose(v -> {
            consumers.add(vertx.eventBus().<Ping>consumer(concern.pingAddress(), msg -> {
                pings.increment();
                msg.reply(new Status(concern.id(), node.member(), state(), details()));
            }));
            up.set(true);
            return Future.succeededFuture();
        });
    }

    @Override
    public final Future<?> stop() {
        up.set(false);
        List<Future<Void>> f = new ArrayList<>();
        for (MessageConsumer<?> c : consumers) f.add(c.unregister());
        return Future.join(f).transform(ar -> stopConcern());
    }

    /** Registers a consumer that is unregistered on stop. */
    protected <T> MessageConsumer<T> consumer(String address, io.vertx.core.Handler<io.vertx.core.eventbus.Message<T>> handler) {
        MessageConsumer<T> c = vertx.eventBus().consumer(address, msg -> {
            try {
                handler.handle(msg);
            } catch (RuntimeException e) {
                msg.fail(500, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        });
        consumers.add(c);
        return c;
    }

    protected abstract Future<?> startConcern();

    protected Future<?> stopConcern() {
        return Future.succeededFuture();
    }

    /**
     * The status reply's state: "UP" when serving, else "NOT_READY: &lt;reason&gt;" (the gateway's
     * /ready treats anything but "UP" as not ready). Called on the verticle's context.
     */
    protected String state() {
        return "UP";
    }

    /** A few facts for the status reply (counts, ports); never secrets. */
    protected Map<String, String> details() {
        return Map.of();
    }
}
