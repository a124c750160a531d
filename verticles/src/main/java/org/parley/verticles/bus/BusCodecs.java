package org.parley.verticles.bus;

import io.vertx.core.eventbus.EventBus;
import org.parley.core.bus.BusMessage;

/** Registers a {@link RecordCodec} for every permitted {@link BusMessage} record. */
public final class BusCodecs {
    private BusCodecs() {}

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void register(EventBus bus) {
        for (Class<?> c : BusMessage.class.getPermittedSubclasses()) {
            bus.registerDefaultCodec((Class) c, new RecordCodec(c.asSubclass(Record.class)));
        }
    }
}
