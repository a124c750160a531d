package org.parley.storage;

/**
 * Delivery state of a message. Status only moves forward along PENDING → SENT → DELIVERED →
 * READ; FAILED can be reached from PENDING or SENT, and a FAILED message can go back to
 * PENDING when it is retried. Other transitions are ignored (receipts may arrive out of order).
 */
public enum MessageStatus {
    PENDING(0),
    SENT(1),
    DELIVERED(2),
    READ(3),
    FAILED(4);

    private final int code;

    MessageStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static MessageStatus fromCode(int code) {
        for (MessageStatus s : values()) {
            if (s.code == code) return s;
        }
        throw new org.parley.core.ParleyException(
                org.parley.core.ParleyException.Kind.INTERNAL, "unknown message status code " + code);
    }

    /** Whether a message in this status may move to {@code next}. */
    public boolean canMoveTo(MessageStatus next) {
        if (next == this) return false;
        if (next == FAILED) return this == PENDING || this == SENT;
        if (this == FAILED) return next == PENDING;
        return next.code > this.code;
    }
}
