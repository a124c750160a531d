package org.parley.routing.circuit;

import org.parley.core.ParleyException;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A SENDME-style window for one direction of one circuit end. The sender may have at most
 * {@code window} relay cells outstanding; further plaintext bodies wait in a bounded queue (they
 * are encrypted only when actually sent, so onion stream order stays right). The receiver asks
 * for a SENDME every {@code increment} cells. SENDME cells themselves are not counted.
 */
final class FlowWindow {
    private final int increment;
    private final int maxQueue;
    private int window;
    private int received;
    private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();

    FlowWindow(int window, int increment, int maxQueue) {
        this.window = window;
        this.increment = increment;
        this.maxQueue = maxQueue;
    }

    /** Sends now or queues. @throws ParleyException RESOURCE_LIMIT when the queue is full */
    void offer(byte[] body, Consumer<byte[]> send) {
        if (window > 0 && waiting.isEmpty()) {
            window--;
            send.accept(body);
        } else {
            if (waiting.size() >= maxQueue) throw ParleyException.limit("circuit send queue full");
            waiting.add(body);
        }
    }

    /** A SENDME arrived: opens the window and drains what fits. */
    void onSendme(Consumer<byte[]> send) {
        window += increment;
        while (window > 0 && !waiting.isEmpty()) {
            window--;
            send.accept(waiting.poll());
        }
    }

    /** Counts one received cell; true when a SENDME should go back. */
    boolean countReceived() {
        if (++received >= increment) {
            received = 0;
            return true;
        }
        return false;
    }

    int window() {
        return window;
    }

    int queued() {
        return waiting.size();
    }
}
