package org.parley.routing.cell;

/**
 * Relay commands inside a decrypted relay body. 1..15 are tor-spec values; Parley's inbox
 * commands use 192..199, a range tor-spec leaves unassigned.
 */
public enum RelayCommand {
    DATA(2),
    END(3),
    SENDME(5),
    /** Tor's RELAY_DROP: a dummy cell the addressed hop discards (cover traffic); Parley adds an echo flag. */
    DROP(10),
    EXTEND2(14),
    EXTENDED2(15),
    ESTABLISH_INBOX(192),
    INBOX_ESTABLISHED(193),
    DELIVER(194),
    STORED(195),
    PUSH(196),
    ACK(197),
    ERROR(198),
    /** Framing only: one piece of a message longer than one relay body (see {@link RelayFramer}). */
    FRAGMENT(199);

    private final int code;

    RelayCommand(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** @return the command, or null for an unknown code (decoded as {@link RelayMessage.Unrecognized}). */
    public static RelayCommand fromCode(int code) {
        for (RelayCommand c : values()) {
            if (c.code == code) return c;
        }
        return null;
    }
}
