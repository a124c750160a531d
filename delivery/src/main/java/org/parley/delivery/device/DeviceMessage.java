package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.delivery.envelope.MessageId;

import java.util.List;

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

    /** A device type code this version does not know. */
    record Unrecognized(int typeCode, Bytes body) implements DeviceMessage {}
}
