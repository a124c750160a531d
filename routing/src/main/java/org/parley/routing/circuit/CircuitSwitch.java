package org.parley.routing.circuit;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.limit.TokenBucket;
import org.parley.core.time.Clock;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCodec;
import org.parley.routing.cell.CellCommand;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.link.Link;
import org.parley.routing.link.LinkListener;
import org.parley.routing.link.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A node's link handler: decodes and validates every frame, and hands each cell to the circuit
 * end registered for its (link, circuit id). CREATE2 on an unknown id goes to the
 * {@link CreateHandler} (the relay role). Garbage on a link closes that link only. Owns circuit id
 * allocation per link: the link initiator uses ids with the high bit set, the other side ids
 * without (as Tor link protocol 4+). Holds each link's {@link FloodLimits} budgets: CREATE2 over
 * the link's rate is answered DESTROY {@code RESOURCELIMIT} before any handshake work, and a link
 * that keeps sending CREATE2 past it is closed; the relay asks {@link #admitDeliver} for each
 * DELIVER. Single-threaded.
 */
public final class CircuitSwitch implements LinkListener {
    private static final Logger LOG = LoggerFactory.getLogger(CircuitSwitch.class);

    /** One end of a circuit on one link. */
    public interface Endpoint {
        void onCell(Cell cell);

        /**
         * A RELAY ({@code early} false) or RELAY_EARLY cell on circuit {@code circId}, as its
         * 509-byte body, which the endpoint now owns (it may encrypt or decrypt it in place). The
         * switch's fast path for relayed cells; the default hands the same cell to {@link #onCell}.
         */
        default void onRelay(int circId, boolean early, byte[] body) {
            Bytes b = Bytes.wrap(body);
            onCell(early ? new Cell.RelayEarly(circId, b) : new Cell.Relay(circId, b));
        }

        /** The link under this circuit closed. */
        void onLinkClosed();
    }

    /** Receives CREATE2 for circuit ids nobody holds yet. */
    @FunctionalInterface
    public interface CreateHandler {
        void onCreate2(Link link, Cell.Create2 cell);
    }

    private Transport transport;
    private final Random random;
    private final int maxCircuitsPerLink;
    private final RoutingMetrics metrics;
    private final FloodLimits limits;
    private final Clock clock;
    private final Map<Link, LinkBudget> budgets = new HashMap<>();
    private static final int RELAY = CellCommand.RELAY.code();
    private static final int RELAY_EARLY = CellCommand.RELAY_EARLY.code();
    private final Map<Link, CircuitTable<Endpoint>> links = new HashMap<>();
    private final Map<NodeId, Link> byPeer = new HashMap<>();
    private CreateHandler createHandler;
    private long malformedFrames;

    public CircuitSwitch(Transport transport, Random random, int maxCircuitsPerLink) {
        this(random, maxCircuitsPerLink);
        attach(transport);
    }

    /** A switch whose transport is {@link #attach attached} later (the transport needs this listener first). */
    public CircuitSwitch(Random random, int maxCircuitsPerLink) {
        this(random, maxCircuitsPerLink, RoutingMetrics.NONE);
    }

    /** As {@link #CircuitSwitch(Random, int)}, reporting dropped cells to {@code metrics}; no flood limits. */
    public CircuitSwitch(Random random, int maxCircuitsPerLink, RoutingMetrics metrics) {
        this(random, maxCircuitsPerLink, metrics, FloodLimits.OFF, Clock.system());
    }

    /** As {@link #CircuitSwitch(Random, int, RoutingMetrics)}, with per-link {@code limits} timed by {@code clock}. */
    public CircuitSwitch(Random random, int maxCircuitsPerLink, RoutingMetrics metrics, FloodLimits limits, Clock clock) {
        this.random = random;
        this.maxCircuitsPerLink = maxCircuitsPerLink;
        this.metrics = metrics;
        this.limits = limits;
        this.clock = clock;
        this.createHandler = (link, cell) -> send(link, new Cell.Destroy(cell.circId(), DestroyReason.PROTOCOL));
    }

    /** Sets the transport outgoing links are opened with; once. */
    public void attach(Transport transport) {
        if (this.transport != null) throw new IllegalStateException("transport already attached");
        this.transport = transport;
    }

    public void setCreateHandler(CreateHandler handler) {
        this.createHandler = handler;
    }

    @Override
    public void onLinkOpened(Link link) {
        links.computeIfAbsent(link, l -> new CircuitTable<>());
        budgets.computeIfAbsent(link, l -> new LinkBudget(limits, clock.nowMillis()));
        link.peer().ifPresent(p -> byPeer.putIfAbsent(p, link));
    }

    @Override
    public void onFrame(Link link, Bytes frame) {
        onFrame(link, frame.toArray());
    }

    /**
     * As {@link #onFrame(Link, Bytes)}, taking ownership of {@code frame}. A RELAY or RELAY_EARLY
     * cell on a known circuit (non-zero id, 514 bytes) goes straight to its endpoint's
     * {@link Endpoint#onRelay} as a copy of the body, without a {@link Cell} record, and one on an
     * unknown circuit is counted and dropped without a decode; anything else
     * takes the decode-then-validate path, which also closes the link on garbage.
     */
    @Override
    public void onFrame(Link link, byte[] frame) {
        CircuitTable<Endpoint> circuits = links.get(link);
        if (circuits == null) {
            return; // closed already
        }
        if (frame != null && frame.length == Cell.CELL_LEN) {
            int command = frame[4] & 0xff;
            if (command == RELAY || command == RELAY_EARLY) {
                int circId = ((frame[0] & 0xff) << 24) | ((frame[1] & 0xff) << 16) | ((frame[2] & 0xff) << 8) | (frame[3] & 0xff);
                Endpoint end = circId == 0 ? null : circuits.get(circId);
                if (end != null) {
                    end.onRelay(circId, command == RELAY_EARLY, Arrays.copyOfRange(frame, Cell.HEADER_LEN, Cell.CELL_LEN));
                    return;
                }
                if (circId != 0) {
                    // a well-formed relay cell for a circuit gone (e.g. closed for flooding, its cells still in
                    // flight): what the decode path would conclude, without decoding
                    metrics.cellDropped(RoutingMetrics.UNKNOWN_CIRCUIT);
                    return;
                }
            }
        }
        Cell cell;
        try {
            cell = CellCodec.validate(CellCodec.decode(frame));
        } catch (ParleyException e) {
            malformedFrames++;
            metrics.cellDropped(RoutingMetrics.MALFORMED);
            LOG.debug("closing link after a bad cell: {}", e.getMessage());
            link.close();
            return;
        }
        if (cell instanceof Cell.Padding || cell instanceof Cell.Unrecognized) {
            return;
        }
        Endpoint end = circuits.get(cell.circId());
        if (end != null) {
            end.onCell(cell);
        } else if (cell instanceof Cell.Create2 c) {
            boolean peersSpace = (c.circId() < 0) != link.initiator();
            LinkBudget budget = budgets.get(link);
            if (peersSpace && budget != null && !budget.create2.tryTake(clock.nowMillis())) {
                metrics.cellDropped(RoutingMetrics.CREATE2_RATE);
                send(link, new Cell.Destroy(c.circId(), DestroyReason.RESOURCELIMIT));
                if (limits.closeLinkAfter() > 0 && budget.create2.strikes(clock.nowMillis()) >= limits.closeLinkAfter()) {
                    metrics.cellDropped(RoutingMetrics.LINK_CLOSED_FLOODING);
                    LOG.debug("closing a link that kept sending CREATE2 past its rate");
                    link.close();
                }
                return;
            }
            if (!peersSpace || circuits.size() >= maxCircuitsPerLink) {
                metrics.cellDropped(peersSpace ? RoutingMetrics.CIRCUIT_LIMIT : RoutingMetrics.CREATE_REFUSED);
                send(link, new Cell.Destroy(c.circId(), peersSpace ? DestroyReason.RESOURCELIMIT : DestroyReason.PROTOCOL));
                return;
            }
            createHandler.onCreate2(link, c);
        } else {
            if (!(cell instanceof Cell.Destroy)) metrics.cellDropped(RoutingMetrics.UNKNOWN_CIRCUIT);
            LOG.trace("cell for unknown circuit ignored");
        }
    }

    @Override
    public void onLinkClosed(Link link) {
        CircuitTable<Endpoint> circuits = links.remove(link);
        budgets.remove(link);
        link.peer().ifPresent(p -> byPeer.remove(p, link));
        if (circuits == null) return;
        for (Endpoint e : circuits.values()) {
            e.onLinkClosed();
        }
    }

    /** One link's budgets under the {@link FloodLimits}. */
    private static final class LinkBudget {
        final TokenBucket create2;
        final TokenBucket deliver;

        LinkBudget(FloodLimits limits, long now) {
            create2 = limits.create2Bucket(now);
            deliver = limits.deliverLinkBucket(now);
        }
    }

    /** The flood limits this switch and its relay apply. */
    public FloodLimits floodLimits() {
        return limits;
    }

    /**
     * Admits one DELIVER arriving on circuit bucket {@code circuit} over {@code link}: spends a
     * token of both and returns true, or spends none, counts the refusal (metric
     * {@link RoutingMetrics#DELIVER_RATE} or {@link RoutingMetrics#DELIVER_LINK_RATE}, by the
     * bucket that was empty) and returns false.
     */
    boolean admitDeliver(Link link, TokenBucket circuit) {
        long now = clock.nowMillis();
        LinkBudget budget = budgets.get(link);
        TokenBucket perLink = budget == null ? null : budget.deliver;
        boolean circuitOk = circuit.hasToken(now);
        if (circuitOk && (perLink == null || perLink.hasToken(now))) {
            circuit.tryTake(now);
            if (perLink != null) perLink.tryTake(now);
            return true;
        }
        circuit.refused(now);
        metrics.cellDropped(circuitOk ? RoutingMetrics.DELIVER_LINK_RATE : RoutingMetrics.DELIVER_RATE);
        return false;
    }

    /** An open link to {@code peer}, reused if there is one. */
    public CompletionStage<Link> connect(NodeId peer, String address) {
        Link open = byPeer.get(peer);
        if (open != null && links.containsKey(open)) {
            return CompletableFuture.completedFuture(open);
        }
        if (transport == null) throw new IllegalStateException("no transport attached");
        return transport.connect(peer, address).thenApply(link -> {
            onLinkOpened(link);
            return link;
        });
    }

    /** Registers {@code end} under a fresh circuit id from this side's space on {@code link}. */
    public int allocate(Link link, Endpoint end) {
        CircuitTable<Endpoint> circuits = links.get(link);
        if (circuits == null) throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "link is closed");
        if (circuits.size() >= maxCircuitsPerLink) throw ParleyException.limit("too many circuits on one link");
        for (int tries = 0; tries < 64; tries++) {
            int id = random.nextInt() & 0x7fffffff;
            if (link.initiator()) id |= 0x80000000;
            if (id != 0 && !circuits.containsKey(id)) {
                circuits.putIfAbsent(id, end);
                return id;
            }
        }
        throw ParleyException.limit("no free circuit id");
    }

    /** Registers {@code end} under the peer-chosen id {@code circId}. */
    public void register(Link link, int circId, Endpoint end) {
        CircuitTable<Endpoint> circuits = links.get(link);
        if (circuits == null) throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "link is closed");
        if (circuits.putIfAbsent(circId, end) != null) throw ParleyException.protocol("circuit id in use");
    }

    public void unregister(Link link, int circId) {
        CircuitTable<Endpoint> circuits = links.get(link);
        if (circuits != null) circuits.remove(circId);
    }

    public void send(Link link, Cell cell) {
        cellsSent++;
        link.sendOwned(CellCodec.encode(cell));
    }

    /**
     * Sends a RELAY ({@code early} false) or RELAY_EARLY cell with the 509-byte {@code body} on
     * circuit {@code circId}: the same frame as {@link #send} of a {@link Cell.Relay} or
     * {@link Cell.RelayEarly}, built without the record.
     */
    public void sendRelay(Link link, int circId, boolean early, byte[] body) {
        if (body.length != Cell.PAYLOAD_LEN) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "relay body must be " + Cell.PAYLOAD_LEN + " bytes");
        }
        byte[] out = new byte[Cell.CELL_LEN];
        out[0] = (byte) (circId >>> 24);
        out[1] = (byte) (circId >>> 16);
        out[2] = (byte) (circId >>> 8);
        out[3] = (byte) circId;
        out[4] = (byte) (early ? RELAY_EARLY : RELAY);
        System.arraycopy(body, 0, out, Cell.HEADER_LEN, Cell.PAYLOAD_LEN);
        cellsSent++;
        link.sendOwned(out);
    }

    /** Cells this node has written to its links (own circuits and relayed ones). */
    public long cellsSent() {
        return cellsSent;
    }

    /** The metrics hook of this node (the relay, builder and inbox relay report to the same one). */
    public RoutingMetrics metrics() {
        return metrics;
    }

    private long cellsSent;

    public long malformedFrames() {
        return malformedFrames;
    }

    public int circuitCount() {
        return links.values().stream().mapToInt(CircuitTable::size).sum();
    }
}
