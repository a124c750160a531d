package org.parley.storage;

/** What one inbox holds now (expired envelopes count until swept). */
public record InboxUsage(long envelopes, long bytes) {
    public static final InboxUsage EMPTY = new InboxUsage(0, 0);
}
