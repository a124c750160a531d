package org.parley.routing.inbox;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.routing.cell.RelayMessage;

import java.nio.charset.StandardCharsets;

/**
 * The signed proof in ESTABLISH_INBOX: Ed25519 by the inbox's authorization key over
 * {@code "parley-establish-inbox-v1" | len(inboxId) (1) | inboxId | KH}, where KH is the circuit
 * binding of the inbox relay's hop. Binding to KH means a proof cannot be replayed on another
 * circuit.
 */
public final class InboxProof {
    private static final Bytes CONTEXT = Bytes.wrap("parley-establish-inbox-v1".getBytes(StandardCharsets.US_ASCII));

    private InboxProof() {
    }

    public static Bytes message(Bytes inboxId, Bytes binding) {
        return Bytes.concat(CONTEXT, Bytes.wrap(new byte[] {(byte) inboxId.length()}), inboxId, binding);
    }

    /** Builds ESTABLISH_INBOX for {@code inboxId} on the circuit whose hop binding is {@code binding}. */
    public static RelayMessage.EstablishInbox establish(NodeIdentity authKey, Bytes inboxId, Bytes binding) {
        return new RelayMessage.EstablishInbox(inboxId, authKey.publicKey(), authKey.sign(message(inboxId, binding)));
    }

    public static boolean verify(RelayMessage.EstablishInbox m, Bytes binding) {
        return NodeIdentity.verify(m.authKey(), message(m.inboxId(), binding), m.signature());
    }
}
