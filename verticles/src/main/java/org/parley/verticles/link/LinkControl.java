package org.parley.verticles.link;

import org.parley.core.ParleyException;
import org.parley.routing.cell.Cell;

/**
 * Link-control frames of simultaneous-open resolution ({@link TlsLinkTransport}): 514-byte cells
 * with circuit id 0 and the Parley-private command {@link #COMMAND}, payload {@code type(1)}, the
 * rest zero. Routing never sees them.
 *
 * <ul>
 *   <li>{@link Hello}: the dialer's first frame on a link it means to use (a dial that found the
 *       peer already linked closes without it, so the acceptor can tell a probe from a real link).</li>
 *   <li>{@link Keep} / {@link Retire}: the acceptor's answer on a link dialed by the node with the
 *       higher node id — use it, or drop it because the lower node's own dial is the canonical link.</li>
 * </ul>
 * Stateless; decode then validate.
 */
public sealed interface LinkControl {
    /** Outside tor-spec's link commands, beside {@link LinkRpcCodec#COMMAND}. */
    int COMMAND = 201;

    /** Wire type byte. */
    int type();

    record Hello() implements LinkControl {
        @Override public int type() { return 1; }
    }

    record Keep() implements LinkControl {
        @Override public int type() { return 2; }
    }

    record Retire() implements LinkControl {
        @Override public int type() { return 3; }
    }

    /** A type this version does not know: ignored, so later versions may add some. */
    record Unrecognized(int type) implements LinkControl { }

    LinkControl HELLO = new Hello();
    LinkControl KEEP = new Keep();
    LinkControl RETIRE = new Retire();

    static boolean isControlFrame(byte[] frame) {
        return frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == COMMAND;
    }

    static byte[] encode(LinkControl c) {
        byte[] f = new byte[Cell.CELL_LEN];
        f[4] = (byte) COMMAND;
        f[Cell.HEADER_LEN] = (byte) c.type();
        return f;
    }

    /** MALFORMED_INPUT unless a control frame on circuit 0. */
    static LinkControl decode(byte[] frame) {
        if (frame == null || !isControlFrame(frame)) {
            throw ParleyException.malformed("not a link-control frame");
        }
        if (frame[0] != 0 || frame[1] != 0 || frame[2] != 0 || frame[3] != 0) {
            throw ParleyException.malformed("link-control frame with a circuit id");
        }
        int type = frame[Cell.HEADER_LEN] & 0xff;
        return switch (type) {
            case 1 -> HELLO;
            case 2 -> KEEP;
            case 3 -> RETIRE;
            default -> new Unrecognized(type);
        };
    }
}
