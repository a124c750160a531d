package org.parley.routing;

import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;
import org.parley.routing.circuit.CircuitBuilder;
import org.parley.routing.circuit.CircuitRelay;
import org.parley.routing.circuit.CircuitSwitch;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.client.EnvelopeSender;
import org.parley.routing.client.InboxSubscription;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.inbox.InboxRelay;
import org.parley.routing.inbox.InboxStore;
import org.parley.routing.link.LinkListener;
import org.parley.routing.link.Transport;

import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One node's routing layer, assembled: the link handler ({@link #linkListener()}, give it to the
 * transport, then {@link #attach} the transport), the relay role, the inbox relay role (if a store
 * is given), and the client side (circuit builder, envelope sender). Single-threaded: every call
 * and every transport callback on the routing thread.
 */
public final class RoutingNode {
    private final CircuitSwitch sw;
    private final CircuitRelay relay;
    private final CircuitBuilder builder;
    private final InboxRelay inbox;
    private final EnvelopeSender sender;
    private final Scheduler scheduler;
    private final RoutingConfig config;

    public RoutingNode(NodeId self, Supplier<List<OnionKeyPair>> onionKeys, InboxStore inboxStore,
                       RoutingConfig config, Clock clock, Scheduler scheduler, SecureRandom random) {
        this(self, onionKeys, inboxStore, config, clock, scheduler, random, RoutingMetrics.NONE);
    }

    /** As the other constructor, reporting circuit, cell and inbox events to {@code metrics}. */
    public RoutingNode(NodeId self, Supplier<List<OnionKeyPair>> onionKeys, InboxStore inboxStore,
                       RoutingConfig config, Clock clock, Scheduler scheduler, SecureRandom random,
                       RoutingMetrics metrics) {
        this.config = config;
        this.scheduler = scheduler;
        this.sw = new CircuitSwitch(random, config.maxCircuitsPerLink(), metrics, config.floodLimits(), clock);
        this.relay = new CircuitRelay(self, onionKeys, sw, config, clock, scheduler, random);
        this.builder = new CircuitBuilder(sw, config, clock, scheduler, random);
        this.inbox = inboxStore == null ? null : new InboxRelay(inboxStore, clock, InboxRelay.DEFAULT_MAX_IN_FLIGHT, metrics);
        if (inbox != null) relay.setLocalHandler(inbox);
        this.sender = new EnvelopeSender(builder, scheduler, clock, config.buildTimeoutMillis() * 2, EnvelopeSender.Reuse.defaults());
    }

    /** What the transport reports links, frames and closures to. */
    public LinkListener linkListener() {
        return sw;
    }

    public void attach(Transport transport) {
        sw.attach(transport);
    }

    public CircuitRelay relay() {
        return relay;
    }

    public CircuitBuilder circuits() {
        return builder;
    }

    public Optional<InboxRelay> inboxRelay() {
        return Optional.ofNullable(inbox);
    }

    public EnvelopeSender sender() {
        return sender;
    }

    /** Opens (and keeps open, rebuilding after loss) a registration for an inbox; see {@link InboxSubscription}. */
    public InboxSubscription subscribe(InboxSubscription.Params params, InboxSubscription.Listener listener) {
        return InboxSubscription.open(builder, scheduler, params, listener);
    }

    public CircuitSwitch circuitSwitch() {
        return sw;
    }

    public RoutingConfig config() {
        return config;
    }
}
