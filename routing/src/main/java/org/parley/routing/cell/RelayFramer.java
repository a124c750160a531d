package org.parley.routing.cell;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts relay messages into plaintext 509-byte relay bodies and back, in the
 * {@link RelayCellFormat} of the circuit's relay crypto (tor1 by default:
 * {@code command (1) | recognized (2) | stream (2) | digest (4) | length (2) | data (498)}).
 * A message whose body exceeds the data length goes as a run of FRAGMENT bodies, each with data
 * {@code flags (1) [| inner command (1) | total length (4) on the first] | chunk}; flag bit 0
 * marks the first, bit 1 the last. Cells on a circuit arrive in order, so one
 * {@link Reassembler} per direction suffices. Stateless.
 */
public final class RelayFramer {
    /** tor1 layout (the default of the one-argument methods). */
    public static final int HEADER_LEN = RelayCellFormat.TOR1.dataOffset();
    public static final int DATA_LEN = RelayCellFormat.TOR1.dataLen();
    static final int FIRST = 1;
    static final int LAST = 2;

    private RelayFramer() {
    }

    /** Plaintext relay bodies for {@code message} (digest fields zero, to be sealed per hop). */
    public static List<byte[]> frame(RelayMessage message) {
        return frame(message, RelayCellFormat.TOR1);
    }

    public static List<byte[]> frame(RelayMessage message, RelayCellFormat format) {
        return frame(message.code(), RelayMessageCodec.encode(message), format);
    }

    public static List<byte[]> frame(int command, Bytes body) {
        return frame(command, body, RelayCellFormat.TOR1);
    }

    public static List<byte[]> frame(int command, Bytes body, RelayCellFormat format) {
        int dataLen = format.dataLen();
        if (body.length() <= dataLen) {
            return List.of(single(format, command, body.toArray(), 0, body.length()));
        }
        byte[] all = body.toArray();
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        boolean first = true;
        while (at < all.length) {
            int head = first ? 6 : 1;
            int n = Math.min(dataLen - head, all.length - at);
            byte[] data = new byte[head + n];
            boolean last = at + n == all.length;
            data[0] = (byte) ((first ? FIRST : 0) | (last ? LAST : 0));
            if (first) {
                data[1] = (byte) command;
                int len = all.length;
                data[2] = (byte) (len >>> 24);
                data[3] = (byte) (len >>> 16);
                data[4] = (byte) (len >>> 8);
                data[5] = (byte) len;
            }
            System.arraycopy(all, at, data, head, n);
            out.add(single(format, RelayCommand.FRAGMENT.code(), data, 0, data.length));
            at += n;
            first = false;
        }
        return out;
    }

    private static byte[] single(RelayCellFormat format, int command, byte[] data, int from, int len) {
        byte[] body = new byte[Cell.PAYLOAD_LEN];
        body[format.commandOffset()] = (byte) command;
        body[format.lengthOffset()] = (byte) (len >>> 8);
        body[format.lengthOffset() + 1] = (byte) len;
        System.arraycopy(data, from, body, format.dataOffset(), len);
        return body;
    }

    /** A recognized relay body: its command and data. */
    public record Unit(int command, Bytes data) {
    }

    /** @throws ParleyException MALFORMED_INPUT if the length field exceeds the body */
    public static Unit unframe(byte[] body) {
        return unframe(body, RelayCellFormat.TOR1);
    }

    public static Unit unframe(byte[] body, RelayCellFormat format) {
        if (body.length != Cell.PAYLOAD_LEN) {
            throw ParleyException.malformed("relay body must be " + Cell.PAYLOAD_LEN + " bytes");
        }
        int lo = format.lengthOffset();
        int len = ((body[lo] & 0xff) << 8) | (body[lo + 1] & 0xff);
        if (len > format.dataLen()) {
            throw ParleyException.malformed("relay length " + len + " exceeds " + format.dataLen());
        }
        return new Unit(body[format.commandOffset()] & 0xff, Bytes.of(body, format.dataOffset(), len));
    }
}
