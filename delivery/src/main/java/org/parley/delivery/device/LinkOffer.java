package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.invite.Invite;

import java.util.Objects;

/**
 * What {@code parley link} shows on a new device: its keys (prekey bundle), the inbox it waits
 * on, the name it asks for, a one-time 16-byte secret that the primary's approval must echo, and
 * an expiry; signed by the new device's identity. Encoded by {@link LinkCodec}.
 */
public record LinkOffer(PreKeyBundle bundle, Invite.ContactInbox inbox, String deviceName, Bytes secret, long expiresAtMillis,
                        Bytes signature) {
    public static final int SECRET_SIZE = 16;

    public LinkOffer {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(inbox, "inbox");
        Objects.requireNonNull(deviceName, "deviceName");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(signature, "signature");
    }
}
