package org.parley.verticles.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.AddContact;
import org.parley.core.bus.DeliveryMessage.ChangeGroup;
import org.parley.core.bus.DeliveryMessage.ContactReply;
import org.parley.core.bus.DeliveryMessage.Contacts;
import org.parley.core.bus.DeliveryMessage.ConversationReply;
import org.parley.core.bus.DeliveryMessage.Conversations;
import org.parley.core.bus.DeliveryMessage.CreateGroup;
import org.parley.core.bus.DeliveryMessage.GetMe;
import org.parley.core.bus.DeliveryMessage.ListContacts;
import org.parley.core.bus.DeliveryMessage.ListConversations;
import org.parley.core.bus.DeliveryMessage.ListMessages;
import org.parley.core.bus.DeliveryMessage.MarkRead;
import org.parley.core.bus.DeliveryMessage.Me;
import org.parley.core.bus.DeliveryMessage.MessageReply;
import org.parley.core.bus.DeliveryMessage.Messages;
import org.parley.core.bus.DeliveryMessage.SendText;
import org.parley.core.bus.Ping;
import org.parley.core.bus.Status;
import org.parley.core.ParleyException;
import org.parley.delivery.service.DeliveryService;
import org.parley.verticles.node.NodeContext;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The /v1 REST handlers: each turns a validated request into one {@link DeliveryMessage} request
 * on {@link Addresses#DELIVERY_API} and the reply into JSON. No state of its own.
 */
final class ClientApi {
    static final String VERSION = "0.1.0";
    private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(10_000);
    private static final DeliveryOptions PING_TIMEOUT = new DeliveryOptions().setSendTimeout(2_000);

    private final Vertx vertx;
    private final NodeContext node;

    ClientApi(Vertx vertx, NodeContext node) {
        this.vertx = vertx;
        this.node = node;
    }

    /** Attaches a handler to every operation of the contract (except the WebSocket, see {@link EventStream}). */
    void bind(RouterBuilder rb) {
        on(rb, "getMe", rc -> ask(rc, new GetMe(), Me.class, me -> ok(rc, 200, DeliveryJson.me(me))));
        on(rb, "getMeQr", rc -> ask(rc, new GetMe(), Me.class, me -> {
            String svg;
            try {
                svg = QrSvg.of(me.invite());
            } catch (ParleyException e) {
                Problems.send(rc, 422, Problems.title(422), e.getMessage());
                return;
            }
            rc.response().putHeader("content-type", "image/svg+xml").putHeader("cache-control", "no-store").end(svg);
        }));
        on(rb, "getNode", this::node);
        on(rb, "listContacts", rc -> ask(rc, new ListContacts(), Contacts.class, r ->
                ok(rc, 200, new JsonObject().put("contacts", array(r.contacts(), DeliveryJson::contact)))));
        on(rb, "addContact", rc -> ask(rc, addContact(body(rc)), ContactReply.class,
                r -> ok(rc, 201, DeliveryJson.contact(r.contact()))));
        on(rb, "listConversations", rc -> ask(rc, new ListConversations(), Conversations.class, r ->
                ok(rc, 200, new JsonObject().put("conversations", array(r.conversations(), DeliveryJson::conversation)))));
        on(rb, "listMessages", rc -> {
            ValidatedRequest v = validated(rc);
            long before = longParam(v.getQuery().get("before"), 0);
            int limit = (int) longParam(v.getQuery().get("limit"), 50);
            ask(rc, new ListMessages(pathId(rc), before, limit), Messages.class, r ->
                    ok(rc, 200, new JsonObject().put("messages", array(r.messages(), DeliveryJson::message))));
        });
        on(rb, "sendMessage", rc -> {
            DeliveryMessage request;
            try {
                request = sendMessage(pathId(rc), body(rc));
            } catch (ParleyException e) {
                Problems.send(rc, 400, "Bad Request", e.getMessage(), "/text");
                return;
            }
            ask(rc, request, MessageReply.class, r -> ok(rc, 202, DeliveryJson.message(r.message())));
        });
        new DeviceRoutes(vertx).bind(rb);
        AttachmentRoutes attachments = new AttachmentRoutes(vertx);
        on(rb, "uploadAttachment", attachments::upload);
        rb.getRoute("uploadAttachment").setDoValidation(false); // the body is the file, streamed; AttachmentRoutes checks the rest
        on(rb, "downloadAttachment", attachments::download);
        on(rb, "markRead", rc -> ask(rc, markRead(pathId(rc), body(rc)), DeliveryMessage.class,
                r -> rc.response().setStatusCode(204).end()));
        on(rb, "createGroup", rc -> ask(rc, createGroup(body(rc)), ConversationReply.class,
                r -> ok(rc, 201, DeliveryJson.conversation(r.conversation()))));
        on(rb, "changeGroupMembers", rc -> ask(rc, changeGroupMembers(pathId(rc), body(rc)),
                ConversationReply.class, r -> ok(rc, 200, DeliveryJson.conversation(r.conversation()))));
        on(rb, "addGroupAdmins", rc -> ask(rc, addGroupAdmins(pathId(rc), body(rc)),
                ConversationReply.class, r -> ok(rc, 200, DeliveryJson.conversation(r.conversation()))));
        on(rb, "removeGroupAdmin", rc -> ask(rc, new DeliveryMessage.RemoveGroupAdmins(pathId(rc),
                List.of(validated(rc).getPathParameters().get("contactId").getString())),
                ConversationReply.class, r -> ok(rc, 200, DeliveryJson.conversation(r.conversation()))));
        on(rb, "rotateInbox", rc -> {
            DeliveryMessage.RotateInbox request;
            try {
                request = rotateInbox(body(rc));
            } catch (ParleyException e) {
                Problems.send(rc, 400, "Bad Request", e.getMessage(), "/invite");
                return;
            }
            boolean invite = DeliveryService.INVITE_INBOX.equals(request.contactId());
            ask(rc, request, DeliveryMessage.InboxesRotated.class, r -> {
                JsonObject out = new JsonObject().put("inboxes", array(r.inboxes(), DeliveryJson::rotatedInbox));
                if (!invite) ok(rc, 200, out);
                else ask(rc, new GetMe(), Me.class, me -> ok(rc, 200, out.put("invite", me.invite()))); // the new link
            });
        });
    }

    // ---- validated JSON body -> delivery request (static, so GatewayBodyFuzzTest can drive them) ----
    // A body the contract accepts but the API refuses is a MALFORMED_INPUT (the handler answers 400).

    static AddContact addContact(JsonObject b) {
        return new AddContact(b.getString("invite"), b.getString("name"));
    }

    static DeliveryMessage sendMessage(String conversationId, JsonObject b) {
        List<String> files = strings(b.getJsonArray("attachments"));
        String text = b.getString("text");
        if (!files.isEmpty()) return new DeliveryMessage.SendAttachments(conversationId, text, files);
        if (text == null || text.isEmpty()) throw ParleyException.malformed("text must not be empty (unless attachments are sent)");
        return new SendText(conversationId, text);
    }

    static MarkRead markRead(String conversationId, JsonObject b) {
        return new MarkRead(conversationId, b.getString("upTo"));
    }

    static CreateGroup createGroup(JsonObject b) {
        return new CreateGroup(b.getString("name"), strings(b.getJsonArray("members")));
    }

    static ChangeGroup changeGroupMembers(String conversationId, JsonObject b) {
        return new ChangeGroup(conversationId, strings(b.getJsonArray("add")), strings(b.getJsonArray("remove")));
    }

    static DeliveryMessage.AddGroupAdmins addGroupAdmins(String conversationId, JsonObject b) {
        return new DeliveryMessage.AddGroupAdmins(conversationId, strings(b.getJsonArray("add")));
    }

    static DeliveryMessage.RotateInbox rotateInbox(JsonObject b) {
        boolean invite = Boolean.TRUE.equals(b.getBoolean("invite"));
        if (invite && b.getString("contactId") != null) {
            throw ParleyException.malformed("either the invite's inbox or a contact's inbox moves, not both");
        }
        return new DeliveryMessage.RotateInbox(invite ? DeliveryService.INVITE_INBOX : b.getString("contactId"));
    }

    /** The validated body as the handlers read it: an absent or null body is an empty object. */
    static JsonObject bodyOf(RequestParameter b) {
        return b == null || b.isNull() ? new JsonObject() : b.getJsonObject();
    }

    private static void on(RouterBuilder rb, String operationId, io.vertx.core.Handler<RoutingContext> h) {
        OpenAPIRoute route = rb.getRoute(operationId);
        if (route == null) throw new IllegalStateException("openapi.yaml lacks operation " + operationId);
        route.setDoSecurity(false); // the gateway's own guard authenticates every /v1 request first
        route.addHandler(h);
    }

    private void node(RoutingContext rc) {
        List<Future<Status>> pings = new ArrayList<>();
        for (Concern c : Concern.values()) {
            pings.add(vertx.eventBus().<Status>request(c.pingAddress(), new Ping(Concern.GATEWAY.id()), PING_TIMEOUT).map(m -> m.body()));
        }
        Future.join(pings).onComplete(ar -> {
            JsonArray verticles = new JsonArray();
            for (int i = 0; i < pings.size(); i++) {
                Future<Status> f = pings.get(i);
                JsonObject v = new JsonObject().put("concern", Concern.values()[i].id());
                if (f.succeeded()) v.put("state", f.result().state()).put("member", f.result().member());
                else v.put("state", "DOWN");
                verticles.add(v);
            }
            ok(rc, 200, new JsonObject().put("nodeId", node.identity().nodeId().hex()).put("member", node.member())
                    .put("version", VERSION).put("verticles", verticles));
        });
    }

    /** Sends {@code request} to delivery; a reply of the wrong type is a 502, a failure maps by its code. */
    private <R> void ask(RoutingContext rc, DeliveryMessage request, Class<R> replyType, java.util.function.Consumer<R> onReply) {
        vertx.eventBus().<Object>request(Addresses.DELIVERY_API, request, TIMEOUT).onComplete(ar -> {
            if (ar.failed()) {
                Problems.fromBus(rc, ar.cause());
            } else if (!replyType.isInstance(ar.result().body())) {
                Problems.send(rc, 502, "Bad Gateway", "delivery answered " + typeName(ar.result().body())
                        + " where " + replyType.getSimpleName() + " was expected");
            } else {
                try {
                    onReply.accept(replyType.cast(ar.result().body()));
                } catch (RuntimeException e) {
                    rc.fail(e);
                }
            }
        });
    }

    private static String typeName(Object o) {
        return o == null ? "nothing" : o.getClass().getSimpleName();
    }

    private static void ok(RoutingContext rc, int status, JsonObject body) {
        rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }

    private static ValidatedRequest validated(RoutingContext rc) {
        return rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    }

    private static JsonObject body(RoutingContext rc) {
        return bodyOf(validated(rc).getBody());
    }

    private static String pathId(RoutingContext rc) {
        return validated(rc).getPathParameters().get("id").getString();
    }

    private static long longParam(RequestParameter p, long def) {
        if (p == null || p.isNull()) return def;
        Object v = p.get();
        return v instanceof Number n ? n.longValue() : Long.parseLong(v.toString());
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        if (a != null) for (Object o : a) out.add((String) o);
        return out;
    }

    private static <T> JsonArray array(List<T> items, Function<T, JsonObject> f) {
        JsonArray a = new JsonArray();
        if (items != null) for (T t : items) a.add(f.apply(t));
        return a;
    }
}
