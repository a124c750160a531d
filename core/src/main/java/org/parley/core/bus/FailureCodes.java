package org.parley.core.bus;

import org.parley.core.ParleyException;

/** The {@code message.fail} codes verticles use, one per {@link ParleyException.Kind}, so a caller can react by kind. */
public final class FailureCodes {
    private FailureCodes() {}

    public static int of(ParleyException.Kind kind) {
        return switch (kind) {
            case MALFORMED_INPUT -> 400;
            case PROTOCOL_VIOLATION -> 403;
            case NOT_FOUND -> 404;
            case RESOURCE_LIMIT -> 429;
            case CONFIG -> 422;
            case UNAVAILABLE -> 503;
            case INTERNAL -> 500;
        };
    }

    public static ParleyException.Kind kindOf(int code) {
        return switch (code) {
            case 400 -> ParleyException.Kind.MALFORMED_INPUT;
            case 403 -> ParleyException.Kind.PROTOCOL_VIOLATION;
            case 404 -> ParleyException.Kind.NOT_FOUND;
            case 429 -> ParleyException.Kind.RESOURCE_LIMIT;
            case 422 -> ParleyException.Kind.CONFIG;
            case 503 -> ParleyException.Kind.UNAVAILABLE;
            default -> ParleyException.Kind.INTERNAL;
        };
    }
}
