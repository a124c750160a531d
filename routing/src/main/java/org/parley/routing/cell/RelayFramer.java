package org.parley.routing.cell;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts relay messages into plaintext 509-byte relay bodies and back:
 * {@code command (1) | recognized (2) | stream (2) | digest (4) | length (2) | data (498)}.
 * A message whose body exceeds 498 bytes goes as a run of FRAGMENT bodies, each with data
 * {@code flags (1) [| inner command (1) | total length (4) on the first] | chunk}; flag bit 0
 * marks the first, bit 1 the last. Cells on a circuit arrive in order, so one
 * {@link Reassembler} per direction suffices. Stateless.
 */
public final class RelayFramer {
    public static final int HEADER_LEN = 11;
    public static final int DATA_LEN = Cell.PAYLOAD_LEN - HEADER_LEN;
    static final int FIRST = 1;
    static final int LAST = 2;

    private RelayFramer() {
    }

    /** Plaintext relay bodies for {@code message} (digest fields zero, to be sealed per hop). */
    public static List<byte[]> frame(RelayMessage message) {
        return frame(message.code(), RelayMessageCodec.encode(message));
    }

    public static List<byte[]> frame(int command, Bytes body) {
        if (body.length() <= DATA_LEN) {
            return List.of(single(command, body.toArray(), 0, body.length()));
        }
        byte[] all = body.toArray();
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        boolean first = true;
        while (at < all.length) {
            int head = first ? 6 : 1;
            int n = Math.min(DATA_LEN - head, all.length - at);
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
            out.add(single(RelayCommand.FRAGMENT.code(), data, 0, data.length));
            at += n;
            first = false;
        }
        return out;
    }

    private static byte[] single(int command, byte[] data, int from, int len) {
        byte[] body = new byte[Cell.PAYLOAD_LEN];
        body[0] = (byte) command;
        body[9] = (byte) (len >>> 8);
        body[10] = (byte) len;
        System.arraycopy(data, from, body, HEADER_LEN, len);
        return body;
    }

    /** A recognized relay body: its command and data. */
    public record Unit(int command, Bytes data) {
    }

    /** @throws ParleyException MALFORMED_INPUT if the length field exceeds the body */
    public static Unit unframe(byte[] body) {
        if (body.length != Cell.PAYLOAD_LEN) {
            throw ParleyException.malformed("relay body must be " + Cell.PAYLOAD_LEN + " bytes");
        }
        int len = ((body[9] & 0xff) << 8) | (body[10] & 0xff);
        if (len > DATA_LEN) {
            throw ParleyException.malformed("relay length " + len + " exceeds " + DATA_LEN);
        }
        return new Unit(body[0] & 0xff, Bytes.of(body, HEADER_LEN, len));
    }
}
