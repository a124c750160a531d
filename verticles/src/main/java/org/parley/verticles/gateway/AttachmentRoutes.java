package org.parley.verticles.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.parley.core.Bytes;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.AttachmentView;
import org.parley.delivery.service.DeliveryConfig;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * {@code POST /v1/attachments} and {@code GET /v1/attachments/{id}}. The upload is streamed: the
 * request is read in parts of {@link #PART} bytes, each handed to delivery (which encrypts and
 * stores it) before more is read, so memory stays bounded whatever the file size; past
 * {@code maxBytes} the upload is dropped with 413. The download reads the decrypted chunks one
 * by one from delivery and writes them with back-pressure. The body handler of the other /v1
 * routes leaves the upload alone ({@link #isStreamedUpload}).
 */
final class AttachmentRoutes {
    static final int PART = 256 * 1024;
    private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(30_000);
    private static final Set<String> DOWNLOADABLE = Set.of("received", "ready", "sending", "sent");

    private final Vertx vertx;
    private final long maxBytes;

    AttachmentRoutes(Vertx vertx, long maxBytes) {
        this.vertx = vertx;
        this.maxBytes = maxBytes;
    }

    AttachmentRoutes(Vertx vertx) {
        this(vertx, DeliveryConfig.DEFAULT_MAX_ATTACHMENT);
    }

    /** The upload request, whose body this class reads itself. */
    static boolean isStreamedUpload(RoutingContext rc) {
        return rc.request().method() == HttpMethod.POST && "/v1/attachments".equals(rc.normalizedPath());
    }

    @SuppressWarnings("unchecked")
    private <T> Future<T> ask(DeliveryMessage request, Class<T> type) {
        return vertx.eventBus().request(Addresses.DELIVERY_API, request, TIMEOUT).map(m -> {
            if (!type.isInstance(m.body())) throw new IllegalStateException("delivery answered " + m.body());
            return (T) m.body();
        });
    }

    void upload(RoutingContext rc) {
        HttpServerRequest req = rc.request();
        String length = req.getHeader("content-length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBytes) {
                    tooLarge(rc);
                    return;
                }
            } catch (NumberFormatException e) {
                Problems.send(rc, 400, "Bad Request", "Content-Length is not a number", "/content-length");
                return;
            }
        }
        String name = req.getParam("name");
        if (name != null && (name.isBlank() || name.length() > 255)) {
            Problems.send(rc, 400, "Bad Request", "name must be 1..255 characters", "/name");
            return;
        }
        String mime = req.getHeader("content-type");
        if (mime != null) mime = mime.split(";")[0].trim();
        req.pause();
        Upload u = new Upload(rc);
        ask(new DeliveryMessage.BeginAttachment(name, mime), DeliveryMessage.AttachmentReply.class).onComplete(ar -> {
            if (ar.failed()) {
                Problems.fromBus(rc, ar.cause());
                return;
            }
            u.id = ar.result().attachment().attachmentId();
            req.handler(u::data);
            req.endHandler(v -> u.end());
            req.exceptionHandler(e -> u.abort());
            req.resume();
        });
    }

    private final class Upload {
        final RoutingContext rc;
        String id;
        Buffer pending = Buffer.buffer();
        long total;
        boolean done;
        Future<?> chain = Future.succeededFuture();

        Upload(RoutingContext rc) {
            this.rc = rc;
        }

        void data(Buffer b) {
            if (done) return;
            total += b.length();
            if (total > maxBytes) {
                abort();
                tooLarge(rc);
                return;
            }
            pending.appendBuffer(b);
            if (pending.length() >= PART) flush();
        }

        void flush() {
            Bytes part = Bytes.wrap(pending.getBytes());
            pending = Buffer.buffer();
            rc.request().pause();
            chain = chain.compose(x -> ask(new DeliveryMessage.AttachmentPart(id, part), DeliveryMessage.Ok.class)).onComplete(ar -> {
                if (ar.failed()) fail(ar.cause());
                else if (!done) rc.request().resume();
            });
        }

        void end() {
            if (done) return;
            if (pending.length() > 0) {
                Bytes part = Bytes.wrap(pending.getBytes());
                pending = Buffer.buffer();
                chain = chain.compose(x -> ask(new DeliveryMessage.AttachmentPart(id, part), DeliveryMessage.Ok.class));
            }
            chain.compose(x -> ask(new DeliveryMessage.FinishAttachment(id), DeliveryMessage.AttachmentReply.class)).onComplete(ar -> {
                if (done) return;
                done = true;
                if (ar.failed()) {
                    Problems.fromBus(rc, ar.cause());
                } else {
                    rc.response().setStatusCode(201).putHeader("content-type", "application/json")
                            .end(DeliveryJson.attachment(ar.result().attachment()).encode());
                }
            });
        }

        void fail(Throwable e) {
            if (done) return;
            done = true;
            Problems.fromBus(rc, e);
            abortAtDelivery();
        }

        void abort() {
            if (done) return;
            done = true;
            abortAtDelivery();
        }

        private void abortAtDelivery() {
            if (id != null) vertx.eventBus().request(Addresses.DELIVERY_API, new DeliveryMessage.AbortAttachment(id), TIMEOUT);
        }
    }

    private void tooLarge(RoutingContext rc) {
        if (rc.response().ended()) return;
        rc.response().putHeader("connection", "close");
        Problems.send(rc, 413, "Content Too Large", "an attachment is at most " + maxBytes + " bytes");
    }

    void download(RoutingContext rc) {
        String id = rc.pathParam("id");
        ask(new DeliveryMessage.GetAttachment(id), DeliveryMessage.AttachmentReply.class).onComplete(ar -> {
            if (ar.failed()) {
                Problems.fromBus(rc, ar.cause());
                return;
            }
            AttachmentView a = ar.result().attachment();
            if (!DOWNLOADABLE.contains(a.status())) {
                Problems.send(rc, 409, "Conflict", "attachment " + id + " is " + a.status()
                        + (a.status().equals("failed") ? " (it did not pass its integrity check)" : "; try again once it is received"));
                return;
            }
            HttpServerResponse res = rc.response();
            res.putHeader("content-type", safeMime(a.mime()))
                    .putHeader("content-disposition", "attachment; filename*=UTF-8''" + URLEncoder.encode(a.name(), StandardCharsets.UTF_8).replace("+", "%20"))
                    .putHeader("content-length", Long.toString(a.size()));
            writeChunk(rc, id, 0);
        });
    }

    private void writeChunk(RoutingContext rc, String id, int index) {
        ask(new DeliveryMessage.ReadAttachmentChunk(id, index), DeliveryMessage.AttachmentChunk.class).onComplete(ar -> {
            HttpServerResponse res = rc.response();
            if (ar.failed()) {
                if (index == 0) Problems.fromBus(rc, ar.cause());
                else res.reset(); // headers are out: cut the connection rather than end a short file
                return;
            }
            DeliveryMessage.AttachmentChunk c = ar.result();
            res.write(Buffer.buffer(c.data().toArray()));
            if (index + 1 >= c.count()) {
                res.end();
            } else if (res.writeQueueFull()) {
                res.drainHandler(v -> writeChunk(rc, id, index + 1));
            } else {
                writeChunk(rc, id, index + 1);
            }
        });
    }

    /** The stored type if it is a plain {@code type/subtype}; the page serves nothing inline anyway. */
    static String safeMime(String mime) {
        return mime != null && mime.matches("[A-Za-z0-9.+-]{1,64}/[A-Za-z0-9.+-]{1,64}") ? mime : "application/octet-stream";
    }
}
