package org.parley.verticles.link;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.routing.cell.Cell;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Link-level RPC frames (DHT messages) on peer links, beside circuit cells. A frame is a
 * 514-byte cell with circuit id 0 and the Parley-private command {@link #COMMAND}; its payload is
 * {@code flags(1) | length(2) | chunk}, flag bit 0 = more chunks follow. Stateless, except the
 * per-link {@link Reassembly} that the transport keeps.
 */
public final class LinkRpcCodec {
    /** Outside tor-spec's link commands (which end at 132); routing never sees these frames. */
    public static final int COMMAND = 200;
    public static final int MAX_MESSAGE = 64 * 1024;
    static final int HEADER = 4 + 1 + 3;
    static final int MAX_CHUNK = Cell.CELL_LEN - HEADER;

    private LinkRpcCodec() {}

    public static boolean isRpcFrame(Bytes frame) {
        return frame.length() == Cell.CELL_LEN && (frame.get(4) & 0xff) == COMMAND;
    }

    public static boolean isRpcFrame(byte[] frame) {
        return frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == COMMAND;
    }

    public static List<Bytes> encode(Bytes message) {
        if (message.length() > MAX_MESSAGE) {
            throw ParleyException.limit("link RPC of " + message.length() + " bytes exceeds " + MAX_MESSAGE);
        }
        byte[] m = message.toArray();
        List<Bytes> frames = new ArrayList<>();
        int at = 0;
        do {
            int n = Math.min(MAX_CHUNK, m.length - at);
            byte[] f = new byte[Cell.CELL_LEN];
            f[4] = (byte) COMMAND;
            f[5] = (byte) (at + n < m.length ? 1 : 0);
            f[6] = (byte) (n >>> 8);
            f[7] = (byte) n;
            System.arraycopy(m, at, f, HEADER, n);
            frames.add(Bytes.wrap(f));
            at += n;
        } while (at < m.length);
        return frames;
    }

    /** Collects the chunks of one link's RPCs; bounded by {@link #MAX_MESSAGE}. */
    public static final class Reassembly {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        /** @return the whole message when this frame completes one, else null; MALFORMED_INPUT on a bad frame. */
        public Bytes accept(Bytes frame) {
            if (!isRpcFrame(frame)) {
                buf.reset();
                throw ParleyException.malformed("not a link RPC frame (" + frame.length() + " bytes)");
            }
            byte[] f = frame.toArray();
            int circ = ((f[0] & 0xff) << 24) | ((f[1] & 0xff) << 16) | ((f[2] & 0xff) << 8) | (f[3] & 0xff);
            if (circ != 0) throw ParleyException.malformed("link RPC frame with a circuit id");
            int flags = f[5] & 0xff;
            int n = ((f[6] & 0xff) << 8) | (f[7] & 0xff);
            if ((flags & ~1) != 0 || n > MAX_CHUNK) throw ParleyException.malformed("bad link RPC frame header");
            if (buf.size() + n > MAX_MESSAGE) {
                buf.reset();
                throw ParleyException.limit("link RPC larger than " + MAX_MESSAGE + " bytes");
            }
            buf.write(f, HEADER, n);
            if ((flags & 1) != 0) return null;
            Bytes whole = Bytes.wrap(buf.toByteArray());
            buf.reset();
            return whole;
        }
    }
}
