package org.parley.routing.cell;

/** Why an inbox relay refused a request (carried in {@link RelayMessage.Error}). */
public enum InboxErrorKind {
    OTHER(0),
    UNKNOWN_INBOX(1),
    QUOTA(2),
    EXPIRED(3),
    TOO_LARGE(4),
    UNAUTHORIZED(5),
    MALFORMED(6),
    INTERNAL(7),
    INCOMPLETE(8);

    private final int code;

    InboxErrorKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Unknown codes read as {@link #OTHER}. */
    public static InboxErrorKind fromCode(int code) {
        for (InboxErrorKind k : values()) {
            if (k.code == code) return k;
        }
        return OTHER;
    }
}
