package org.parley.verticles.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.ValidatedRequest;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DeliveryMessage;

import java.util.function.Consumer;

/**
 * The /v1/devices routes: list this account's devices, approve a link code (primary), unlink
 * (primary), and make a link code (new device). Each is one {@link DeliveryMessage} request.
 */
final class DeviceRoutes {
    private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(10_000);
    private final Vertx vertx;

    DeviceRoutes(Vertx vertx) {
        this.vertx = vertx;
    }

    void bind(RouterBuilder rb) {
        on(rb, "listDevices", rc -> ask(rc, new DeliveryMessage.ListDevices(), DeliveryMessage.Devices.class, d -> ok(rc, 200, json(d))));
        on(rb, "linkDevice", rc -> ask(rc, linkDevice(body(rc)),
                DeliveryMessage.Devices.class,
                d -> ok(rc, 201, json(d))));
        on(rb, "beginLink", rc -> ask(rc, beginLink(body(rc)), DeliveryMessage.LinkCode.class,
                c -> ok(rc, 201, new JsonObject().put("code", c.code()).put("expiresAt", c.expiresAtMillis()))));
        on(rb, "unlinkDevice", rc -> {
            ValidatedRequest v = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            String id = v.getPathParameters().get("id").getString();
            ask(rc, new DeliveryMessage.UnlinkDevice(id), DeliveryMessage.Devices.class, d -> ok(rc, 200, json(d)));
        });
    }

    /** The validated linkDevice body as a delivery request (static, so GatewayBodyFuzzTest can drive it). */
    static DeliveryMessage.LinkDevice linkDevice(JsonObject b) {
        return new DeliveryMessage.LinkDevice(b.getString("code"), b.getInteger("history", 0));
    }

    /** The validated beginLink body as a delivery request. */
    static DeliveryMessage.BeginLink beginLink(JsonObject b) {
        return new DeliveryMessage.BeginLink(b.getString("name"));
    }

    static JsonObject json(DeliveryMessage.Devices d) {
        JsonArray list = new JsonArray();
        for (DeliveryMessage.DeviceView v : d.devices()) {
            list.add(new JsonObject().put("id", v.deviceId()).put("name", v.name()).put("addedAt", v.addedAtMillis())
                    .put("removedAt", v.removedAtMillis()).put("current", v.current()).put("primary", v.primary()));
        }
        return new JsonObject().put("role", d.role()).put("linking", d.linking()).put("version", d.version()).put("devices", list);
    }

    private static void on(RouterBuilder rb, String operationId, io.vertx.core.Handler<RoutingContext> h) {
        var route = rb.getRoute(operationId);
        if (route == null) throw new IllegalStateException("openapi.yaml lacks operation " + operationId);
        route.setDoSecurity(false); // the gateway's own guard authenticates every /v1 request first
        route.addHandler(h);
    }

    private <R> void ask(RoutingContext rc, DeliveryMessage request, Class<R> replyType, Consumer<R> onReply) {
        vertx.eventBus().<Object>request(Addresses.DELIVERY_API, request, TIMEOUT).onComplete(ar -> {
            if (ar.failed()) {
                Problems.fromBus(rc, ar.cause());
            } else if (!replyType.isInstance(ar.result().body())) {
                Problems.send(rc, 502, "Bad Gateway", "delivery answered " + (ar.result().body() == null ? "nothing"
                        : ar.result().body().getClass().getSimpleName()) + " where " + replyType.getSimpleName() + " was expected");
            } else {
                try {
                    onReply.accept(replyType.cast(ar.result().body()));
                } catch (RuntimeException e) {
                    rc.fail(e);
                }
            }
        });
    }

    private static JsonObject body(RoutingContext rc) {
        ValidatedRequest v = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
        return ClientApi.bodyOf(v.getBody());
    }

    private static void ok(RoutingContext rc, int status, JsonObject body) {
        rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
}
