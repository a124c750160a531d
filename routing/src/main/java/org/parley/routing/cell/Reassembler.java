package org.parley.routing.cell;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.io.ByteArrayOutputStream;

/**
 * Rebuilds messages from the units of one circuit direction, with a bound on the total size.
 * The owner enforces the time bound with {@link #startedAt()} and {@link #reset()}. Not
 * thread-safe.
 */
public final class Reassembler {
    private final int maxMessage;
    private ByteArrayOutputStream buffer;
    private int command;
    private int total;
    private long startedAt = -1;

    public Reassembler(int maxMessage) {
        this.maxMessage = maxMessage;
    }

    /**
     * Feeds one unit. Returns the whole message (decoded and validated) when complete, null while
     * fragments are still missing.
     *
     * @throws ParleyException MALFORMED_INPUT / PROTOCOL_VIOLATION / RESOURCE_LIMIT; the state is reset
     */
    public RelayMessage accept(RelayFramer.Unit unit, long nowMillis) {
        try {
            if (unit.command() != RelayCommand.FRAGMENT.code()) {
                if (buffer != null) {
                    throw ParleyException.protocol("relay message interleaved with an unfinished fragment run");
                }
                return RelayMessageCodec.validate(RelayMessageCodec.decode(unit.command(), unit.data()), maxMessage);
            }
            byte[] d = unit.data().toArray();
            if (d.length < 1) throw ParleyException.malformed("empty FRAGMENT");
            int flags = d[0] & 0xff;
            int at = 1;
            if ((flags & RelayFramer.FIRST) != 0) {
                if (buffer != null) throw ParleyException.protocol("new fragment run before the last one ended");
                if (d.length < 6) throw ParleyException.malformed("first FRAGMENT too short");
                command = d[1] & 0xff;
                long len = ((long) (d[2] & 0xff) << 24) | ((d[3] & 0xff) << 16) | ((d[4] & 0xff) << 8) | (d[5] & 0xff);
                if (len > maxMessage) throw ParleyException.limit("fragmented message of " + len + " bytes exceeds " + maxMessage);
                total = (int) len;
                buffer = new ByteArrayOutputStream(Math.min(total, 64 * 1024));
                startedAt = nowMillis;
                at = 6;
            } else if (buffer == null) {
                throw ParleyException.protocol("FRAGMENT without a first fragment");
            }
            int n = d.length - at;
            if (buffer.size() + n > total) throw ParleyException.protocol("fragments exceed the announced length");
            buffer.write(d, at, n);
            if ((flags & RelayFramer.LAST) == 0) {
                return null;
            }
            if (buffer.size() != total) throw ParleyException.protocol("fragment run shorter than announced");
            Bytes body = Bytes.wrap(buffer.toByteArray());
            int cmd = command;
            reset();
            return RelayMessageCodec.validate(RelayMessageCodec.decode(cmd, body), maxMessage);
        } catch (ParleyException e) {
            reset();
            throw e;
        }
    }

    public boolean inProgress() {
        return buffer != null;
    }

    /** When the current run began, or -1. */
    public long startedAt() {
        return startedAt;
    }

    public void reset() {
        buffer = null;
        total = 0;
        startedAt = -1;
    }
}
