package org.parley.storage;

import org.parley.core.ParleyException;

/** Per-inbox limits; an append beyond them fails with RESOURCE_LIMIT and a message starting "QUOTA". */
public record InboxQuota(long maxEnvelopes, long maxBytes, int maxEnvelopeBytes) {
    public static final InboxQuota DEFAULT = new InboxQuota(1000, 16L * 1024 * 1024, 256 * 1024);

    public InboxQuota {
        if (maxEnvelopes < 1 || maxBytes < 1 || maxEnvelopeBytes < 1) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "inbox quota limits must be positive");
        }
    }
}
