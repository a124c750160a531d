package org.parley.delivery.service;

import org.parley.core.bus.DeliveryMessage;

/** Where events go once durable (the verticle publishes them on the bus). */
@FunctionalInterface
public interface EventSink {
    void publish(DeliveryMessage.Event event);
}
