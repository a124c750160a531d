package org.parley.discovery.wire;

import org.parley.discovery.net.Contact;

/**
 * Fields every DHT message carries.
 *
 * @param requestId  chosen by the requester, echoed in the reply
 * @param sender     the sender's identity key and listening address
 * @param clientOnly set by light nodes: use me as a client only, never put me in a routing table
 */
public record Header(long requestId, Contact sender, boolean clientOnly) {
    public Header {
        java.util.Objects.requireNonNull(sender, "sender");
    }
}
