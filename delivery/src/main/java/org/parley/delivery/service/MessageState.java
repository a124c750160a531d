package org.parley.delivery.service;

import java.util.Locale;

/**
 * Status of a stored message. Outgoing: PENDING → SENT → DELIVERED → READ, or FAILED (from
 * PENDING or SENT). Incoming: RECEIVED → READ. Status only moves forward (receipts may arrive
 * out of order), as the storage module's {@code MessageStatus} does.
 */
public enum MessageState {
    PENDING(0), SENT(1), DELIVERED(2), RECEIVED(2), READ(3), FAILED(4);

    private final int rank;

    MessageState(int rank) {
        this.rank = rank;
    }

    public int rank() {
        return rank;
    }

    /** Whether a message in this state may move to {@code next}. */
    public boolean canMoveTo(MessageState next) {
        if (next == this) return false;
        if (next == FAILED) return this == PENDING || this == SENT;
        if (this == FAILED) return false;
        return next.rank > this.rank;
    }

    /** The contract's name ({@code pending}, {@code sent}, ...). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
