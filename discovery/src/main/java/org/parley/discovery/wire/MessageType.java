package org.parley.discovery.wire;

import java.util.Optional;

/** DHT RPC command codes. */
public enum MessageType {
    PING(1), PONG(2), FIND_NODE(3), NODES(4), FIND_VALUE(5), VALUE(6), STORE(7), STORE_ACK(8),
    GET_RELAYS(9), RELAYS(10);

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<MessageType> fromCode(int code) {
        for (MessageType t : values()) {
            if (t.code == code) return Optional.of(t);
        }
        return Optional.empty();
    }

    /** The reply type a request expects, or empty for replies. */
    public Optional<MessageType> replyType() {
        return switch (this) {
            case PING -> Optional.of(PONG);
            case FIND_NODE -> Optional.of(NODES);
            case FIND_VALUE -> Optional.of(VALUE);
            case STORE -> Optional.of(STORE_ACK);
            case GET_RELAYS -> Optional.of(RELAYS);
            default -> Optional.empty();
        };
    }

    /** Lower-case name used as a metrics tag. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
