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
 * {@code /openapi.yaml} and the web page at {@code /} come from {@link ClientGateway}.
 */
public final class GatewayVerticle extends ConcernVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
    private static final DeliveryOptions READY_TIMEOUT = new DeliveryOptions().setSendTimeout(2_000);
    private HttpServer server;

    public GatewayVerticle(NodeContext node) {
        super(Concern.GATEWAY, node);
    }

    @Override
    protected Future<?> startConcern() {
        return vertx.executeBlocking(() -> {
                    warnIfExposed(node.config().gatewayHost());
                    return GatewayToken.loadOrCreate(node.config().dataDir(), new SecureRandom());
                })
                .compose(token -> ClientGateway.router(vertx, node, token))
                .compose(this::listen);
    }

    private Future<?> listen(Router router) {
        router.get("/health").handler(rc -> json(rc, 200, new JsonObject().put("status", "UP")));
        router.get("/ready").handler(this::ready);
        if (node.registry() instanceof PrometheusMeterRegistry prom) {
            router.get("/metrics").handler(PrometheusScrapingHandler.create(prom));
        }
        ClientGateway.mountPage(router);
        router.route().last().handler(rc -> problem(rc, 404, "Not Found", "no such resource: " + rc.request().path()));
        router.route().failureHandler(Problems::fromFailure);
        server = vertx.createHttpServer(new HttpServerOptions()
                .setHost(node.config().gatewayHost())
                .setPort(node.config().gatewayPort()));
        server.requestHandler(router);
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

    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    protected Future<?> stopConcern() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void ready(RoutingContext rc) {
        List<Future<Status>> pings = new ArrayList<>();
        for (Concern c : Concern.values()) {
            pings.add(vertx.eventBus().<Status>request(c.pingAddress(), new Ping(concern().id()), READY_TIMEOUT)
                    .map(m -> m.body()));
        }
        Future<Probe> probe = vertx.eventBus().<Probe>request(Addresses.DELIVERY_PROBE,
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
                JsonObject c = new JsonObject().put("concern", Concern.values()[i].id());
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
