package org.parley.routing.cell;

/** DESTROY reasons (tor-spec values). An unknown code is read as {@link #NONE}, as tor-spec allows. */
public enum DestroyReason {
    NONE(0),
    PROTOCOL(1),
    INTERNAL(2),
    REQUESTED(3),
    HIBERNATING(4),
    RESOURCELIMIT(5),
    CONNECTFAILED(6),
    OR_IDENTITY(7),
    CHANNEL_CLOSED(8),
    FINISHED(9),
    TIMEOUT(10),
    DESTROYED(11),
    NOSUCHSERVICE(12);

    private final int code;

    DestroyReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static DestroyReason fromCode(int code) {
        for (DestroyReason r : values()) {
            if (r.code == code) return r;
        }
        return NONE;
    }
}
