package org.parley.verticles.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import org.parley.core.ParleyException;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.NodeContext;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The client side of the gateway: the /v1 API generated from {@code openapi.yaml} (every request
 * validated against it), the events WebSocket, {@code /openapi.yaml} itself and the web page at
 * {@code /}. A guard in front of every /v1 request checks the bearer token and the per-token rate
 * limit; a body handler enforces {@code gateway.max-body-bytes}. No CORS headers are ever sent.
 */
public final class ClientGateway {
    static final String AUTHENTICATED = "parley.authenticated";
    private static final String CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final Vertx vertx;
    private final NodeContext node;
    private final GatewayToken token;
    private final RateLimiter limiter;
    private final RateLimiter failures;
    private final EventStream events;
    private final String openApiText;
    private final GatewayLimits limits;

    private ClientGateway(Vertx vertx, NodeContext node, GatewayToken token, String openApiText, GatewayLimits limits) {
        this.vertx = vertx;
        this.limits = limits;
        this.node = node;
        this.token = token;
        this.openApiText = openApiText;
        NodeConfig c = node.config();
        this.limiter = new RateLimiter(c.gatewayRateLimit(), c.gatewayRateBurst(), System::nanoTime);
        this.failures = new RateLimiter(c.gatewayRateLimit(), c.gatewayRateBurst(), System::nanoTime);
        this.events = new EventStream(vertx, token);
    }

    /** Reads the contract and builds the router; {@code token} is already loaded. */
    public static Future<Router> router(Vertx vertx, NodeContext node, GatewayToken token) {
        return router(vertx, node, token, new GatewayLimits(node.registry()));
    }

    /** As {@link #router(Vertx, NodeContext, GatewayToken)}, counting 429s on {@code limits}. */
    public static Future<Router> router(Vertx vertx, NodeContext node, GatewayToken token, GatewayLimits limits) {
        String text;
        JsonObject json;
        try {
            text = resource("openapi.yaml");
            json = parse(text);
        } catch (IOException e) {
            return Future.failedFuture(new ParleyException(ParleyException.Kind.INTERNAL, "openapi.yaml is unreadable: " + e.getMessage(), e));
        }
        ClientGateway g = new ClientGateway(vertx, node, token, text, limits);
        return OpenAPIContract.from(vertx, requestSide(json)).map(g::build);
    }

    /** The request validator's contract, loaded as {@link #router} loads it (for GatewayBodyFuzzTest). */
    static Future<OpenAPIContract> requestContract(Vertx vertx) {
        try {
            return OpenAPIContract.from(vertx, requestSide(parse(resource("openapi.yaml"))));
        } catch (IOException e) {
            return Future.failedFuture(new ParleyException(ParleyException.Kind.INTERNAL, "openapi.yaml is unreadable: " + e.getMessage(), e));
        }
    }

    private static JsonObject parse(String yaml) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = new ObjectMapper(new YAMLFactory()).readValue(yaml, Map.class);
        return new JsonObject(map);
    }

    /**
     * The contract as the request validator gets it: the same paths, parameters and bodies, with
     * the response media types left out (vertx-openapi refuses image/svg+xml and
     * application/problem+json there, and validates requests only). /openapi.yaml serves the whole.
     */
    static JsonObject requestSide(JsonObject contract) {
        JsonObject copy = contract.copy();
        JsonObject paths = copy.getJsonObject("paths", new JsonObject());
        for (String p : paths.fieldNames()) {
            JsonObject item = paths.getJsonObject(p);
            for (String method : item.fieldNames()) {
                if (item.getValue(method) instanceof JsonObject op && op.getValue("responses") instanceof JsonObject rs) {
                    for (String code : rs.fieldNames()) rs.put(code, new JsonObject().put("description", "see /openapi.yaml"));
                }
            }
        }
        JsonObject components = copy.getJsonObject("components");
        if (components != null) components.remove("responses");
        return copy;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = ClientGateway.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IOException(name + " missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Router build(OpenAPIContract contract) {
        RouterBuilder rb = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
        // both run before the body is read (Vert.x orders root handlers by kind: security policy, then body)
        rb.rootHandler((SecurityPolicyHandler) this::headers);
        rb.rootHandler((SecurityPolicyHandler) this::guard);
        BodyHandler body = BodyHandler.create(false).setBodyLimit(node.config().gatewayMaxBodyBytes());
        // Vert.x 5's BodyHandler would read (and so spoil) a WebSocket upgrade: skip those
        rb.rootHandler((SecurityPolicyHandler) rc -> {
            if (rc.request().canUpgradeToWebSocket() || AttachmentRoutes.isStreamedUpload(rc)) rc.next(); // uploads stream their body
            else body.handle(rc);
        });
        new ClientApi(vertx, node).bind(rb);
        OpenAPIRoute ws = rb.getRoute("events");
        ws.setDoValidation(false).setDoSecurity(false); // an upgrade has no body; EventStream checks the cursor itself
        ws.addHandler(rc -> events.handle(rc, Boolean.TRUE.equals(rc.get(AUTHENTICATED))));
        Router router = rb.createRouter();
        router.get("/openapi.yaml").handler(rc -> rc.response().putHeader("content-type", "application/yaml; charset=utf-8").end(openApiText));
        return router;
    }

    /** The web page's static files; mount after every other route. */
    public static void mountPage(Router router) {
        router.get("/*").handler(StaticHandler.create("web").setCachingEnabled(false).setDefaultContentEncoding("UTF-8"));
    }

    private void headers(RoutingContext rc) {
        rc.response().putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Frame-Options", "DENY");
        if (rc.normalizedPath().startsWith("/v1")) rc.response().putHeader("Cache-Control", "no-store");
        rc.next();
    }

    private void guard(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (!path.equals("/v1") && !path.startsWith("/v1/")) {
            rc.next();
            return;
        }
        String auth = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
        String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        String remote = rc.request().remoteAddress() == null ? "?" : rc.request().remoteAddress().hostAddress();
        if (!token.matches(presented)) {
            boolean wsFirstFrame = presented == null && path.equals("/v1/events") && rc.request().canUpgradeToWebSocket();
            if (!failures.tryAcquire(remote)) {
                tooMany(rc, failures, remote);
                return;
            }
            if (wsFirstFrame) {
                rc.put(AUTHENTICATED, false);
                rc.next();
                return;
            }
            rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"parley\"");
            Problems.send(rc, 401, "Unauthorized", presented == null
                    ? "send Authorization: Bearer <token> (the token is in <data-dir>/gateway.token)"
                    : "wrong token");
            return;
        }
        if (!limiter.tryAcquire(presented)) {
            tooMany(rc, limiter, presented);
            return;
        }
        rc.put(AUTHENTICATED, true);
        rc.next();
    }

    private void tooMany(RoutingContext rc, RateLimiter l, String key) {
        limits.hit(GatewayLimits.RATE);
        rc.response().putHeader("Retry-After", Long.toString(l.retryAfterSeconds(key)));
        Problems.send(rc, 429, "Too Many Requests", "rate limit exceeded; slow down");
    }
}
