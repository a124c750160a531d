package org.parley.delivery.envelope;

import org.parley.core.Bytes;

/**
 * What leaves the node for a recipient: only the opaque inbox id and a sealed ciphertext.
 * The sender's identity is inside the seal ({@link SealedSender}).
 */
public record Envelope(InboxId inbox, Bytes sealed) {
}
