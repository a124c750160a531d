package org.parley.storage;

import java.util.Objects;
import org.parley.core.Bytes;

/**
 * A contact.
 *
 * @param contactId   1..255 bytes chosen by the caller (e.g. the contact's node id)
 * @param identityKey the contact's public identity key
 * @param sendInbox   the contact's inbox address we send to (opaque, encoded by delivery)
 * @param ourInbox    the inbox id we gave this contact (opaque)
 */
public record Contact(
        Bytes contactId, String displayName, Bytes identityKey, Bytes sendInbox, Bytes ourInbox, long addedAtMillis) {
    public Contact {
        Objects.requireNonNull(contactId, "contactId");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(identityKey, "identityKey");
        Objects.requireNonNull(sendInbox, "sendInbox");
        Objects.requireNonNull(ourInbox, "ourInbox");
    }
}
