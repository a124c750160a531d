package org.parley.routing.cell;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/**
 * Stateless encoder/decoder of 514-byte cells. {@link #decode} checks only the layout; {@link
 * #validate} checks what a well-formed cell may still get wrong (circuit id 0, sizes).
 */
public final class CellCodec {
    private CellCodec() {
    }

    public static byte[] encode(Cell cell) {
        byte[] out = new byte[Cell.CELL_LEN];
        int id = cell.circId();
        out[0] = (byte) (id >>> 24);
        out[1] = (byte) (id >>> 16);
        out[2] = (byte) (id >>> 8);
        out[3] = (byte) id;
        Bytes payload;
        int command;
        if (cell instanceof Cell.Create2 c) {
            command = CellCommand.CREATE2.code();
            checkLen(c.hdata(), Cell.PAYLOAD_LEN - 4, "CREATE2 HDATA");
            payload = new Writer().u16(c.htype()).u16(c.hdata().length()).bytes(c.hdata()).toBytes();
        } else if (cell instanceof Cell.Created2 c) {
            command = CellCommand.CREATED2.code();
            checkLen(c.hdata(), Cell.PAYLOAD_LEN - 2, "CREATED2 HDATA");
            payload = new Writer().u16(c.hdata().length()).bytes(c.hdata()).toBytes();
        } else if (cell instanceof Cell.Relay c) {
            command = CellCommand.RELAY.code();
            payload = relayBody(c.body());
        } else if (cell instanceof Cell.RelayEarly c) {
            command = CellCommand.RELAY_EARLY.code();
            payload = relayBody(c.body());
        } else if (cell instanceof Cell.Destroy c) {
            command = CellCommand.DESTROY.code();
            payload = new Writer().u8(c.reason().code()).toBytes();
        } else if (cell instanceof Cell.Padding) {
            command = CellCommand.PADDING.code();
            payload = Bytes.EMPTY;
        } else {
            Cell.Unrecognized c = (Cell.Unrecognized) cell;
            command = c.command();
            checkLen(c.payload(), Cell.PAYLOAD_LEN, "cell payload");
            payload = c.payload();
        }
        out[4] = (byte) command;
        payload.copyTo(out, Cell.HEADER_LEN);
        return out;
    }

    public static Cell decode(Bytes frame) {
        return decode(frame.toArray());
    }

    /** @throws ParleyException MALFORMED_INPUT for anything that is not a cell */
    public static Cell decode(byte[] frame) {
        if (frame == null || frame.length != Cell.CELL_LEN) {
            throw ParleyException.malformed("cell must be " + Cell.CELL_LEN + " bytes, got "
                    + (frame == null ? "null" : frame.length));
        }
        int circId = ((frame[0] & 0xff) << 24) | ((frame[1] & 0xff) << 16) | ((frame[2] & 0xff) << 8) | (frame[3] & 0xff);
        int code = frame[4] & 0xff;
        CellCommand command = CellCommand.fromCode(code);
        Reader r = new Reader(frame, Cell.HEADER_LEN, Cell.CELL_LEN, "cell ", command == null ? (Object) code : command);
        if (command == null) {
            return new Cell.Unrecognized(circId, code, r.rest());
        }
        return switch (command) {
            case CREATE2 -> {
                int htype = r.u16();
                int hlen = r.u16();
                yield new Cell.Create2(circId, htype, r.bytes(hlen));
            }
            case CREATED2 -> new Cell.Created2(circId, r.bytes(r.u16()));
            case RELAY -> new Cell.Relay(circId, r.rest());
            case RELAY_EARLY -> new Cell.RelayEarly(circId, r.rest());
            case DESTROY -> new Cell.Destroy(circId, DestroyReason.fromCode(r.u8()));
            case PADDING -> new Cell.Padding(circId);
        };
    }

    /**
     * Checks a decoded cell: every command but PADDING needs a non-zero circuit id, relay bodies
     * are exactly 509 bytes.
     *
     * @throws ParleyException PROTOCOL_VIOLATION
     */
    public static Cell validate(Cell cell) {
        if (!(cell instanceof Cell.Padding) && !(cell instanceof Cell.Unrecognized) && cell.circId() == 0) {
            throw ParleyException.protocol(cell.getClass().getSimpleName() + " on circuit id 0");
        }
        Bytes body = cell instanceof Cell.Relay r ? r.body() : cell instanceof Cell.RelayEarly e ? e.body() : null;
        if (body != null && body.length() != Cell.PAYLOAD_LEN) {
            throw ParleyException.protocol("relay body must be " + Cell.PAYLOAD_LEN + " bytes");
        }
        return cell;
    }

    private static Bytes relayBody(Bytes body) {
        if (body.length() != Cell.PAYLOAD_LEN) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "relay body must be " + Cell.PAYLOAD_LEN + " bytes");
        }
        return body;
    }

    private static void checkLen(Bytes b, int max, String what) {
        if (b.length() > max) {
            throw ParleyException.limit(what + " is " + b.length() + " bytes, at most " + max + " fit");
        }
    }
}
