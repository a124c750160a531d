package org.parley.verticles.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.Clock;
import org.parley.routing.RoutingNode;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.circuit.FloodLimits;
import org.parley.verticles.config.NodeConfig;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.client.CoverTraffic;
import org.parley.routing.client.InboxSubscription;
import org.parley.routing.crypto.OnionKeyRing;
import org.parley.routing.path.PathSelector;
import org.parley.routing.path.RelayCandidate;
import org.parley.verticles.link.TlsLinkTransport;
import org.parley.verticles.routing.BusInboxStore;
import org.parley.verticles.routing.FileGuardStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Routing concern, a thin assembly of the routing module's {@link RoutingNode}: TLS peer links,
 * the relay and inbox-relay roles (envelopes stored through the storage verticle), and the
 * client side served on the bus — {@link Addresses#ROUTING_SEND} (deliver an envelope to an inbox
 * over a circuit picked by {@link PathSelector} from discovery's relay directory) and
 * {@link Addresses#ROUTING_OPEN_INBOX} (keep an inbound circuit registered at an inbox relay and
 * hand pushed envelopes to delivery, ACKing each once delivery says it is durable). Also carries
 * discovery's link-level RPCs.
 */
public final class RoutingVerticle extends ConcernVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingVerticle.class);
    private static final long INBOX_TTL_MS = TimeUnit.DAYS.toMillis(7);
    private static final long DIRECTORY_REFRESH_MS = 2_000;
    /** How long a link whose DHT RPCs pass the per-peer rate is not read. */
    static final long RPC_FLOOD_PAUSE_MS = 100;
    private static final DeliveryOptions INBOUND_TIMEOUT = new DeliveryOptions().setSendTimeout(30_000);

    private final SecureRandom random = new SecureRandom();
    private TlsLinkTransport transport;
    private RoutingNode routing;
    private PathSelector selector;
    /**
     * Onion keys rotate weekly; the previous key is still accepted for a day (descriptors live 3 h and
     * are re-published within 10 min of a rotation, so every client has the new key long before).
     */
    static final long ONION_KEY_LIFETIME_MS = 7 * 86_400_000L, ONION_KEY_OVERLAP_MS = 86_400_000L;
    private OnionKeyRing onionKeys;
    private volatile List<RelayCandidate> directory = List.of();
    /** Inbox registrations by (inbox id, inbox relay): one inbox is held at several relays, each with its own circuit. */
    private final Map<String, Subscription> inboxes = new HashMap<>();
    private long directoryTimer = -1;
    private CoverTraffic coverTraffic;
    private Timer buildTimer;
    private Counter inboundDown;
    private Counter sendFailures;

    public RoutingVerticle(NodeContext node) {
        super(Concern.ROUTING, node);
    }

    /** One registration; requests that arrive while it is being (re)built wait in {@code waiters}. */
    private static final class Subscription {
        InboxSubscription subscription;
        List<String> path = List.of();
        RelayCandidate relay;
        final List<Message<RoutingMessage.OpenInbox>> waiters = new ArrayList<>();
    }

    /** The directory's entry for this relay (newest onion key), else the one given. */
    private RelayCandidate current(RelayCandidate relay) {
        for (RelayCandidate c : directory) {
            if (c.id().equals(relay.id()) && !c.onionKey().equals(relay.onionKey())) {
                return new RelayCandidate(relay.id(), relay.address(), c.onionKey(), relay.familyName(), relay.family(),
                        relay.bandwidth(), relay.flags());
            }
        }
        return relay;
    }

    /** The routing layer's limits from the config: flood limits and the {@code routing.max-*} resource limits. */
    public static RoutingConfig routingConfig(NodeConfig c) {
        return RoutingConfig.defaults().withFloodLimits(floodLimits(c))
                .withResourceLimits(c.routingMaxQueuedCells(), c.routingMaxMessageBytes(), c.routingMaxCircuitsPerLink());
    }

    /** The peer links' limits from the config ({@code routing.max-links}, {@code handshake-timeout-ms}, {@code max-link-queue-bytes}, the accept rate). */
    public static TlsLinkTransport.Limits linkLimits(NodeConfig c) {
        return new TlsLinkTransport.Limits(c.routingHandshakeTimeoutMs(), c.routingMaxLinks(), c.routingMaxLinkQueueBytes(),
                acceptLimits(c));
    }

    /** Which inbound peer connections get a TLS handshake ({@code routing.link-accepts-per-source-rate}, burst 5x). */
    public static org.parley.routing.link.AcceptLimits acceptLimits(NodeConfig c) {
        return org.parley.routing.link.AcceptLimits.perSourceRate(c.routingLinkAcceptsPerSourceRate());
    }

    /**
     * The relay's flood limits from the {@code routing.*} keys: each burst is 4x its rate, and links are
     * never closed for flooding (a reconnect's TLS handshake costs more than the refusals; see FloodLimits).
     */
    public static FloodLimits floodLimits(NodeConfig c) {
        return new FloodLimits(c.routingCreate2PerLinkRate(), Math.max(1, 4 * c.routingCreate2PerLinkRate()),
                c.routingDeliverPerCircuitRate(), Math.max(1, 4 * c.routingDeliverPerCircuitRate()),
                c.routingDeliverPerLinkRate(), Math.max(1, 4 * c.routingDeliverPerLinkRate()),
                c.routingFloodCloseCircuitAfter(), 0);
    }

    @Override
    protected Future<?> startConcern() {
        RoutingConfig config = routingConfig(node.config());
        VertxScheduler scheduler = new VertxScheduler(context);
        // kept in the data directory across restarts, as Tor does: clients with our descriptor can build through us at once
        onionKeys = new OnionKeyRing(Clock.system(), random, ONION_KEY_LIFETIME_MS, ONION_KEY_OVERLAP_MS,
                new org.parley.verticles.routing.FileOnionKeyStore(node.config().dataDir().resolve("onion-keys")));
        routing = new RoutingNode(node.identity().nodeId(), onionKeys::keys, new BusInboxStore(vertx, INBOX_TTL_MS),
                config, Clock.system(), scheduler, random, new org.parley.verticles.routing.MicrometerRoutingMetrics(node.registry()));
        transport = new TlsLinkTransport(vertx, node.identity(), routing.linkListener(), node.registry(), 300,
                linkLimits(node.config()));
        routing.attach(transport);
        selector = new PathSelector(new FileGuardStore(node.config().dataDir().resolve("guards")), random,
                PathSelector.DEFAULT_PRIMARY_GUARDS, node.config().routingDistinctSubnets(), Clock.system(),
                PathSelector.GuardPolicy.defaults());
        routing.circuits().setFirstHopObserver(selector::firstHopResult);
        meters();

        // DHT RPCs go to discovery within a per-peer rate; the rest are dropped here, before the bus,
        // so a flooding peer cannot queue work between routing's and discovery's loops without bound,
        // and its link is not read for a while, so it cannot keep this loop busy decrypting them either
        org.parley.verticles.discovery.BusDhtTransport.Forwarder dht = new org.parley.verticles.discovery.BusDhtTransport.Forwarder(
                vertx, Addresses.DISCOVERY_RPC_IN, () -> transport.countLimitHit("rpc-rate"));
        transport.setRpcListener(linkRpcs(transport, dht));
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
                        node.config().peerHost() + ":" + transport.actualPort(), onionKeys.current().publicKey())));
        this.<RoutingMessage.SendEnvelope>consumer(Addresses.ROUTING_SEND, this::send);
        this.<RoutingMessage.OpenInbox>consumer(Addresses.ROUTING_OPEN_INBOX, this::openInbox);

        directoryTimer = vertx.setPeriodic(10, DIRECTORY_REFRESH_MS, t -> refreshDirectory());
        int cover = node.config().routingCoverCellsPerMinute();
        if (cover > 0) {
            int hops = node.config().deliverySendHops();
            coverTraffic = new CoverTraffic(routing.circuits(), scheduler, random, cover,
                    () -> selector.select(directory.stream().filter(c -> !c.id().equals(node.identity().nodeId())).toList(), hops)
                            .stream().map(RelayCandidate::hop).toList(),
                    routing.circuitSwitch()::cellsSent);
            coverTraffic.start();
            LOG.info("cover traffic on: {} cell slots a minute", cover);
        }
        return transport.listen(node.config().peerHost(), node.config().peerPort());
    }

    private void meters() {
        Gauge.builder("parley.routing.circuits.open", this, v -> v.routing.relay().openCircuits() + v.routing.sender().openCircuits())
                .description("circuits open at this node: relayed plus own client circuits").register(node.registry());
        Gauge.builder("parley.routing.inbox.registered", this, v -> v.routing.inboxRelay().map(i -> i.registeredCount()).orElse(0))
                .description("inboxes with a live recipient circuit at this inbox relay").register(node.registry());
        Gauge.builder("parley.routing.relays.known", this, v -> v.directory.size())
                .description("relays in the directory path selection uses").register(node.registry());
        buildTimer = Timer.builder("parley.routing.send").description("time from a send request until the inbox relay answered")
                .publishPercentileHistogram().register(node.registry());
        inboundDown = Counter.builder("parley.routing.inbox.circuit.down")
                .description("times an inbound (inbox registration) circuit went down and was rebuilt").register(node.registry());
        sendFailures = Counter.builder("parley.routing.send.failures")
                .description("envelope sends that failed (no path, refused, timed out)").register(node.registry());
    }

    private void refreshDirectory() {
        vertx.eventBus().<DiscoveryMessage.RelayList>request(Addresses.DISCOVERY_RELAYS, new DiscoveryMessage.RelayQuery(1000),
                        new DeliveryOptions().setSendTimeout(5_000))
                .onSuccess(reply -> {
                    List<RelayCandidate> fresh = new ArrayList<>();
                    for (DiscoveryMessage.RelayInfo r : reply.body().relays()) {
                        try {
                            fresh.add(candidate(r));
                        } catch (RuntimeException e) {
                            LOG.debug("skipping an unusable relay entry: {}", e.getMessage());
                        }
                    }
                    directory = List.copyOf(fresh);
                })
                .onFailure(e -> LOG.debug("relay directory not available yet: {}", e.getMessage()));
    }

    static RelayCandidate candidate(DiscoveryMessage.RelayInfo r) {
        Set<RelayCandidate.Flag> flags = EnumSet.noneOf(RelayCandidate.Flag.class);
        if (r.guard()) flags.add(RelayCandidate.Flag.GUARD);
        if (r.inbox()) flags.add(RelayCandidate.Flag.INBOX);
        return new RelayCandidate(NodeId.fromHex(r.nodeId()), r.address(), r.onionKey(), r.family(), Set.of(),
                Math.max(1, r.bandwidth()), flags);
    }

    static RelayCandidate candidate(RoutingMessage.Hop h) {
        return new RelayCandidate(NodeId.fromHex(h.nodeId()), h.address(), h.onionKey(), "", Set.of(), 1,
                Set.of(RelayCandidate.Flag.INBOX));
    }

    /** A path of {@code hops} relays ending at {@code last}; fails UNAVAILABLE when the directory is too small. */
    private List<HopSpec> path(RelayCandidate last, int hops) {
        if (hops < 1 || hops > 4) throw ParleyException.malformed("circuitHops must be 1..4, got " + hops);
        // a relay never extends a circuit to itself: leave this node out of its own paths
        List<RelayCandidate> others = directory.stream().filter(c -> !c.id().equals(node.identity().nodeId())).toList();
        return selector.select(others, hops, last).stream().map(RelayCandidate::hop).toList();
    }

    private void send(Message<RoutingMessage.SendEnvelope> msg) {
        RoutingMessage.SendEnvelope s = msg.body();
        long start = System.nanoTime();
        List<HopSpec> path;
        try {
            // the directory's onion key wins over the caller's (relays rotate keys; a restarted relay has a new one)
            path = path(current(candidate(s.inboxRelay())), s.circuitHops());
        } catch (ParleyException e) {
            sendFailures.increment();
            msg.fail(FailureCodes.of(e.kind()), e.getMessage());
            return;
        }
        routing.sender().send(path, s.inboxId(), s.messageId(), s.envelope()).whenComplete((sent, e) -> {
            if (e != null) {
                sendFailures.increment();
                replyOrFail(msg, null, e);
                return;
            }
            buildTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            msg.reply(new RoutingMessage.SendResult(sent.outcome().name(), sent.path().stream().map(NodeId::hex).toList()));
        });
    }

    private void openInbox(Message<RoutingMessage.OpenInbox> msg) {
        RoutingMessage.OpenInbox o = msg.body();
        String key = o.inboxId().hex() + "@" + o.inboxRelay().nodeId();
        Subscription existing = inboxes.get(key);
        if (existing != null) {
            try {
                existing.relay = candidate(o.inboxRelay()); // the caller may know a newer onion key
            } catch (RuntimeException e) {
                msg.fail(FailureCodes.of(ParleyException.Kind.MALFORMED_INPUT), "bad inbox relay: " + e.getMessage());
                return;
            }
            // up: answer now; still building (or rebuilding after a loss): answer when it registers
            if (existing.subscription.isUp() && !existing.path.isEmpty()) {
                msg.reply(new RoutingMessage.InboxOpened(o.inboxId(), existing.path));
            } else {
                if (existing.waiters.size() >= 16) existing.waiters.remove(0).fail(FailureCodes.of(ParleyException.Kind.UNAVAILABLE), "superseded");
                existing.waiters.add(msg);
            }
            return;
        }
        RelayCandidate relay;
        NodeIdentity auth;
        try {
            relay = candidate(o.inboxRelay());
            auth = NodeIdentity.fromSeed(o.authSeed());
            path(relay, o.circuitHops()); // fail now, not in the background, if no path exists
        } catch (ParleyException e) {
            msg.fail(FailureCodes.of(e.kind()), e.getMessage());
            return;
        }
        Subscription sub = new Subscription();
        sub.relay = relay;
        sub.waiters.add(msg);
        inboxes.put(key, sub);
        // every (re)build takes the relay's onion key from the directory when it has one (relays rotate keys on restart)
        sub.subscription = routing.subscribe(new InboxSubscription.Params(() -> path(current(sub.relay), o.circuitHops()), o.inboxId(), auth, 1_000),
                new InboxSubscription.Listener() {
                    @Override
                    public void onEstablished(long pending, List<NodeId> ids) {
                        sub.path = ids.stream().map(NodeId::hex).toList();
                        for (Message<RoutingMessage.OpenInbox> w : sub.waiters) w.reply(new RoutingMessage.InboxOpened(o.inboxId(), sub.path));
                        sub.waiters.clear();
                    }

                    @Override
                    public void onEnvelope(Bytes messageId, Bytes envelope) {
                        handOver(sub.subscription, new RoutingMessage.InboundEnvelope(o.inboxId(), messageId, envelope, sub.path), 0);
                    }

                    @Override
                    public void onError(InboxErrorKind kind) {
                        ParleyException pe = org.parley.routing.client.EnvelopeSender.toException(kind);
                        for (Message<RoutingMessage.OpenInbox> w : sub.waiters) w.fail(FailureCodes.of(pe.kind()), pe.getMessage());
                        sub.waiters.clear();
                        if (kind == InboxErrorKind.UNAUTHORIZED) {
                            // the relay holds this inbox under another key: the subscription closed itself for good
                            LOG.warn("inbox relay {} refused an inbox registration as unauthorized; not retrying it",
                                    o.inboxRelay().nodeId().substring(0, 8));
                            inboxes.remove(key, sub);
                        }
                    }

                    @Override
                    public void onDown(DestroyReason reason) {
                        sub.path = List.of();
                        inboundDown.increment();
                        LOG.debug("inbound circuit down ({}); rebuilding", reason);
                    }
                });
    }

    /**
     * Hands a pushed envelope to delivery and ACKs it to the relay once delivery has it durably.
     * The relay does not push an un-ACKed envelope again while this registration lives, so a
     * refusal (delivery still starting, storage busy) is retried here with backoff.
     */
    private void handOver(InboxSubscription sub, RoutingMessage.InboundEnvelope env, int attempt) {
        vertx.eventBus().request(Addresses.DELIVERY_INBOUND, env, INBOUND_TIMEOUT)
                .onSuccess(r -> sub.ack(env.messageId()))
                .onFailure(e -> {
                    if (attempt >= 12 || !sub.isUp()) {
                        LOG.debug("delivery did not take an envelope; the relay pushes it again on the next registration: {}", e.getMessage());
                        return;
                    }
                    vertx.setTimer(Math.min(30_000, 250L << attempt), t -> handOver(sub, env, attempt + 1));
                });
    }

    /**
     * The link-RPC listener of a node: each DHT RPC goes to discovery through {@code dht} (its
     * per-peer rate); one past the rate is dropped and the sender's link is not read for
     * {@link #RPC_FLOOD_PAUSE_MS}.
     */
    public static TlsLinkTransport.AddressedRpcListener linkRpcs(TlsLinkTransport transport,
                                                                 org.parley.verticles.discovery.BusDhtTransport.Forwarder dht) {
        return (from, remoteIp, rpc) -> {
            if (!dht.forward(from, remoteIp, rpc)) transport.pauseReading(from, RPC_FLOOD_PAUSE_MS);
        };
    }

    static void replyOrFail(Message<?> msg, Object reply, Throwable e) {
        if (e == null) {
            msg.reply(reply);
            return;
        }
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
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
        return onionKeys.current().publicKey();
    }

    @Override
    protected Future<?> stopConcern() {
        if (directoryTimer >= 0) vertx.cancelTimer(directoryTimer);
        if (coverTraffic != null) coverTraffic.stop();
        inboxes.values().forEach(s -> s.subscription.close());
        routing.sender().closeAll();
        return transport == null ? Future.succeededFuture() : transport.close();
    }

    @Override
    protected Map<String, String> details() {
        return Map.of("peerPort", String.valueOf(actualPort()),
                "relayedCircuits", String.valueOf(routing == null ? 0 : routing.relay().openCircuits()),
                "relaysKnown", String.valueOf(directory.size()),
                "inboxesOpen", String.valueOf(inboxes.size()));
    }
}
