package org.parley.verticles.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DeliveryMessage.Event;
import org.parley.core.bus.DeliveryMessage.Events;
import org.parley.core.bus.DeliveryMessage.EventsSince;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /v1/events}: a WebSocket of delivery events, resumable by cursor. The socket
 * subscribes to {@link Addresses#DELIVERY_EVENTS} first and buffers, then pages through
 * {@link EventsSince} from the client's cursor, then sends the buffered events it has not sent
 * yet: every event after the cursor arrives once, in cursor order, with no gap at the seam.
 *
 * <p>Authentication: {@code Authorization: Bearer} on the upgrade (checked by the gateway's
 * guard), or, for browsers, a first text frame {@code {"token": "...", "cursor": N}} within
 * {@link #AUTH_TIMEOUT_MS}; otherwise the socket is closed with code 4401.
 */
final class EventStream {
    /**
     * The event stream's first frame, {@code {"token": "...", "cursor": N}}, as read from the
     * client: malformed (not a JSON object), the token presented (null unless a string), the
     * cursor (the query's if the frame has none) or a bad cursor (present but not an integer >= 0).
     * Never throws: the frame comes from the network before any authentication.
     */
    record FirstFrame(boolean malformed, String token, Long cursor, boolean badCursor) {
        static FirstFrame parse(String text, Long queryCursor) {
            JsonObject f;
            try {
                f = new JsonObject(text);
            } catch (DecodeException | ClassCastException e) {
                return new FirstFrame(true, null, null, false);
            }
            String presented = f.getValue("token") instanceof String p ? p : null;
            Object c = f.getValue("cursor");
            if (c == null) return new FirstFrame(false, presented, queryCursor, false);
            if (c instanceof Number n && n.longValue() >= 0) return new FirstFrame(false, presented, n.longValue(), false);
            return new FirstFrame(false, presented, null, true);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
    static final int PAGE = 200;
    static final long AUTH_TIMEOUT_MS = 5_000;
    static final int MAX_BUFFERED = 10_000;
    static final short CLOSE_UNAUTHORIZED = 4401;
    static final short CLOSE_TRY_AGAIN = 1013;
    private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(10_000);

    private final Vertx vertx;
    private final GatewayToken token;

    EventStream(Vertx vertx, GatewayToken token) {
        this.vertx = vertx;
        this.token = token;
    }

    void handle(RoutingContext rc, boolean authenticated) {
        if (!rc.request().canUpgradeToWebSocket()) {
            Problems.send(rc, 400, "Bad Request", "/v1/events is a WebSocket: send an upgrade request");
            return;
        }
        String origin = rc.request().getHeader("Origin");
        if (origin != null && !sameOrigin(origin, rc.request().getHeader("Host"))) {
            Problems.send(rc, 403, "Forbidden", "WebSocket from another origin refused");
            return;
        }
        Long cursor;
        String q = rc.request().getParam("cursor");
        try {
            cursor = q == null ? null : Long.parseLong(q);
            if (cursor != null && cursor < 0) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            Problems.send(rc, 400, "Bad Request", "query parameter cursor must be an integer >= 0", "cursor");
            return;
        }
        rc.request().toWebSocket().onSuccess(ws -> {
            Session s = new Session(ws);
            if (authenticated) {
                s.start(cursor);
            } else {
                s.awaitAuth(cursor);
            }
        }).onFailure(e -> LOG.debug("WebSocket upgrade failed: {}", e.toString()));
    }

    static boolean sameOrigin(String origin, String host) {
        if (host == null) return false;
        try {
            URI u = URI.create(origin);
            String h = u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
            return h.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** One client's socket: auth, replay, seam, live. Runs on the gateway's event loop. */
    private final class Session {
        private final ServerWebSocket ws;
        private MessageConsumer<Event> consumer;
        private final List<Event> buffered = new ArrayList<>();
        private boolean live;
        private boolean started;
        private boolean closed;
        private long lastSent = -1;
        private long authTimer = -1;

        Session(ServerWebSocket ws) {
            this.ws = ws;
            ws.closeHandler(v -> cleanup());
            ws.exceptionHandler(e -> LOG.debug("WebSocket error: {}", e.getMessage()));
        }

        void awaitAuth(Long queryCursor) {
            authTimer = vertx.setTimer(AUTH_TIMEOUT_MS, t -> {
                if (!started) close(CLOSE_UNAUTHORIZED, "no token");
            });
            ws.textMessageHandler(text -> {
                if (started) return;
                vertx.cancelTimer(authTimer);
                FirstFrame f = FirstFrame.parse(text, queryCursor);
                if (f.malformed()) {
                    close(CLOSE_UNAUTHORIZED, "first frame must be {\"token\": ...}");
                } else if (f.token() == null || !token.matches(f.token())) {
                    close(CLOSE_UNAUTHORIZED, "missing or wrong token");
                } else if (f.badCursor()) {
                    close((short) 1008, "cursor must be an integer >= 0");
                } else {
                    start(f.cursor());
                }
            });
        }

        void start(Long cursor) {
            started = true;
            ws.textMessageHandler(text -> { /* clients send nothing after the start; ignored */ });
            consumer = vertx.eventBus().consumer(Addresses.DELIVERY_EVENTS, m -> onLive(m.body()));
            consumer.completion().onComplete(ar -> {
                if (closed) return;
                send(new JsonObject().put("type", "hello").put("cursor", cursor == null ? -1 : cursor));
                if (cursor == null) {
                    live = true;
                } else {
                    lastSent = cursor;
                    replay(cursor);
                }
            });
        }

        private void replay(long after) {
            if (closed) return;
            vertx.eventBus().<Object>request(Addresses.DELIVERY_API, new EventsSince(after, PAGE), TIMEOUT).onComplete(ar -> {
                if (closed) return;
                if (ar.failed() || !(ar.result().body() instanceof Events page)) {
                    String why = ar.failed() ? ar.cause().getMessage() : "unexpected reply";
                    send(new JsonObject().put("type", "error").put("detail", "cannot catch up: " + why));
                    close((short) 1011, "catch-up failed");
                    return;
                }
                for (Event e : page.events()) sendIfNew(e);
                if (page.events().size() >= PAGE) {
                    if (ws.writeQueueFull()) ws.drainHandler(v -> {
                        ws.drainHandler(null);
                        replay(lastSent);
                    });
                    else replay(lastSent);
                } else {
                    buffered.sort(Comparator.comparingLong(Event::cursor));
                    for (Event e : buffered) sendIfNew(e);
                    buffered.clear();
                    live = true;
                }
            });
        }

        private void onLive(Event e) {
            if (closed || e == null) return;
            if (!live) {
                if (buffered.size() >= MAX_BUFFERED) {
                    close(CLOSE_TRY_AGAIN, "too many events while catching up; reconnect with your cursor");
                } else {
                    buffered.add(e);
                }
                return;
            }
            if (ws.writeQueueFull()) {
                close(CLOSE_TRY_AGAIN, "client too slow; reconnect with your cursor");
                return;
            }
            sendIfNew(e);
        }

        private void sendIfNew(Event e) {
            if (e.cursor() <= lastSent) return;
            lastSent = e.cursor();
            send(DeliveryJson.event(e));
        }

        private void send(JsonObject o) {
            if (!closed) ws.writeTextMessage(o.encode());
        }

        private void close(short code, String reason) {
            if (closed) return;
            cleanup();
            ws.close(code, reason);
        }

        private void cleanup() {
            if (closed) return;
            closed = true;
            if (authTimer >= 0) vertx.cancelTimer(authTimer);
            if (consumer != null) consumer.unregister();
        }
    }
}
