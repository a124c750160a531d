package org.parley.routing.cell;

/**
 * Where the command, length and data sit in a plaintext 509-byte relay body, per relay crypto:
 * tor1 {@code command (1) | recognized (2) | stream (2) | digest (4) | length (2) | data (498)};
 * CGO {@code tag (16) | command (1) | length (2) | data (490)} (the tag is the crypto's).
 */
public enum RelayCellFormat {
    TOR1(0, 9, 11),
    CGO(16, 17, 19);

    private final int commandOffset;
    private final int lengthOffset;
    private final int dataOffset;

    RelayCellFormat(int commandOffset, int lengthOffset, int dataOffset) {
        this.commandOffset = commandOffset;
        this.lengthOffset = lengthOffset;
        this.dataOffset = dataOffset;
    }

    public int commandOffset() {
        return commandOffset;
    }

    public int lengthOffset() {
        return lengthOffset;
    }

    public int dataOffset() {
        return dataOffset;
    }

    public int dataLen() {
        return Cell.PAYLOAD_LEN - dataOffset;
    }
}
