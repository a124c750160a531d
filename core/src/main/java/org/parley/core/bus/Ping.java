package org.parley.core.bus;

/** Asks a verticle for its {@link Status}. {@code from} names the asking concern. */
public record Ping(String from) implements BusMessage {
}
