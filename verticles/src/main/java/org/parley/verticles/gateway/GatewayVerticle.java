package org.parley.verticles.gateway;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.Ping;
import org.parley.core.bus.Probe;
import org.parley.core.bus.Status;
import org.parley.verticles.node.ConcernVerticle;
import org.parley.verticles.node.NodeContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The client gateway: HTTP on {@code gateway.host:gateway.port}. {@code /health} (liveness),
 * {@code /ready} (all five verticles answered, plus a probe through delivery and storage),
 * {@code /metrics} (Prometheus) — these three need no token; the /v1 API, the events WebSocket,
 * {@code /openapi.yaml} and the web page at {@code /} come from {@link ClientGateway}. A
 * relay-only node ({@code node.role=relay}) serves the three operator endpoints alone: no token,
 * no client API (nor the OpenAPI contract it is validated against), and /ready asks the four
 * verticles it runs.
 */
public final class GatewayVerticle extends ConcernVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
    private static final DeliveryOptions READY_TIMEOUT = new DeliveryOptions().setSendTimeout(2_000);
    private final GatewayLimits limits;
    private HttpServer server;

    public GatewayVerticle(NodeContext node) {
        super(Concern.GATEWAY, node);
        this.limits = new GatewayLimits(node.registry());
    }

    @Override
    protected Future<?> startConcern() {
        if (node.config().relayOnly()) {
            return listen(Router.router(vertx), false);
        }
        return vertx.executeBlocking(() -> {
                    warnIfExposed(node.config().gatewayHost());
                    return GatewayToken.loadOrCreate(node.config().dataDir(), new SecureRandom());
                })
                .compose(token -> ClientGateway.router(vertx, node, token, limits))
                .compose(router -> listen(router, true));
    }

    private Future<?> listen(Router router, boolean client) {
        router.get("/health").handler(rc -> json(rc, 200, new JsonObject().put("status", "UP")));
        router.get("/ready").handler(this::ready);
        if (node.registry() instanceof PrometheusMeterRegistry prom) {
            router.get("/metrics").handler(PrometheusScrapingHandler.create(prom));
        }
        if (client) ClientGateway.mountPage(router);
        router.route().last().handler(rc -> problem(rc, 404, "Not Found", "no such resource: " + rc.request().path()));
        router.route().failureHandler(rc -> {
            if (rc.statusCode() == 413) limits.hit(GatewayLimits.BODY_SIZE);
            rc.next();
        });
        router.route().failureHandler(Problems::fromFailure);
        server = vertx.createHttpServer(new HttpServerOptions()
                // HTTP/1.1 and WebSocket only (browsers speak h2 over TLS alone): without the h2c
                // sniffer the connection handler sees each connection at once, not after its first request
                .setHttp2ClearTextEnabled(false)
                .setHost(node.config().gatewayHost())
                .setPort(node.config().gatewayPort()));
        RequestDeadline deadline = new RequestDeadline(node.config().gatewayRequestTimeoutMs());
        server.connectionHandler(deadline::arm);
        server.requestHandler(req -> {
            deadline.onRequest(req);
            router.handle(req);
        });
        return server.listen().recover(e -> Future.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                "cannot listen for clients on " + node.config().gatewayHost() + ":" + node.config().gatewayPort()
                        + " (" + e.getMessage() + "); choose another --gateway-port or stop what uses it", e)));
    }

    private static void warnIfExposed(String host) {
        try {
            if (!InetAddress.getByName(host).isLoopbackAddress()) {
                LOG.warn("the client gateway binds {}, not loopback: anyone who can reach it and holds the token can read and send this node's messages",
                        host);
            }
        } catch (UnknownHostException e) {
            LOG.warn("gateway.host {} does not resolve: {}", host, e.getMessage());
        }
    }

    /**
     * The slowloris defence, one sweep every quarter timeout over the open connections. A
     * connection has {@code timeout} from its opening, and from the end of each answer, to send
     * its next request's headers (so idle keep-alive connections close too). While a request body
     * arrives, each {@code timeout} must bring at least {@link #MIN_PROGRESS_BYTES} more bytes or
     * the whole body (a large upload at any real speed passes; a trickle does not). Once the body
     * is in, the handler has as long as it needs (handlers time out on their own; downloads may
     * stream for long). A WebSocket upgrade leaves the sweep. Each close of a connection stalled
     * in or before its first request counts as a {@code request-timeout} limit hit; a served
     * keep-alive connection that idles out closes without one. Runs on the gateway's event loop.
     */
    private final class RequestDeadline {
        static final long MIN_PROGRESS_BYTES = 1024;
        private final long timeoutNanos;
        private final java.util.Map<io.vertx.core.http.HttpConnection, Watch> watched =
                new java.util.concurrent.ConcurrentHashMap<>();

        /** One connection: its current request (null between requests), and the phase's deadline. */
        private static final class Watch {
            io.vertx.core.http.HttpServerRequest request;
            long deadline;
            long bytesAtCheckpoint;
            boolean served;
        }

        RequestDeadline(long timeoutMs) {
            this.timeoutNanos = timeoutMs * 1_000_000L;
            vertx.setPeriodic(Math.max(25, timeoutMs / 4), id -> sweep());
        }

        void arm(io.vertx.core.http.HttpConnection conn) {
            Watch w = new Watch();
            w.deadline = System.nanoTime() + timeoutNanos;
            watched.put(conn, w);
            conn.closeHandler(v -> watched.remove(conn));
        }

        void onRequest(io.vertx.core.http.HttpServerRequest req) {
            io.vertx.core.http.HttpConnection conn = req.connection();
            if (req.canUpgradeToWebSocket()) {
                watched.remove(conn);
                return;
            }
            Watch w = watched.get(conn);
            if (w != null) {
                w.request = req;
                w.deadline = System.nanoTime() + timeoutNanos;
                w.bytesAtCheckpoint = req.bytesRead();
            }
        }

        private void sweep() {
            long now = System.nanoTime();
            for (var e : watched.entrySet()) {
                Watch w = e.getValue();
                io.vertx.core.http.HttpServerRequest r = w.request;
                if (r != null && (r.response().ended() || r.response().closed())) {
                    w.request = null; // answered: the next request's headers are due
                    w.served = true;
                    w.deadline = now + timeoutNanos;
                    continue;
                }
                if (r != null && r.isEnded()) continue; // body in, the handler is working
                if (now - w.deadline < 0) continue;
                if (r != null && r.bytesRead() - w.bytesAtCheckpoint >= MIN_PROGRESS_BYTES) {
                    w.bytesAtCheckpoint = r.bytesRead(); // the body is moving: next checkpoint
                    w.deadline = now + timeoutNanos;
                    continue;
                }
                if (watched.remove(e.getKey(), w)) {
                    // an idle keep-alive connection that was served closes quietly; a stalled one is counted
                    if (r != null || !w.served) {
                        limits.hit(GatewayLimits.REQUEST_TIMEOUT);
                        LOG.debug("closing a client connection that stalled {} a request", r == null ? "before" : "in the body of");
                    }
                    e.getKey().close();
                }
            }
        }

    }

    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    protected Future<?> stopConcern() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void ready(RoutingContext rc) {
        boolean relayOnly = node.config().relayOnly();
        List<Concern> asked = new ArrayList<>();
        List<Future<Status>> pings = new ArrayList<>();
        for (Concern c : Concern.values()) {
            if (relayOnly && c == Concern.DELIVERY) continue;
            asked.add(c);
            pings.add(vertx.eventBus().<Status>request(c.pingAddress(), new Ping(concern().id()), READY_TIMEOUT)
                    .map(m -> m.body()));
        }
        // the probe travels through delivery and storage; a relay-only node has no delivery
        Future<Probe> probe = relayOnly ? Future.succeededFuture(new Probe("relay", List.of(concern().id() + "@" + node.member())))
                : vertx.eventBus().<Probe>request(Addresses.DELIVERY_PROBE,
                new Probe(UUID.randomUUID().toString(), List.of(concern().id() + "@" + node.member())), READY_TIMEOUT)
                .map(m -> m.body());
        List<Future<?>> all = new ArrayList<>(pings);
        all.add(probe);
        Future.join(all).onComplete(ar -> {
            JsonObject body = new JsonObject();
            JsonArray concerns = new JsonArray();
            boolean ok = true;
            for (int i = 0; i < pings.size(); i++) {
                Future<Status> f = pings.get(i);
                JsonObject c = new JsonObject().put("concern", asked.get(i).id());
                if (f.succeeded()) {
                    String state = f.result().state();
                    c.put("state", state).put("member", f.result().member());
                    if (!"UP".equals(state)) {
                        ok = false;
                        c.put("reason", state.startsWith("NOT_READY: ") ? state.substring("NOT_READY: ".length()) : state);
                    }
                } else {
                    ok = false;
                    c.put("state", "DOWN").put("reason", f.cause().getMessage());
                }
                concerns.add(c);
            }
            body.put("concerns", concerns);
            if (probe.succeeded()) {
                body.put("probe", new JsonArray(probe.result().trail()));
            } else {
                ok = false;
                body.put("probe", "failed: " + probe.cause().getMessage());
            }
            body.put("ready", ok);
            json(rc, ok ? 200 : 503, body);
        });
    }

    static void json(RoutingContext rc, int status, JsonObject body) {
        rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }

    static void problem(RoutingContext rc, int status, String title, String detail) {
        rc.response().setStatusCode(status).putHeader("content-type", "application/problem+json")
                .end(new JsonObject().put("type", "about:blank").put("title", title).put("status", status)
                        .put("detail", detail).encode());
    }
}
