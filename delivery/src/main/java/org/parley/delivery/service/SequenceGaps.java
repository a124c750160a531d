package org.parley.delivery.service;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sequence numbers of one sender that were skipped (they had not come when the reorder wait
 * ended, so later messages were shown without them), kept as ranges, each with the time from which
 * it counts as missed. A number that still arrives before then fills its place; what is left at
 * that time is a gap to show. Bounded: beyond {@link #MAX_RANGES} ranges the oldest one is due at
 * once. Same thread as the service.
 */
final class SequenceGaps {
    static final int MAX_RANGES = 64;

    /** Inclusive range of missing numbers, reported at {@code dueAtMillis}. */
    private record Range(long to, long dueAtMillis) {}

    private final TreeMap<Long, Range> ranges = new TreeMap<>();
    private long overflow;

    /** Numbers {@code from..to} (inclusive) were skipped; unless they come, they are missed from {@code dueAtMillis}. */
    void skipped(long from, long to, long dueAtMillis) {
        if (from > to) return;
        ranges.put(from, new Range(to, dueAtMillis));
        while (ranges.size() > MAX_RANGES) {
            Map.Entry<Long, Range> oldest = ranges.pollFirstEntry();
            overflow += oldest.getValue().to() - oldest.getKey() + 1;
        }
    }

    /** A skipped number came after all: it is no longer missing. False if it was not among them. */
    boolean fill(long seq) {
        Map.Entry<Long, Range> e = ranges.floorEntry(seq);
        if (e == null || e.getValue().to() < seq) return false;
        long from = e.getKey();
        Range r = e.getValue();
        ranges.remove(from);
        if (from < seq) ranges.put(from, new Range(seq - 1, r.dueAtMillis()));
        if (seq < r.to()) ranges.put(seq + 1, new Range(r.to(), r.dueAtMillis()));
        return true;
    }

    /** Removes and counts the numbers missed as of {@code nowMillis} (due, or pushed out by the bound). */
    long takeDue(long nowMillis) {
        long n = overflow;
        overflow = 0;
        for (Iterator<Map.Entry<Long, Range>> it = ranges.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Range> e = it.next();
            if (e.getValue().dueAtMillis() <= nowMillis) {
                n += e.getValue().to() - e.getKey() + 1;
                it.remove();
            }
        }
        return n;
    }

    /** Numbers still missing and not yet due. */
    long pending() {
        long n = overflow;
        for (Map.Entry<Long, Range> e : ranges.entrySet()) n += e.getValue().to() - e.getKey() + 1;
        return n;
    }
}
