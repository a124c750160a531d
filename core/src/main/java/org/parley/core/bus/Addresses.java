package org.parley.core.bus;

import java.util.List;

/**
 * The event-bus address catalog: every address a Parley verticle consumes, in one place.
 * docs/architecture.md lists each with its request, reply and consumer.
 */
public final class Addresses {
    private Addresses() {}

    /** The five concerns of a node; each is one verticle. */
    public enum Concern {
        STORAGE, ROUTING, DISCOVERY, DELIVERY, GATEWAY;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Concern fromId(String id) {
            for (Concern c : values()) {
                if (c.id().equals(id)) return c;
            }
            throw new IllegalArgumentException("unknown concern '" + id + "' (expected one of storage, routing, discovery, delivery, gateway)");
        }

        /** {@code parley.<concern>.ping}: request {@link Ping}, reply {@link Status}. */
        public String pingAddress() {
            return "parley." + id() + ".ping";
        }
    }

    /** Deploy order: dependencies first. */
    public static final List<Concern> DEPLOY_ORDER = List.of(
            Concern.STORAGE, Concern.ROUTING, Concern.DISCOVERY, Concern.DELIVERY, Concern.GATEWAY);

    /** Request {@link Probe}, reply {@link Probe}: delivery hands it on to storage and back (a round trip through the node). */
    public static final String DELIVERY_PROBE = "parley.delivery.probe";
    /** Request {@link Probe}, reply {@link Probe}: storage writes and reads back a probe record. */
    public static final String STORAGE_PROBE = "parley.storage.probe";

    /** Requests of the {@link StorageMessage} family for the inbox-relay role (put, list, delete, auth get/bind). */
    public static final String STORAGE_INBOX = "parley.storage.inbox";

    /** Requests of the {@link StorageMessage} family for the delivery concern (account, contacts, sessions, conversations, messages, events). */
    public static final String STORAGE_DELIVERY = "parley.storage.delivery";

    /** Every request of the {@link DeliveryMessage} family (gateway → delivery). */
    public static final String DELIVERY_API = "parley.delivery.api";
    /** Published {@link DeliveryMessage.Event}s (delivery → gateway WebSockets). */
    public static final String DELIVERY_EVENTS = "parley.delivery.events";

    /** Request {@link RoutingMessage.SendEnvelope}, reply {@link RoutingMessage.SendResult}. */
    public static final String ROUTING_SEND = "parley.routing.send";
    /** Request {@link RoutingMessage.OpenInbox}, reply {@link RoutingMessage.InboxOpened}. */
    public static final String ROUTING_OPEN_INBOX = "parley.routing.inbox.open";
    /** Request {@link RoutingMessage.DescribeSelf}, reply {@link RoutingMessage.SelfDescriptor}. */
    public static final String ROUTING_SELF = "parley.routing.self";
    /** Request {@link RoutingMessage.InboundEnvelope} (from routing), any reply once durable. */
    public static final String DELIVERY_INBOUND = "parley.delivery.inbound";
    /** Request {@link RoutingMessage.LinkRpcOut}, any reply once queued. */
    public static final String ROUTING_LINK_RPC = "parley.routing.link.rpc";
    /** Request {@link RoutingMessage.IdentifyPeer}, reply {@link RoutingMessage.PeerIdentified}. */
    public static final String ROUTING_IDENTIFY = "parley.routing.link.identify";
    /** Message {@link DiscoveryMessage.LinkRpcIn} (sent by routing, no reply expected). */
    public static final String DISCOVERY_RPC_IN = "parley.discovery.rpc.in";
    /** Request {@link DiscoveryMessage.RelayQuery}, reply {@link DiscoveryMessage.RelayList}. */
    public static final String DISCOVERY_RELAYS = "parley.discovery.relays";
}
