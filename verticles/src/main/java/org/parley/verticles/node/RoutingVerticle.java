package org.parley.verticles.node;

import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.parley.routing.circuit.CircuitBuilder;
import org.parley.routing.circuit.CircuitRelay;
import org.parley.routing.circuit.CircuitSwitch;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.link.Link;
import org.parley.routing.link.LinkListener;
import org.parley.verticles.link.TlsLinkTransport;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

/**
 * Routing concern: owns the peer links (TLS), the circuit switch, the relay role and (later)
 * client circuits. Carries link-level RPCs for discovery: {@link Addresses#ROUTING_LINK_RPC} out,
 * {@link Addresses#DISCOVERY_RPC_IN} in, {@link Addresses#ROUTING_IDENTIFY}.
 */
public final class RoutingVerticle extends ConcernVerticle {
    private final SecureRandom random = new SecureRandom();
    private TlsLinkTransport transport;
    private CircuitSwitch circuitSwitch;
    private CircuitRelay relay;
    private CircuitBuilder builder;
    private volatile OnionKeyPair onionKey;

    public RoutingVerticle(NodeContext node) {
        super(Concern.ROUTING, node);
    }

    @Override
    protected Future<?> startConcern() {
        RoutingConfig config = RoutingConfig.defaults();
        VertxScheduler scheduler = new VertxScheduler(context);
        Clock clock = Clock.system();
        onionKey = OnionKeyPair.generate(random);
        // the switch is the transport's listener, and needs the transport: break the cycle with a forwarder
        ForwardingListener forward = new ForwardingListener();
        transport = new TlsLinkTransport(vertx, node.identity(), forward, node.registry(), 300);
        circuitSwitch = new CircuitSwitch(transport, random, config.maxCircuitsPerLink());
        forward.target = circuitSwitch;
        relay = new CircuitRelay(node.identity().nodeId(), () -> List.of(onionKey), circuitSwitch, config, clock, scheduler, random);
        builder = new CircuitBuilder(circuitSwitch, config, clock, scheduler, random);
        Gauge.builder("parley.routing.circuits.open", relay, CircuitRelay::openCircuits)
                .description("circuits this node relays").register(node.registry());

        transport.setRpcListener((from, rpc) -> vertx.eventBus().send(Addresses.DISCOVERY_RPC_IN,
                new DiscoveryMessage.LinkRpcIn(from.hex(), rpc)));
        this.<RoutingMessage.LinkRpcOut>consumer(Addresses.ROUTING_LINK_RPC, msg -> {
            RoutingMessage.LinkRpcOut out = msg.body();
            transport.sendRpc(NodeId.fromHex(out.peerNodeId()), out.address(), out.rpc())
                    .whenComplete((v, e) -> replyOrFail(msg, "queued", e));
        });
        this.<RoutingMessage.IdentifyPeer>consumer(Addresses.ROUTING_IDENTIFY, msg ->
                transport.identify(msg.body().address()).whenComplete((key, e) -> replyOrFail(msg,
                        e == null ? new RoutingMessage.PeerIdentified(NodeId.ofIdentityKey(key).hex(), key) : null, e)));
        this.<RoutingMessage.DescribeSelf>consumer(Addresses.ROUTING_SELF, msg ->
                msg.reply(new RoutingMessage.SelfDescriptor(node.identity().nodeId().hex(),
                        node.config().peerHost() + ":" + transport.actualPort(), onionKey.publicKey())));
        return transport.listen(node.config().peerHost(), node.config().peerPort());
    }

    static void replyOrFail(io.vertx.core.eventbus.Message<?> msg, Object reply, Throwable e) {
        if (e == null) {
            msg.reply(reply);
            return;
        }
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ParleyException pe) {
            msg.fail(FailureCodes.of(pe.kind()), pe.getMessage());
        } else {
            msg.fail(FailureCodes.of(ParleyException.Kind.INTERNAL), String.valueOf(cause));
        }
    }

    public int actualPort() {
        return transport == null ? -1 : transport.actualPort();
    }

    public Bytes onionPublicKey() {
        return onionKey.publicKey();
    }

    @Override
    protected Future<?> stopConcern() {
        return transport == null ? Future.succeededFuture() : transport.close();
    }

    @Override
    protected Map<String, String> details() {
        return Map.of("peerPort", String.valueOf(actualPort()),
                "relayedCircuits", String.valueOf(relay == null ? 0 : relay.openCircuits()));
    }

    private static final class ForwardingListener implements LinkListener {
        volatile LinkListener target;

        @Override
        public void onLinkOpened(Link link) {
            target.onLinkOpened(link);
        }

        @Override
        public void onFrame(Link link, Bytes frame) {
            target.onFrame(link, frame);
        }

        @Override
        public void onLinkClosed(Link link) {
            target.onLinkClosed(link);
        }
    }
}
