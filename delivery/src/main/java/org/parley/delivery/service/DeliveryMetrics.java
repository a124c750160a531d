package org.parley.delivery.service;

/** Counting hooks; the verticle binds them to Micrometer. All calls on the service's thread. */
public interface DeliveryMetrics {
    DeliveryMetrics NONE = new DeliveryMetrics() {};

    /** An envelope carrying a user message was stored by an inbox relay (each attempt). */
    default void messageSent() {}

    /** A new (not duplicate) user message was received and persisted. */
    default void messageReceived() {}

    /** A delivery or read receipt arrived. */
    default void receiptReceived() {}

    /** A retransmission (after no STORED or no receipt in time). */
    default void retry() {}

    /** A message reached {@code failed}. */
    default void failed() {}

    /** From send to {@code delivered}. */
    default void deliveredAfter(long millis) {}

    /** A group change was refused: unsigned, not signed by an admin of the group as we hold it, or malformed. */
    default void groupChangeRefused() {}

    /** {@code missed} messages of one sender never came (a gap in its sequence numbers not filled in time): shown as a gap notice. */
    default void gapsDetected(long missed) {}

    /** Cover traffic: a loop envelope to our own inbox was handed to routing. */
    default void coverLoopSent() {}

    /** Cover traffic: one of our loops came back through our inbox after {@code roundTripMillis}. */
    default void coverLoopReturned(long roundTripMillis) {}

    /** Cover traffic: a loop did not come back within {@link CoverLoops#LOST_AFTER_MILLIS} (dropped on the way, or held). */
    default void coverLoopLost() {}

    /** Cover traffic: routing refused a loop (no circuit, relay refused): a send failure, not a silent drop. */
    default void coverLoopFailed() {}

    /** Cover traffic: a loop was due but not sent (too many outstanding, or none of our inboxes open at its relay yet). */
    default void coverLoopSkipped() {}
}
