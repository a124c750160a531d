package org.parley.verticles.bus;

import io.vertx.core.eventbus.EventBus;
import org.parley.core.bus.BusMessage;

/** Registers a {@link RecordCodec} for every permitted {@link BusMessage} record. */
public final class BusCodecs {
    private BusCodecs() {}

    public static void register(EventBus bus) {
        registerAll(bus, BusMessage.class);
    }

    /** Walks the sealed hierarchy: a permitted interface (a concern's own family) is walked in turn. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void registerAll(EventBus bus, Class<?> sealed) {
        for (Class<?> c : sealed.getPermittedSubclasses()) {
            if (c.isRecord()) {
                bus.registerDefaultCodec((Class) c, new RecordCodec(c.asSubclass(Record.class)));
            } else if (c.isSealed()) {
                registerAll(bus, c);
            } else {
                throw new IllegalStateException(c + ": bus messages are records or sealed families of records");
            }
        }
    }
}
