package org.parley.verticles.gateway;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import org.parley.core.ParleyException;

/** RFC 9457 problem details for every gateway error. */
final class Problems {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Problems.class);
    private Problems() {}

    static void send(RoutingContext rc, int status, String title, String detail) {
        send(rc, status, title, detail, null);
    }

    static void send(RoutingContext rc, int status, String title, String detail, String field) {
        if (rc.response().ended() || rc.response().headWritten()) return;
        JsonObject body = new JsonObject().put("type", "about:blank").put("title", title).put("status", status).put("detail", detail);
        if (field != null) body.put("field", field);
        rc.response().setStatusCode(status).putHeader("content-type", "application/problem+json").end(body.encode());
    }

    /** What a failed routing context (validation, body size, a handler's exception) becomes. */
    static void fromFailure(RoutingContext rc) {
        Throwable f = rc.failure();
        int status = rc.statusCode();
        ValidatorException ve = validation(f);
        if (ve != null) {
            String field = field(ve);
            String detail = ve.getMessage();
            if (field != null && !detail.contains(field)) detail = detail + " (at " + field + ")";
            send(rc, 400, "Bad Request", detail, field);
            return;
        }
        if (f instanceof HttpException he) status = he.getStatusCode();
        if (f instanceof ParleyException pe) {
            status = org.parley.core.bus.FailureCodes.of(pe.kind());
        }
        if (status < 400) status = 500;
        if (status >= 500) LOG.error("{} {} failed", rc.request().method(), rc.request().path(), f);
        String detail = switch (status) {
            case 413 -> "request body too large";
            case 404 -> "no such resource: " + rc.request().path();
            case 405 -> "method " + rc.request().method() + " not allowed on " + rc.request().path();
            case 500 -> "internal error";
            default -> f != null && f.getMessage() != null ? f.getMessage() : "request failed";
        };
        if (f instanceof ParleyException pe) detail = pe.getMessage();
        send(rc, status, title(status), detail);
    }

    /** A failed bus request to delivery, as the HTTP status and text the client sees. */
    static void fromBus(RoutingContext rc, Throwable e) {
        if (e instanceof ReplyException re) {
            if (re.failureType() == ReplyFailure.NO_HANDLERS) {
                send(rc, 503, title(503), "the delivery service is not running on this node");
            } else if (re.failureType() == ReplyFailure.TIMEOUT) {
                send(rc, 504, title(504), "the delivery service did not answer in time");
            } else {
                int code = re.failureCode();
                if (code < 400 || code > 599) code = 500;
                send(rc, code, title(code), re.getMessage() == null ? title(code) : re.getMessage());
            }
        } else {
            send(rc, 500, title(500), "internal error");
        }
    }

    static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> status >= 500 ? "Internal Server Error" : "Error";
        };
    }

    private static ValidatorException validation(Throwable f) {
        for (Throwable t = f; t != null; t = t.getCause()) {
            if (t instanceof ValidatorException ve) return ve;
        }
        return null;
    }

    /** The JSON pointer of the first leaf error of a schema failure ("/text"), or the parameter's name. */
    static String field(ValidatorException ve) {
        if (ve instanceof SchemaValidationException sve && sve.getOutputUnit() != null) {
            String loc = deepest(sve.getOutputUnit());
            if (loc != null) {
                if (loc.startsWith("#")) loc = loc.substring(1);
                return loc.isEmpty() ? "/" : loc;
            }
        }
        return null;
    }

    private static String deepest(OutputUnit u) {
        if (u.getErrors() != null) {
            for (OutputUnit e : u.getErrors()) {
                String d = deepest(e);
                if (d != null) return d;
            }
        }
        return u.getInstanceLocation();
    }
}
