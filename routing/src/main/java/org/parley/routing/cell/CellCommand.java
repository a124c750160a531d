package org.parley.routing.cell;

/** Link-level cell commands (tor-spec command values). */
public enum CellCommand {
    PADDING(0),
    RELAY(3),
    DESTROY(4),
    RELAY_EARLY(9),
    CREATE2(10),
    CREATED2(11);

    private final int code;

    CellCommand(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** @return the command, or null for a code Parley does not know (decoded as {@link Cell.Unrecognized}). */
    public static CellCommand fromCode(int code) {
        for (CellCommand c : values()) {
            if (c.code == code) return c;
        }
        return null;
    }
}
