package org.parley.routing.link;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCodec;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * A whole network of nodes in one thread, for tests and benchmarks. Every frame is decoded and
 * re-encoded on delivery (so nothing travels that the codec cannot carry), and every event
 * (frame, link open/close, connect completion) goes through one FIFO queue that the test drains
 * with {@link #runUntilIdle}. Deterministic; no threads, no sleeps.
 */
public final class InMemoryLinkNetwork {
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private final Map<String, Node> byAddress = new HashMap<>();
    private long framesDelivered;
    /** Test hook: rewrites a frame in flight (tamper with it, or return null to drop it); identity by default. */
    private UnaryOperator<byte[]> tamper = UnaryOperator.identity();

    /** A node on the network: its address and the transport its routing layer uses. */
    public final class Node implements Transport {
        private final NodeId id;
        private final String address;
        private final LinkListener listener;
        private boolean down;

        private Node(NodeId id, String address, LinkListener listener) {
            this.id = id;
            this.address = address;
            this.listener = listener;
        }

        public NodeId id() {
            return id;
        }

        public String address() {
            return address;
        }

        @Override
        public CompletionStage<Link> connect(NodeId peer, String peerAddress) {
            CompletableFuture<Link> f = new CompletableFuture<>();
            queue.add(() -> {
                Node remote = byAddress.get(peerAddress);
                if (down || remote == null || remote.down || !remote.id.equals(peer)) {
                    f.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                            "cannot reach " + peer + " at the given address"));
                    return;
                }
                MemLink mine = new MemLink(this, true, Optional.of(peer));
                MemLink theirs = new MemLink(remote, false, Optional.of(id));
                mine.other = theirs;
                theirs.other = mine;
                listener.onLinkOpened(mine);
                remote.listener.onLinkOpened(theirs);
                f.complete(mine);
            });
            return f;
        }

        /** Simulates a crash: every link of this node closes, connects to it fail. */
        public void kill() {
            down = true;
            for (MemLink l : Map.copyOf(openLinks).keySet()) {
                if (l.owner == this || l.other.owner == this) l.close();
            }
        }
    }

    private final Map<MemLink, Boolean> openLinks = new HashMap<>();

    private final class MemLink implements Link {
        private final Node owner;
        private final boolean initiator;
        private final Optional<NodeId> peer;
        private MemLink other;
        private boolean closed;

        MemLink(Node owner, boolean initiator, Optional<NodeId> peer) {
            this.owner = owner;
            this.initiator = initiator;
            this.peer = peer;
            openLinks.put(this, Boolean.TRUE);
        }

        @Override
        public Optional<NodeId> peer() {
            return peer;
        }

        @Override
        public boolean initiator() {
            return initiator;
        }

        @Override
        public void send(Bytes frame) {
            if (closed) return;
            byte[] raw = tamper.apply(frame.toArray());
            if (raw == null) return; // the tamper hook dropped it
            MemLink to = other;
            queue.add(() -> {
                if (to.closed) return;
                byte[] wire = raw;
                if (wire.length == Cell.CELL_LEN) {
                    try {
                        wire = CellCodec.encode(CellCodec.decode(wire));
                    } catch (ParleyException e) {
                        // garbage goes through as is; the receiver must cope with it
                    }
                }
                framesDelivered++;
                to.owner.listener.onFrame(to, wire); // fresh array: the listener owns it
            });
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            other.closed = true;
            openLinks.remove(this);
            openLinks.remove(other);
            MemLink o = other;
            queue.add(() -> owner.listener.onLinkClosed(this));
            queue.add(() -> o.owner.listener.onLinkClosed(o));
        }

        @Override
        public String toString() {
            return "MemLink[" + owner.id.shortHex() + "->" + peer.map(NodeId::shortHex).orElse("?") + "]";
        }
    }

    /** Adds a node reachable at {@code address}, whose events go to {@code listener}. */
    public Node attach(NodeId id, String address, LinkListener listener) {
        Node n = new Node(id, address, listener);
        if (byAddress.putIfAbsent(address, n) != null) {
            throw new IllegalArgumentException("address in use: " + address);
        }
        return n;
    }

    /** Delivers queued events until none is left or {@code maxSteps} ran. @return steps run */
    public int runUntilIdle(int maxSteps) {
        int steps = 0;
        while (steps < maxSteps && !queue.isEmpty()) {
            queue.poll().run();
            steps++;
        }
        return steps;
    }

    public int runUntilIdle() {
        int steps = runUntilIdle(1_000_000);
        if (!queue.isEmpty()) throw new IllegalStateException("network did not settle in 1,000,000 steps");
        return steps;
    }

    public void setTamper(UnaryOperator<byte[]> tamper) {
        this.tamper = tamper;
    }

    /** Frames delivered so far (after decode/re-encode). */
    public long framesDelivered() {
        return framesDelivered;
    }

    public int openLinkCount() {
        return openLinks.size() / 2;
    }
}
