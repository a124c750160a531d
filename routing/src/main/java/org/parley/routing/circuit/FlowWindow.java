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
    private final int maxWindow;
    private int window;
    private int received;
    private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();

    FlowWindow(int window, int increment, int maxQueue) {
        this.window = window;
        // a receiver counts a few cells the sender sent outside the window (EXTEND2/EXTENDED2, at
        // most 3), so that much slack is tolerated; beyond it a SENDME was not asked for
        this.maxWindow = window + Math.max(increment, 4);
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

    /**
     * A SENDME arrived: opens the window and drains what fits.
     *
     * @throws ParleyException RESOURCE_LIMIT when the SENDME would open the window past its bound
     *         (a peer acknowledging cells it never got, to make this end send without limit)
     */
    void onSendme(Consumer<byte[]> send) {
        if (window + increment > maxWindow) throw ParleyException.limit("unexpected SENDME: window would exceed " + maxWindow);
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
