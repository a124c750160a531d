package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.invite.Invite;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * How {@link DeliveryService} reaches the network: routing (over a fresh or reused circuit)
 * delivers an envelope to an inbox at its relay, and opens our own inboxes so their envelopes come
 * back through {@link DeliveryService#onInbound}. Stages complete on the service's thread.
 */
public interface EnvelopeRouter {
    /** What the inbox relay answered: {@code STORED} or {@code DUPLICATE}, and the circuit's node ids (guard first). */
    record SendOutcome(String outcome, List<String> path) {
        public SendOutcome {
            path = List.copyOf(path);
        }
    }

    /** Completes only after the relay stored the envelope (durably) or refused (then fails). */
    CompletionStage<SendOutcome> sendToInbox(Invite.Relay relay, InboxId inbox, MessageId messageId, Bytes envelope);

    /** Registers our inbox at {@code relay}, proving control with the Ed25519 seed {@code authSeed}; completes with the inbound path. */
    CompletionStage<List<String>> openInbox(Invite.Relay relay, InboxId inbox, Bytes authSeed);
}
