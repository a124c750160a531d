package org.parley.delivery.device;

import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.invite.Invite;

import java.util.Objects;

/**
 * How to reach one device: its prekey bundle (signed by the device's identity key) and an inbox
 * it reads. A contact that learns a new device from a signed list starts a session with this.
 */
public record DeviceContact(PreKeyBundle bundle, Invite.ContactInbox inbox) {
    public DeviceContact {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(inbox, "inbox");
    }
}
