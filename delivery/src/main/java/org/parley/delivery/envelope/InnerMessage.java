package org.parley.delivery.envelope;

import org.parley.core.Bytes;

import java.util.List;

/**
 * The messages that travel end-to-end encrypted inside a session. Each is wrapped in a
 * {@link Plaintext} (id, sequence number, time) before padding and encryption.
 */
public sealed interface InnerMessage {

    /** A chat text (UTF-8). */
    record Text(String body) implements InnerMessage {
    }

    /** "These messages reached my device" (✓✓); covers several ids at once. */
    record DeliveryReceipt(List<MessageId> messageIds) implements InnerMessage {
        public DeliveryReceipt {
            messageIds = List.copyOf(messageIds);
        }
    }

    /** "I have read these messages". */
    record ReadReceipt(List<MessageId> messageIds) implements InnerMessage {
        public ReadReceipt {
            messageIds = List.copyOf(messageIds);
        }
    }

    /**
     * A group change sent pairwise to each member: create/add/remove/leave/rename.
     * Members are identity keys (encoded {@link org.parley.delivery.identity.IdentityKey}s): for
     * an unsigned CREATE the whole list, for ADD/REMOVE the ones changed; a signed CREATE lists none
     * (its state does, so a large group's CREATE does not carry every key twice).
     *
     * <p>{@code state} (since wire extension 1) is the group's new state signed by an admin (see
     * {@code org.parley.delivery.group.GroupStateCodec}) and {@code version} its version; recipients
     * apply the state, not the listed change. A LEAVE carries no state and, as {@code version}, the
     * state version the leaving member held. Version 0 with no state is the older, unsigned form.
     */
    record GroupControl(Bytes groupId, Action action, String name, List<Bytes> members, long version, Bytes state)
            implements InnerMessage {
        public GroupControl {
            members = List.copyOf(members);
            java.util.Objects.requireNonNull(state, "state");
        }

        /** The older, unsigned form. */
        public GroupControl(Bytes groupId, Action action, String name, List<Bytes> members) {
            this(groupId, action, name, members, 0, Bytes.EMPTY);
        }

        public boolean signed() {
            return !state.isEmpty();
        }

        public enum Action {
            CREATE(1), ADD_MEMBERS(2), REMOVE_MEMBERS(3), LEAVE(4), RENAME(5);

            private final int code;

            Action(int code) {
                this.code = code;
            }

            public int code() {
                return code;
            }

            public static Action fromCode(int code) {
                for (Action a : values()) {
                    if (a.code == code) return a;
                }
                return null;
            }
        }
    }

    /**
     * Where to fetch an attachment and how to decrypt and check it: locator (opaque, e.g. a
     * content id at a relay), AES-256 key, SHA-256 digest of the ciphertext, size, content type.
     */
    record AttachmentPointer(Bytes locator, Bytes key, Bytes digest, long size, String contentType, String fileName)
            implements InnerMessage {
    }

    /** A type this version does not know: kept opaque so a newer peer's message is not an error. */
    record Unrecognized(int typeCode, Bytes body) implements InnerMessage {
    }
}
