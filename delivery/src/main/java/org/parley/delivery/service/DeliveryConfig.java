package org.parley.delivery.service;

import org.parley.core.ParleyException;

/**
 * Delivery settings.
 *
 * @param displayName        our name in invites and contact cards
 * @param ttlMillis          how long a message is retried before it becomes {@code failed}
 * @param readReceipts       whether MarkRead sends read receipts
 * @param storedTimeoutMillis how long to wait for an inbox relay's STORED before retrying
 * @param receiptTimeoutMillis how long to wait for the delivery receipt after STORED before resending
 * @param retryBaseMillis    first retry delay; doubles per attempt, with jitter
 * @param retryMaxMillis     cap on the retry delay
 * @param receiptBatchMillis receipts to one contact within this window go in one message
 * @param reorderWaitMillis  how long a message waits for an earlier one of the same sender before it is shown anyway
 * @param inviteValidityMillis lifetime of an invite link
 * @param inboxRelays        how many inbox relays hold each of our inboxes
 * @param maxAttachmentBytes largest attachment accepted for upload and from a peer (default 16 MiB)
 * @param attachmentWindow   chunks of one attachment in flight to one recipient before their receipts (bounds the inbox relay's share)
 * @param coverLoopsPerDay   cover traffic: loop envelopes sent to our own inbox per day at Poisson times (0 = off, at most
 *                           {@link #MAX_COVER_LOOPS_PER_DAY}); see {@link CoverLoops}
 */
public record DeliveryConfig(String displayName, long ttlMillis, boolean readReceipts, long storedTimeoutMillis,
                             long receiptTimeoutMillis, long retryBaseMillis, long retryMaxMillis, long receiptBatchMillis,
                             long reorderWaitMillis, long inviteValidityMillis, int inboxRelays, long maxAttachmentBytes,
                             int attachmentWindow, int coverLoopsPerDay) {
    public static final long DAY = 24L * 3600 * 1000;
    public static final int MAX_COVER_LOOPS_PER_DAY = 100_000;
    public static final long DEFAULT_MAX_ATTACHMENT = 16L * 1024 * 1024;
    public static final int DEFAULT_ATTACHMENT_WINDOW = 48;

    /** The settings without attachment limits (defaults for those). */
    public DeliveryConfig(String displayName, long ttlMillis, boolean readReceipts, long storedTimeoutMillis,
                          long receiptTimeoutMillis, long retryBaseMillis, long retryMaxMillis, long receiptBatchMillis,
                          long reorderWaitMillis, long inviteValidityMillis, int inboxRelays) {
        this(displayName, ttlMillis, readReceipts, storedTimeoutMillis, receiptTimeoutMillis, retryBaseMillis, retryMaxMillis,
                receiptBatchMillis, reorderWaitMillis, inviteValidityMillis, inboxRelays, DEFAULT_MAX_ATTACHMENT, DEFAULT_ATTACHMENT_WINDOW);
    }

    /** The settings without cover loops (off). */
    public DeliveryConfig(String displayName, long ttlMillis, boolean readReceipts, long storedTimeoutMillis,
                          long receiptTimeoutMillis, long retryBaseMillis, long retryMaxMillis, long receiptBatchMillis,
                          long reorderWaitMillis, long inviteValidityMillis, int inboxRelays, long maxAttachmentBytes,
                          int attachmentWindow) {
        this(displayName, ttlMillis, readReceipts, storedTimeoutMillis, receiptTimeoutMillis, retryBaseMillis, retryMaxMillis,
                receiptBatchMillis, reorderWaitMillis, inviteValidityMillis, inboxRelays, maxAttachmentBytes, attachmentWindow, 0);
    }

    public DeliveryConfig {
        if (displayName == null || displayName.length() > 64) throw new ParleyException(ParleyException.Kind.CONFIG, "delivery.name: at most 64 characters");
        if (ttlMillis <= 0) throw new ParleyException(ParleyException.Kind.CONFIG, "delivery.ttl must be positive");
        if (storedTimeoutMillis <= 0 || receiptTimeoutMillis <= 0 || retryBaseMillis <= 0 || retryMaxMillis < retryBaseMillis
                || receiptBatchMillis < 0 || reorderWaitMillis < 0 || inviteValidityMillis <= 0) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "delivery timeouts must be positive (retry max ≥ base)");
        }
        if (inboxRelays < 1 || inboxRelays > 8) throw new ParleyException(ParleyException.Kind.CONFIG, "delivery.inbox-relays must be 1..8");
        if (maxAttachmentBytes < 1 || maxAttachmentBytes > 1L << 32) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "delivery attachment limit must be 1 byte..4 GiB");
        }
        if (attachmentWindow < 1 || attachmentWindow > 256) throw new ParleyException(ParleyException.Kind.CONFIG, "attachment window must be 1..256");
        if (coverLoopsPerDay < 0 || coverLoopsPerDay > MAX_COVER_LOOPS_PER_DAY) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "delivery.cover-loops-per-day must be 0.." + MAX_COVER_LOOPS_PER_DAY);
        }
    }

    public static DeliveryConfig defaults(String displayName) {
        return new DeliveryConfig(displayName, 7 * DAY, true, 30_000, 60_000, 1_000, 300_000, 50, 10_000, 30 * DAY, 2);
    }

    public DeliveryConfig withTtl(long ttl) {
        return new DeliveryConfig(displayName, ttl, readReceipts, storedTimeoutMillis, receiptTimeoutMillis, retryBaseMillis,
                retryMaxMillis, receiptBatchMillis, reorderWaitMillis, inviteValidityMillis, inboxRelays, maxAttachmentBytes, attachmentWindow, coverLoopsPerDay);
    }

    public DeliveryConfig withTimeouts(long stored, long receipt, long base, long max) {
        return new DeliveryConfig(displayName, ttlMillis, readReceipts, stored, receipt, base, max, receiptBatchMillis,
                reorderWaitMillis, inviteValidityMillis, inboxRelays, maxAttachmentBytes, attachmentWindow, coverLoopsPerDay);
    }

    public DeliveryConfig withAttachments(long maxBytes, int window) {
        return new DeliveryConfig(displayName, ttlMillis, readReceipts, storedTimeoutMillis, receiptTimeoutMillis, retryBaseMillis,
                retryMaxMillis, receiptBatchMillis, reorderWaitMillis, inviteValidityMillis, inboxRelays, maxBytes, window, coverLoopsPerDay);
    }

    /** The same settings with {@code perDay} cover loops a day (0 = off). */
    public DeliveryConfig withCoverLoops(int perDay) {
        return new DeliveryConfig(displayName, ttlMillis, readReceipts, storedTimeoutMillis, receiptTimeoutMillis, retryBaseMillis,
                retryMaxMillis, receiptBatchMillis, reorderWaitMillis, inviteValidityMillis, inboxRelays, maxAttachmentBytes, attachmentWindow,
                perDay);
    }
}
