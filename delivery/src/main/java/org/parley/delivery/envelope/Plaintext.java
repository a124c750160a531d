package org.parley.delivery.envelope;

/**
 * One end-to-end message before padding: its random id, the sender's per-conversation sequence
 * number (gaps and duplicates show to the receiver), the sender's clock, and the message.
 */
public record Plaintext(MessageId id, long sequence, long sentAtMillis, InnerMessage message) {
}
