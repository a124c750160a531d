package org.parley.verticles.node;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.Probe;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.service.DeliveryConfig;
import org.parley.delivery.service.DeliveryService;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.delivery.BusDeliveryStore;
import org.parley.verticles.delivery.BusEnvelopeRouter;
import org.parley.verticles.delivery.MicrometerDeliveryMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * Delivery concern: wires {@link DeliveryService} to the bus. Serves every {@link DeliveryMessage}
 * request at {@link Addresses#DELIVERY_API}, publishes events on {@link Addresses#DELIVERY_EVENTS},
 * takes inbound envelopes at {@link Addresses#DELIVERY_INBOUND} (replying once durable), stores
 * through the storage verticle and sends through routing. Until an inbox relay is known (pinned
 * in {@code delivery.inbox-relays}, or 2 picked from discovery's relays with the inbox flag) the
 * status is "NOT_READY: no inbox relay yet" and requests fail with 503; it keeps asking, with backoff.
 */
public final class DeliveryVerticle extends ConcernVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryVerticle.class);
    private static final DeliveryOptions PROBE_TIMEOUT = new DeliveryOptions().setSendTimeout(5_000);
    private static final DeliveryOptions DISCOVERY_TIMEOUT = new DeliveryOptions().setSendTimeout(5_000);
    static final String NOT_READY = "NOT_READY: no inbox relay yet";

    private final SecureRandom random = new SecureRandom();
    private DeliveryService service;
    private BusEnvelopeRouter router;
    private BusDeliveryStore store;
    private DeliveryConfig config;
    private MicrometerDeliveryMetrics metrics;
    private VertxScheduler scheduler;
    private long retryTimer = -1;
    /**
     * A new account's inboxes live at the relays picked at its first start, for good (until inboxes
     * can move): one picked while discovery knew a single relay leaves the user unreachable when that
     * relay dies. So a first start waits up to this long for {@code inboxRelays} of them to be known.
     */
    static final long INBOX_RELAY_PATIENCE_MS = 15_000;
    private long firstTryAt;
    static final long TOP_UP_EVERY_MS = 10_000;
    private long topUpTimer = -1;
    private int attempts;
    private String lastProblem = "";

    public DeliveryVerticle(NodeContext node) {
        super(Concern.DELIVERY, node);
    }

    @Override
    protected Future<?> startConcern() {
        firstTryAt = System.currentTimeMillis();
        this.<Probe>consumer(Addresses.DELIVERY_PROBE, msg -> {
            Probe here = msg.body().visit(concern().id(), node.member());
            vertx.eventBus().<Probe>request(Addresses.STORAGE_PROBE, here, PROBE_TIMEOUT)
                    .onSuccess(reply -> msg.reply(reply.body()))
                    .onFailure(e -> msg.fail(503, "storage did not answer the probe: " + e.getMessage()));
        });
        NodeConfig cfg = node.config();
        try {
            config = deliveryConfig(cfg);
            pinned(cfg.deliveryInboxRelays());
        } catch (ParleyException e) {
            return Future.failedFuture(e);
        }
        scheduler = new VertxScheduler(context);
        metrics = new MicrometerDeliveryMetrics(node.registry());
        store = new BusDeliveryStore(vertx.eventBus(), 30_000);
        router = new BusEnvelopeRouter(vertx.eventBus(), cfg.deliverySendHops(), cfg.deliveryInboxHops(),
                config.storedTimeoutMillis() + 5_000);
        this.<DeliveryMessage>consumer(Addresses.DELIVERY_API, this::api);
        this.<RoutingMessage>consumer(Addresses.DELIVERY_INBOUND, this::inbound);
        tryStart();
        return Future.succeededFuture();
    }

    /** The delivery service's settings from the node's: name, TTL, read receipts, cover loops (the rest defaults). */
    public static DeliveryConfig deliveryConfig(NodeConfig cfg) {
        DeliveryConfig config = DeliveryConfig.defaults(cfg.deliveryName()).withTtl(cfg.deliveryTtlSeconds() * 1000L);
        if (!cfg.deliveryReadReceipts()) {
            config = new DeliveryConfig(config.displayName(), config.ttlMillis(), false, config.storedTimeoutMillis(),
                    config.receiptTimeoutMillis(), config.retryBaseMillis(), config.retryMaxMillis(), config.receiptBatchMillis(),
                    config.reorderWaitMillis(), config.inviteValidityMillis(), config.inboxRelays());
        }
        return config.withCoverLoops(cfg.deliveryCoverLoopsPerDay());
    }

    private void api(Message<DeliveryMessage> msg) {
        if (service == null) {
            msg.fail(FailureCodes.of(ParleyException.Kind.UNAVAILABLE), NOT_READY);
            return;
        }
        service.handle(msg.body()).whenComplete((reply, e) -> {
            if (e == null) msg.reply(reply);
            else fail(msg, e);
        });
    }

    private void inbound(Message<RoutingMessage> msg) {
        if (!(msg.body() instanceof RoutingMessage.InboundEnvelope env)) {
            msg.fail(FailureCodes.of(ParleyException.Kind.MALFORMED_INPUT), "not an InboundEnvelope");
            return;
        }
        if (service == null) {
            msg.fail(FailureCodes.of(ParleyException.Kind.UNAVAILABLE), NOT_READY);
            return;
        }
        service.onInbound(env.envelope(), env.path()).whenComplete((v, e) -> {
            if (e == null) msg.reply(new DeliveryMessage.Ok());
            else fail(msg, e);
        });
    }

    private static void fail(Message<?> msg, Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        ParleyException.Kind kind = c instanceof ParleyException pe ? pe.kind() : ParleyException.Kind.INTERNAL;
        msg.fail(FailureCodes.of(kind), String.valueOf(c.getMessage()));
    }

    /** Finds inbox relays and starts the service; retries with backoff until it runs. */
    private void tryStart() {
        retryTimer = -1;
        inboxRelays().onComplete(ar -> {
            List<Invite.Relay> relays = ar.succeeded() ? ar.result() : List.of();
            DeliveryService candidate = new DeliveryService(config, store, router,
                    e -> vertx.eventBus().publish(Addresses.DELIVERY_EVENTS, e), Clock.system(), scheduler, random, metrics);
            candidate.start(relays).whenComplete((v, e) -> {
                if (e == null) {
                    service = candidate;
                    attempts = 0;
                    LOG.info("delivery ready");
                    topUpLater(candidate);
                    return;
                }
                candidate.stop();
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                lastProblem = String.valueOf(c.getMessage());
                long delay = Math.min(30_000, 500L << Math.min(attempts++, 6));
                LOG.debug("delivery not started ({}); retrying in {} ms", lastProblem, delay);
                retryTimer = vertx.setTimer(delay, t -> tryStart());
            });
        });
    }

    /** The pinned relays, or up to 2 random inbox relays from discovery (others first; ourselves only if alone). */
    private Future<List<Invite.Relay>> inboxRelays() {
        List<Invite.Relay> pinned = pinned(node.config().deliveryInboxRelays());
        if (!pinned.isEmpty()) return Future.succeededFuture(pinned);
        return knownInboxRelays().map(known -> {
            List<Invite.Relay> out = new ArrayList<>(known.subList(0, Math.min(config.inboxRelays(), known.size())));
            if (out.size() < config.inboxRelays() && System.currentTimeMillis() - firstTryAt < INBOX_RELAY_PATIENCE_MS) {
                // an existing account does not use the list; a new one waits a little for a second relay
                return List.<Invite.Relay>of();
            }
            return out;
        });
    }

    /** Every inbox relay discovery knows, in random order (others first; ourselves last). */
    private Future<List<Invite.Relay>> knownInboxRelays() {
        return vertx.eventBus().<DiscoveryMessage>request(Addresses.DISCOVERY_RELAYS, new DiscoveryMessage.RelayQuery(256), DISCOVERY_TIMEOUT)
                .map(m -> {
                    List<DiscoveryMessage.RelayInfo> inbox = new ArrayList<>();
                    for (DiscoveryMessage.RelayInfo r : ((DiscoveryMessage.RelayList) m.body()).relays()) {
                        router.learn(r.nodeId(), r.onionKey());
                        if (r.inbox()) inbox.add(r);
                    }
                    Collections.shuffle(inbox, random);
                    String self = node.identity().nodeId().hex();
                    inbox.sort((a, b) -> Boolean.compare(a.nodeId().equals(self), b.nodeId().equals(self)));
                    List<Invite.Relay> out = new ArrayList<>();
                    for (DiscoveryMessage.RelayInfo r : inbox) out.add(new Invite.Relay(NodeId.fromHex(r.nodeId()), r.address()));
                    return out;
                });
    }

    /** While our request inbox has fewer relays than wanted (an account made while few were known), take more as they appear. */
    private void topUpLater(DeliveryService s) {
        if (!pinned(node.config().deliveryInboxRelays()).isEmpty() || s.inboxRelayCount() >= config.inboxRelays()) return;
        topUpTimer = vertx.setTimer(TOP_UP_EVERY_MS, t -> knownInboxRelays()
                .onSuccess(known -> s.topUpInboxRelays(known).whenComplete((added, e) -> {
                    if (service == s) topUpLater(s);
                }))
                .onFailure(e -> {
                    if (service == s) topUpLater(s);
                }));
    }

    static List<Invite.Relay> pinned(List<String> specs) {
        List<Invite.Relay> out = new ArrayList<>();
        for (String s : specs) {
            int at = s.lastIndexOf('@');
            if (at <= 0 || s.length() - at - 1 != 64) {
                throw new ParleyException(ParleyException.Kind.CONFIG, "delivery.inbox-relays: '" + s + "' is not host:port@nodeid (64 hex)");
            }
            try {
                out.add(new Invite.Relay(NodeId.fromHex(s.substring(at + 1)), s.substring(0, at)));
            } catch (RuntimeException e) {
                throw new ParleyException(ParleyException.Kind.CONFIG, "delivery.inbox-relays: bad node id in '" + s + "'");
            }
        }
        return out;
    }

    @Override
    protected Future<?> stopConcern() {
        if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
        if (topUpTimer >= 0) vertx.cancelTimer(topUpTimer);
        if (service != null) service.stop();
        return Future.succeededFuture();
    }

    @Override
    protected String state() {
        // The verticle serves (relay-only nodes never need an inbox); until the account has its
        // inbox relays the API answers 503 and the status says why.
        return "UP";
    }

    @Override
    protected Map<String, String> details() {
        return service != null ? Map.of("account", "ready") : Map.of("account", NOT_READY, "problem", lastProblem);
    }
}
