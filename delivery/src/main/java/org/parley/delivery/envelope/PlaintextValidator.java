package org.parley.delivery.envelope;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/** Limits and consistency of a decoded {@link Plaintext}: the step after decoding. */
public final class PlaintextValidator {
    public static final int MAX_TEXT_BYTES = 64 * 1024;
    public static final int MAX_RECEIPT_IDS = 512;
    public static final int MAX_GROUP_MEMBERS = 1000;
    public static final int MAX_NAME_BYTES = 256;
    public static final long MAX_ATTACHMENT_SIZE = 1L << 40;

    private PlaintextValidator() {
    }

    /** Returns {@code p} when valid; throws PROTOCOL_VIOLATION naming the broken rule otherwise. */
    public static Plaintext validate(Plaintext p) {
        if (p.sequence() < 0) throw ParleyException.protocol("negative sequence number");
        if (p.sentAtMillis() < 0) throw ParleyException.protocol("negative timestamp");
        InnerMessage m = p.message();
        if (m instanceof InnerMessage.Text t) {
            require(t.body().getBytes(StandardCharsets.UTF_8).length <= MAX_TEXT_BYTES, "text longer than 64 KiB");
        } else if (m instanceof InnerMessage.DeliveryReceipt d) {
            receipts(d.messageIds().size(), new HashSet<>(d.messageIds()).size());
        } else if (m instanceof InnerMessage.ReadReceipt r) {
            receipts(r.messageIds().size(), new HashSet<>(r.messageIds()).size());
        } else if (m instanceof InnerMessage.GroupControl g) {
            require(g.groupId().length() >= 16 && g.groupId().length() <= 32, "group id must be 16..32 bytes");
            require(g.name().getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES, "group name too long");
            require(g.members().size() <= MAX_GROUP_MEMBERS, "too many group members");
            Set<Bytes> seen = new HashSet<>();
            for (Bytes member : g.members()) {
                require(member.length() == 128, "group member is not an encoded identity key");
                require(seen.add(member), "group member listed twice");
            }
            require(g.version() >= 0 && g.version() <= Long.MAX_VALUE / 2, "group version out of range");
            require(!g.signed() || g.version() >= 1, "a signed group state without a version");
            switch (g.action()) {
                // a signed change carries the whole member list in its state
                case CREATE, ADD_MEMBERS, REMOVE_MEMBERS -> require(g.signed() || !g.members().isEmpty(), g.action() + " without members");
                case LEAVE -> {
                    require(g.members().isEmpty(), "LEAVE lists members");
                    require(!g.signed(), "LEAVE carries a group state");
                }
                case RENAME -> require(!g.name().isEmpty(), "RENAME without a name");
            }
        } else if (m instanceof InnerMessage.AttachmentPointer a) {
            require(a.locator().length() >= 1 && a.locator().length() <= 512, "attachment locator must be 1..512 bytes");
            require(a.key().length() == 32, "attachment key must be 32 bytes");
            require(a.digest().length() == 32, "attachment digest must be 32 bytes");
            require(a.size() >= 0 && a.size() <= MAX_ATTACHMENT_SIZE, "attachment size out of range");
            require(a.contentType().length() <= 128, "content type too long");
            require(a.fileName().getBytes(StandardCharsets.UTF_8).length <= 255, "file name too long");
        }
        // Unrecognized: nothing to check; the caller may store or ignore it.
        return p;
    }

    private static void receipts(int n, int distinct) {
        require(n >= 1 && n <= MAX_RECEIPT_IDS, "a receipt names 1.." + MAX_RECEIPT_IDS + " messages");
        require(distinct == n, "a receipt names a message twice");
    }

    private static void require(boolean ok, String rule) {
        if (!ok) throw ParleyException.protocol("invalid plaintext: " + rule);
    }
}
