package org.parley.delivery.invite;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.handshake.PreKeyBundle;

import java.util.List;
import java.util.Optional;

/**
 * An invitation to chat, shared as a {@code parley://invite/<base64url>} link or QR code: the
 * inviter's prekey bundle (identity, signed X25519 prekey, signed ML-KEM-768 prekey), one
 * contact inbox to write to, an optional display name and an expiry, all signed by the
 * inviter's identity key. See {@link InviteCodec}.
 */
public record Invite(PreKeyBundle bundle, ContactInbox inbox, Optional<String> displayName, long expiresAtMillis,
                     Bytes signature) {

    /** An inbox id and the relays that hold it (at least one). */
    public record ContactInbox(InboxId id, List<Relay> relays) {
        public ContactInbox {
            relays = List.copyOf(relays);
        }
    }

    /** A relay by node id and network address ("host:port"). */
    public record Relay(NodeId nodeId, String address) {
    }

    public Invite {
        if (signature.length() != 64) throw ParleyException.malformed("invite signature must be 64 bytes");
    }
}
