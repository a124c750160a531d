package org.parley.core;

/**
 * The one unchecked exception of Parley's domain code. Its {@link Kind} tells the handler what
 * to do: close a link, refuse a request, fail a config, or report a bug.
 */
public class ParleyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, so the caller can choose a reaction without parsing text. */
    public enum Kind {
        /** Bytes or text that do not parse (a peer's or a client's fault). */
        MALFORMED_INPUT,
        /** Well-formed input that is not allowed in the current state (bad signature, replay, wrong hop). */
        PROTOCOL_VIOLATION,
        /** A configured limit was reached (quota, queue size, rate). */
        RESOURCE_LIMIT,
        /** The thing asked for does not exist. */
        NOT_FOUND,
        /** Configuration that cannot be used. */
        CONFIG,
        /** The environment failed (disk, port in use, timeout). */
        UNAVAILABLE,
        /** A bug in Parley. */
        INTERNAL
    }

    private final Kind kind;

    public ParleyException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ParleyException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** A new exception of the same kind with {@code context} in front, e.g. "decoding EXTEND2 from hop 2". */
    public ParleyException withContext(String context) {
        return new ParleyException(kind, context + ": " + getMessage(), this);
    }

    public static ParleyException malformed(String message) {
        return new ParleyException(Kind.MALFORMED_INPUT, message);
    }

    public static ParleyException protocol(String message) {
        return new ParleyException(Kind.PROTOCOL_VIOLATION, message);
    }

    public static ParleyException limit(String message) {
        return new ParleyException(Kind.RESOURCE_LIMIT, message);
    }

    @Override
    public String toString() {
        return "ParleyException[" + kind + "]: " + getMessage();
    }
}
