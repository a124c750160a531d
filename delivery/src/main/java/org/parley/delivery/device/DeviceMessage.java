package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.invite.Invite;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The end-to-end messages of multi-device, carried as inner messages of their own type codes
 * (older peers see them as unrecognized and ignore them). Encoded by {@link DeviceMessageCodec}.
 */
public sealed interface DeviceMessage {

    /**
     * "These are my account's devices": the signed list and, for each active device, how to reach
     * it. Sent by a device of the account to every contact device and to its own other devices,
     * after a contact card and whenever the list changes.
     */
    record Announce(DeviceList list, List<DeviceContact> reach) implements DeviceMessage {
        public Announce {
            reach = List.copyOf(reach);
        }
    }

    /** The primary's answer to a link code: the code's one-time secret and the list that now names the new device. */
    record LinkApproval(Bytes secret, DeviceList list) implements DeviceMessage {}

    /**
     * "I sent this": what one device sent in a conversation, for the account's other devices to
     * show as sent by us. {@code kind} is the stored kind's ordinal (text, group text, attachment
     * text); {@code recipients} the contact devices it went to (their receipts then reach every
     * device of ours).
     */
    record SentTranscript(int kind, String conversationId, String text, List<String> recipients) implements DeviceMessage {
        public SentTranscript {
            recipients = List.copyOf(recipients);
        }
    }

    /** "I showed these incoming messages": read state for the account's other devices. */
    record ReadSync(String conversationId, List<MessageId> messageIds) implements DeviceMessage {
        public ReadSync {
            messageIds = List.copyOf(messageIds);
        }
    }

    /**
     * The primary's contacts, for a newly linked device (one batch of at most
     * {@link DeviceMessageCodec#MAX_CONTACTS}). The primary holds no prekey bundle of a contact, so
     * the new device cannot start a session from this: it shows the contact (name, key, safety
     * number) and its sessions come from the contact's side, whose devices learn the new device
     * from the primary's announce and send it their card.
     */
    record ContactSync(List<SyncedContact> contacts) implements DeviceMessage {
        public ContactSync {
            contacts = List.copyOf(contacts);
        }
    }

    /** One synced contact: the name the user gave it, its identity key and the inbox the primary sends it to (if known). */
    record SyncedContact(String name, IdentityKey identity, Optional<Invite.ContactInbox> inbox) {
        public SyncedContact {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(identity, "identity");
            Objects.requireNonNull(inbox, "inbox");
        }
    }

    /** The primary's groups, for a newly linked device (one batch of at most {@link DeviceMessageCodec#MAX_GROUPS}). */
    record GroupSync(List<SyncedGroup> groups) implements DeviceMessage {
        public GroupSync {
            groups = List.copyOf(groups);
        }
    }

    /** One synced group: its 16-byte id, its name and its members' contact ids (accounts, not devices). */
    record SyncedGroup(Bytes groupId, String name, List<String> members) {
        public SyncedGroup {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(name, "name");
            members = List.copyOf(members);
        }
    }

    /**
     * Recent messages of one conversation, oldest first (one batch of at most
     * {@link DeviceMessageCodec#MAX_HISTORY_BATCH}), for a newly linked device. Stored there as
     * they were, marked synced: never sent again, never receipted, not unread.
     */
    record HistorySync(String conversationId, List<SyncedMessage> messages) implements DeviceMessage {
        public HistorySync {
            Objects.requireNonNull(conversationId, "conversationId");
            messages = List.copyOf(messages);
        }
    }

    /**
     * One synced message: its stored id on the primary (so a repeated batch adds nothing), direction,
     * for an incoming one the sender's contact id (account), its status's ordinal
     * ({@code service.MessageState}), its time in the conversation and last change, its text and the
     * metadata of its attachments (up to {@link DeviceMessageCodec#MAX_SYNCED_FILES}).
     */
    record SyncedMessage(String messageId, boolean outgoing, String senderId, int status, long atMillis, long updatedAtMillis,
                         String text, List<SyncedFile> files) {
        public SyncedMessage {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(senderId, "senderId");
            Objects.requireNonNull(text, "text");
            files = List.copyOf(files);
        }

        /** A message without attachments. */
        public SyncedMessage(String messageId, boolean outgoing, String senderId, int status, long atMillis, long updatedAtMillis, String text) {
            this(messageId, outgoing, senderId, status, atMillis, updatedAtMillis, text, List.of());
        }
    }

    /**
     * What a newly linked device learns of an attachment of a synced message: its name, content
     * type, size and SHA-256 digest — not its key or chunks (the file stays on the devices that
     * have it; the new device shows it as not synced).
     */
    record SyncedFile(String name, String mime, long size, Bytes digest) {
        public SyncedFile {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(mime, "mime");
            Objects.requireNonNull(digest, "digest");
        }
    }

    /** A device type code this version does not know. */
    record Unrecognized(int typeCode, Bytes body) implements DeviceMessage {}
}
