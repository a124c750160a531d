package org.parley.delivery.envelope;

/** Type codes of the inner (end-to-end encrypted) messages. Unknown codes decode as {@link InnerMessage.Unrecognized}. */
public enum MessageType {
    TEXT(1),
    DELIVERY_RECEIPT(2),
    READ_RECEIPT(3),
    GROUP_CONTROL(4),
    ATTACHMENT_POINTER(5);

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type of {@code code}, or null for a code this version does not know. */
    public static MessageType fromCode(int code) {
        for (MessageType t : values()) {
            if (t.code == code) return t;
        }
        return null;
    }
}
