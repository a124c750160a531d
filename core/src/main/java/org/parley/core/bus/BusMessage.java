package org.parley.core.bus;

/**
 * The records verticles exchange over the event bus. Plain immutable Java: the Vert.x codecs
 * in {@code verticles/} pass them by reference locally and as bytes across cluster members.
 * Each concern keeps its own sealed family (e.g. {@code StorageMessage}) permitted here.
 */
public sealed interface BusMessage permits Ping, Status, Probe, RoutingMessage, DiscoveryMessage, StorageMessage, DeliveryMessage {
}
