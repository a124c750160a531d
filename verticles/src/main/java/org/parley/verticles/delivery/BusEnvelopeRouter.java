package org.parley.verticles.delivery;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import org.parley.core.Bytes;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DiscoveryMessage;
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
 * current onion key comes from the relay directory: learnt from discovery's relay lists, and
 * asked for again ({@link Addresses#DISCOVERY_RELAYS}) when a relay is not known or its key is
 * older than {@link #KEY_MAX_AGE_MILLIS} (onion keys rotate).
 */
public final class BusEnvelopeRouter implements EnvelopeRouter {
    private final EventBus bus;
    private final int sendHops;
    private final int inboxHops;
    private final DeliveryOptions options;
    static final long KEY_MAX_AGE_MILLIS = 10 * 60_000;
    private final Map<String, Bytes> onionKeys = new ConcurrentHashMap<>();
    private volatile long learntAt;

    /** {@code sendHops}: circuits to a contact's inbox relay; {@code inboxHops}: circuits to our own inbox relays. */
    public BusEnvelopeRouter(EventBus bus, int sendHops, int inboxHops, long timeoutMillis) {
        this.bus = bus;
        this.sendHops = sendHops;
        this.inboxHops = inboxHops;
        this.options = new DeliveryOptions().setSendTimeout(timeoutMillis);
    }

    /** Remembers a relay's onion key (from a discovery RelayList). */
    public void learn(String nodeIdHex, Bytes onionKey) {
        onionKeys.put(nodeIdHex, onionKey);
        learntAt = System.currentTimeMillis();
    }

    private io.vertx.core.Future<RoutingMessage.Hop> hop(Invite.Relay relay) {
        String id = relay.nodeId().hex();
        Bytes key = onionKeys.get(id);
        if (key != null && System.currentTimeMillis() - learntAt < KEY_MAX_AGE_MILLIS) {
            return io.vertx.core.Future.succeededFuture(new RoutingMessage.Hop(id, relay.address(), key));
        }
        return bus.<DiscoveryMessage>request(Addresses.DISCOVERY_RELAYS, new DiscoveryMessage.RelayQuery(1000), options)
                .map(m -> {
                    for (DiscoveryMessage.RelayInfo r : ((DiscoveryMessage.RelayList) m.body()).relays()) learn(r.nodeId(), r.onionKey());
                    return null;
                })
                .otherwiseEmpty()
                .map(x -> new RoutingMessage.Hop(id, relay.address(), onionKeys.getOrDefault(id, Bytes.EMPTY)));
    }

    @Override
    public CompletionStage<SendOutcome> sendToInbox(Invite.Relay relay, InboxId inbox, MessageId messageId, Bytes envelope) {
        return hop(relay).compose(hop -> bus.<RoutingMessage>request(Addresses.ROUTING_SEND,
                        new RoutingMessage.SendEnvelope(hop, inbox.value(), messageId.value(), envelope, sendHops), options))
                .map(m -> {
                    RoutingMessage.SendResult r = (RoutingMessage.SendResult) m.body();
                    return new SendOutcome(r.outcome(), r.path());
                })
                .recover(e -> io.vertx.core.Future.failedFuture(BusDeliveryStore.translate(e)))
                .toCompletionStage();
    }

    @Override
    public CompletionStage<List<String>> openInbox(Invite.Relay relay, InboxId inbox, Bytes authSeed) {
        return hop(relay).compose(hop -> bus.<RoutingMessage>request(Addresses.ROUTING_OPEN_INBOX,
                        new RoutingMessage.OpenInbox(hop, inbox.value(), authSeed, inboxHops), options))
                .map(m -> ((RoutingMessage.InboxOpened) m.body()).path())
                .recover(e -> io.vertx.core.Future.failedFuture(BusDeliveryStore.translate(e)))
                .toCompletionStage();
    }
}
