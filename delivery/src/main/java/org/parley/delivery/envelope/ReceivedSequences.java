package org.parley.delivery.envelope;

import org.parley.core.ParleyException;

/**
 * The sequence numbers seen from one sender in one conversation, over a sliding window of the
 * last {@link #WINDOW} numbers: tells new from duplicate, and reports gaps. Bounded memory.
 */
public final class ReceivedSequences {
    public static final int WINDOW = 1024;
    private long highest = -1;
    private final long[] seen = new long[WINDOW / 64];

    /** What {@link #accept} found. */
    public enum Outcome { NEW, DUPLICATE, TOO_OLD }

    public Outcome accept(long seq) {
        if (seq < 0) throw ParleyException.protocol("negative sequence number");
        if (seq > highest) {
            long shift = seq - highest;
            if (highest < 0 || shift >= WINDOW) {
                java.util.Arrays.fill(seen, 0);
            } else {
                for (long s = highest + 1; s < seq; s++) clear(s);
            }
            highest = seq;
            set(seq);
            return Outcome.NEW;
        }
        if (highest - seq >= WINDOW) return Outcome.TOO_OLD;
        if (isSet(seq)) return Outcome.DUPLICATE;
        set(seq);
        return Outcome.NEW;
    }

    public long highest() {
        return highest;
    }

    /** How many numbers within the window below the highest have not been seen (messages still missing). */
    public int missingInWindow() {
        if (highest < 0) return 0;
        int missing = 0;
        for (long s = Math.max(0, highest - WINDOW + 1); s <= highest; s++) {
            if (!isSet(s)) missing++;
        }
        return missing;
    }

    private int bit(long s) {
        return (int) (s % WINDOW);
    }

    private void set(long s) {
        seen[bit(s) >>> 6] |= 1L << (bit(s) & 63);
    }

    private void clear(long s) {
        seen[bit(s) >>> 6] &= ~(1L << (bit(s) & 63));
    }

    private boolean isSet(long s) {
        return (seen[bit(s) >>> 6] & (1L << (bit(s) & 63))) != 0;
    }
}
