package org.parley.verticles.delivery;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import org.parley.core.Bytes;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.RoutingMessage;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.service.EnvelopeRouter;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link EnvelopeRouter} over the event bus: {@link Addresses#ROUTING_SEND} and
 * {@link Addresses#ROUTING_OPEN_INBOX}. An invite names a relay by id and address only; its
 * current onion key comes from the relay directory ({@link #learn}), empty if not known yet
 * (routing then looks it up itself).
 */
public final class BusEnvelopeRouter implements EnvelopeRouter {
    private final EventBus bus;
    private final int circuitHops;
    private final DeliveryOptions options;
    private final Map<String, Bytes> onionKeys = new ConcurrentHashMap<>();

    public BusEnvelopeRouter(EventBus bus, int circuitHops, long timeoutMillis) {
        this.bus = bus;
        this.circuitHops = circuitHops;
        this.options = new DeliveryOptions().setSendTimeout(timeoutMillis);
    }

    /** Remembers a relay's onion key (from a discovery RelayList). */
    public void learn(String nodeIdHex, Bytes onionKey) {
        onionKeys.put(nodeIdHex, onionKey);
    }

    private RoutingMessage.Hop hop(Invite.Relay relay) {
        String id = relay.nodeId().hex();
        return new RoutingMessage.Hop(id, relay.address(), onionKeys.getOrDefault(id, Bytes.EMPTY));
    }

    @Override
    public CompletionStage<SendOutcome> sendToInbox(Invite.Relay relay, InboxId inbox, MessageId messageId, Bytes envelope) {
        return bus.<RoutingMessage>request(Addresses.ROUTING_SEND,
                        new RoutingMessage.SendEnvelope(hop(relay), inbox.value(), messageId.value(), envelope, circuitHops), options)
                .map(m -> {
                    RoutingMessage.SendResult r = (RoutingMessage.SendResult) m.body();
                    return new SendOutcome(r.outcome(), r.path());
                })
                .recover(e -> io.vertx.core.Future.failedFuture(BusDeliveryStore.translate(e)))
                .toCompletionStage();
    }

    @Override
    public CompletionStage<List<String>> openInbox(Invite.Relay relay, InboxId inbox, Bytes authSeed) {
        return bus.<RoutingMessage>request(Addresses.ROUTING_OPEN_INBOX,
                        new RoutingMessage.OpenInbox(hop(relay), inbox.value(), authSeed, circuitHops), options)
                .map(m -> ((RoutingMessage.InboxOpened) m.body()).path())
                .recover(e -> io.vertx.core.Future.failedFuture(BusDeliveryStore.translate(e)))
                .toCompletionStage();
    }
}
