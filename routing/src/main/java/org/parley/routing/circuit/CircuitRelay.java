package org.parley.routing.circuit;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.limit.TokenBucket;
import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.cell.LinkSpecifier;
import org.parley.routing.cell.Reassembler;
import org.parley.routing.cell.RelayFramer;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.crypto.NtorV3;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.cell.CellCommand;
import org.parley.routing.cell.RelayCellFormat;
import org.parley.routing.crypto.RelayOnion;
import org.parley.routing.link.Link;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The relay role of a node: answers CREATE2 with CREATED2 (ntor v3, replay-checked), extends
 * circuits on EXTEND2 (opening a link to the next hop and answering EXTENDED2), moves relay cells
 * one hop on, and hands messages addressed to this hop to a {@link LocalHandler}. A forward cell
 * that fails the digest at the last hop closes that circuit only. DESTROY and link loss travel in
 * both directions with their reason. Single-threaded, driven by its {@link CircuitSwitch}.
 */
public final class CircuitRelay {
    private static final Logger LOG = LoggerFactory.getLogger(CircuitRelay.class);
    private static final int MAX_SEED_LEN = java.util.Arrays.stream(RelayCryptoKind.values())
            .mapToInt(RelayCryptoKind::seedLen).max().orElseThrow();
    private static final int RELAY = CellCommand.RELAY.code();
    private static final int RELAY_EARLY = CellCommand.RELAY_EARLY.code();
    /** As tor-spec: at most 8 RELAY_EARLY cells per circuit, which bounds how long a circuit can grow. */
    public static final int MAX_RELAY_EARLY = 8;

    private final NodeId self;
    private final Supplier<List<OnionKeyPair>> onionKeys;
    private final CircuitSwitch sw;
    private final RoutingConfig config;
    private final Clock clock;
    private final Scheduler scheduler;
    private final SecureRandom random;
    private final ReplayCache replays;
    private final RoutingMetrics metrics;
    private LocalHandler localHandler = (c, m) -> LOG.debug("no local service for relay command {}", m.code());
    private long circuitsCreated;
    private long replaysRefused;
    private long digestFailures;
    private long relayEarlyRefused;
    private int open;

    public CircuitRelay(NodeId self, Supplier<List<OnionKeyPair>> onionKeys, CircuitSwitch sw, RoutingConfig config,
                        Clock clock, Scheduler scheduler, SecureRandom random) {
        this.self = self;
        this.onionKeys = onionKeys;
        this.sw = sw;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.random = random;
        this.metrics = sw.metrics();
        this.replays = new ReplayCache(clock, config.replayCacheTtlMillis(), config.replayCacheMaxEntries());
        sw.setCreateHandler(this::onCreate2);
    }

    public void setLocalHandler(LocalHandler handler) {
        this.localHandler = handler;
    }

    private void onCreate2(Link link, Cell.Create2 cell) {
        if (cell.htype() != NtorV3.HTYPE) {
            metrics.cellDropped(RoutingMetrics.CREATE_REFUSED);
            sw.send(link, new Cell.Destroy(cell.circId(), DestroyReason.PROTOCOL));
            return;
        }
        Bytes replayKey = ReplayCache.digest(cell.hdata());
        if (replays.contains(replayKey)) {
            replaysRefused++;
            metrics.cellDropped(RoutingMetrics.CREATE_REFUSED);
            LOG.debug("refused a replayed CREATE2");
            sw.send(link, new Cell.Destroy(cell.circId(), DestroyReason.PROTOCOL));
            return;
        }
        NtorV3.ServerResult result;
        RelayCryptoKind[] kind = new RelayCryptoKind[1];
        try {
            result = NtorV3.serverRespond(self.value(), onionKeys.get(), cell.hdata(), NtorV3.CIRCUIT_EXTEND,
                    cm -> {
                        kind[0] = HandshakeExtensions.relayCryptoOf(HandshakeExtensions.parse(cm));
                        if (kind[0] == null) throw ParleyException.protocol("unsupported relay crypto requested");
                        return HandshakeExtensions.relayCrypto(kind[0]);
                    }, MAX_SEED_LEN, random);
        } catch (ParleyException e) {
            LOG.debug("CREATE2 refused: {}", e.getMessage());
            metrics.cellDropped(RoutingMetrics.CREATE_REFUSED);
            sw.send(link, new Cell.Destroy(cell.circId(), DestroyReason.PROTOCOL));
            return;
        }
        replays.add(replayKey);
        Bytes seed = result.keys().slice(0, kind[0].seedLen());
        RelayCircuit circuit = new RelayCircuit(link, cell.circId(), kind[0], seed);
        sw.register(link, cell.circId(), circuit.prevEnd);
        circuitsCreated++;
        open++;
        sw.send(link, new Cell.Created2(cell.circId(), result.reply()));
    }

    public long circuitsCreated() {
        return circuitsCreated;
    }

    public long replaysRefused() {
        return replaysRefused;
    }

    public long digestFailures() {
        return digestFailures;
    }

    /** Circuits closed for carrying more than {@link #MAX_RELAY_EARLY} RELAY_EARLY cells. */
    public long relayEarlyRefused() {
        return relayEarlyRefused;
    }

    public int openCircuits() {
        return open;
    }

    /** One circuit through (or ending at) this relay. */
    private final class RelayCircuit implements CircuitHandle {
        private final Link prevLink;
        private final int prevId;
        private final RelayOnion crypto;
        private final RelayCellFormat format;
        private final Bytes binding;
        private final Reassembler reassembler;
        private final FlowWindow flow;
        private TokenBucket delivers;
        private final List<Runnable> closeListeners = new ArrayList<>();
        private Link nextLink;
        private int nextId;
        private boolean extending;
        private boolean closed;
        private int relayEarlySeen;
        private Scheduler.Cancellable reassemblyTimer;

        final CircuitSwitch.Endpoint prevEnd = new CircuitSwitch.Endpoint() {
            @Override
            public void onCell(Cell cell) {
                fromPrev(cell);
            }

            @Override
            public void onRelay(int circId, boolean early, byte[] body) {
                fromPrevRelay(early, body);
            }

            @Override
            public void onLinkClosed() {
                close(DestroyReason.CHANNEL_CLOSED, false, true);
            }
        };

        final CircuitSwitch.Endpoint nextEnd = new CircuitSwitch.Endpoint() {
            @Override
            public void onCell(Cell cell) {
                fromNext(cell);
            }

            @Override
            public void onRelay(int circId, boolean early, byte[] body) {
                if (closed) return;
                if (early) {
                    close(DestroyReason.PROTOCOL, true, true); // RELAY_EARLY never travels backward
                } else {
                    backward(body);
                }
            }

            @Override
            public void onLinkClosed() {
                close(DestroyReason.CHANNEL_CLOSED, true, false);
            }
        };

        RelayCircuit(Link prevLink, int prevId, RelayCryptoKind kind, Bytes seed) {
            this.prevLink = prevLink;
            this.prevId = prevId;
            this.crypto = kind.newRelay(seed);
            this.format = kind.format();
            this.binding = kind.binding(seed);
            this.reassembler = new Reassembler(config.maxMessageBytes());
            this.flow = new FlowWindow(config.circuitWindow(), config.sendmeIncrement(), config.maxQueuedCells());
        }

        private void fromPrev(Cell cell) {
            if (closed) return;
            if (cell instanceof Cell.Relay r) {
                fromPrevRelay(false, r.body().toArray());
            } else if (cell instanceof Cell.RelayEarly r) {
                fromPrevRelay(true, r.body().toArray());
            } else if (cell instanceof Cell.Destroy d) {
                close(d.reason(), false, true);
            } else {
                close(DestroyReason.PROTOCOL, true, true);
            }
        }

        /** A forward RELAY or RELAY_EARLY body (509 bytes, owned: decrypted in place). */
        private void fromPrevRelay(boolean early, byte[] b) {
            if (closed) return;
            if (early && ++relayEarlySeen > MAX_RELAY_EARLY) {
                relayEarlyRefused++;
                metrics.cellDropped(RoutingMetrics.RELAY_EARLY);
                LOG.debug("too many RELAY_EARLY cells; closing the circuit");
                close(DestroyReason.PROTOCOL, true, true);
                return;
            }
            if (crypto.decryptForward(early ? RELAY_EARLY : RELAY, b)) {
                local(b, early);
            } else if (nextLink != null) {
                sw.sendRelay(nextLink, nextId, early, b);
                metrics.cellRelayed();
            } else {
                digestFailures++;
                metrics.cellDropped(RoutingMetrics.DIGEST);
                LOG.debug("relay cell failed the digest at its last hop; closing the circuit");
                close(DestroyReason.PROTOCOL, true, true);
            }
        }

        private void local(byte[] body, boolean early) {
            RelayMessage message;
            try {
                message = reassembler.accept(RelayFramer.unframe(body, format), clock.nowMillis());
            } catch (ParleyException e) {
                LOG.debug("bad relay message at this hop: {}", e.getMessage());
                metrics.cellDropped(e.kind() == ParleyException.Kind.RESOURCE_LIMIT
                        ? RoutingMetrics.REASSEMBLY_LIMIT : RoutingMetrics.BAD_MESSAGE);
                close(DestroyReason.PROTOCOL, true, true);
                return;
            }
            if (reassembler.inProgress() && reassemblyTimer == null) {
                reassemblyTimer = scheduler.schedule(config.reassemblyTimeoutMillis(), () -> {
                    if (reassembler.inProgress()) {
                        LOG.debug("fragment run timed out; closing the circuit");
                        close(DestroyReason.TIMEOUT, true, true);
                    }
                });
            }
            if (message instanceof RelayMessage.Sendme) {
                try {
                    flow.onSendme(this::emit);
                } catch (ParleyException e) {
                    metrics.cellDropped(RoutingMetrics.SENDME_UNEXPECTED);
                    LOG.debug("{}; closing the circuit", e.getMessage());
                    close(DestroyReason.PROTOCOL, true, true);
                }
                return;
            }
            if (flow.countReceived()) {
                sendNow(new RelayMessage.Sendme());
            }
            if (message == null) {
                return;
            }
            if (reassemblyTimer != null) {
                reassemblyTimer.cancel();
                reassemblyTimer = null;
            }
            if (message instanceof RelayMessage.Drop d) {
                // cover traffic: answer (inside the flow window: the client counts the answer toward its SENDMEs), then discard
                if (d.echo()) send(new RelayMessage.Drop(false));
                return;
            }
            if (message instanceof RelayMessage.Extend2 e) {
                if (!early || nextLink != null || extending) {
                    close(DestroyReason.PROTOCOL, true, true);
                    return;
                }
                extend(e);
            } else {
                if (message instanceof RelayMessage.Deliver d && !admitDeliver(d)) return;
                localHandler.onMessage(this, message);
            }
        }

        /**
         * The circuit's and its link's DELIVER rate ({@link FloodLimits}): false if over it, after
         * answering ERROR {@code QUOTA} for the envelope, or closing the circuit (DESTROY
         * {@code RESOURCELIMIT}) once it has been refused {@code closeCircuitAfter} times in a row.
         */
        private boolean admitDeliver(RelayMessage.Deliver d) {
            FloodLimits limits = sw.floodLimits();
            if (limits.deliverPerCircuitPerSecond() <= 0 && limits.deliverPerLinkPerSecond() <= 0) return true;
            if (delivers == null) delivers = limits.deliverCircuitBucket(clock.nowMillis());
            if (sw.admitDeliver(prevLink, delivers)) return true;
            if (limits.closeCircuitAfter() > 0 && delivers.strikes(clock.nowMillis()) >= limits.closeCircuitAfter()) {
                metrics.cellDropped(RoutingMetrics.CIRCUIT_CLOSED_FLOODING);
                LOG.debug("closing a circuit that kept sending DELIVER past its rate");
                close(DestroyReason.RESOURCELIMIT, true, true);
            } else {
                send(new RelayMessage.Error(InboxErrorKind.QUOTA, d.messageId()));
            }
            return false;
        }

        private void extend(RelayMessage.Extend2 e) {
            Optional<NodeId> target = LinkSpecifier.findNodeId(e.specifiers());
            Optional<String> address = LinkSpecifier.findAddress(e.specifiers());
            if (target.isEmpty() || address.isEmpty() || target.get().equals(self)) {
                close(DestroyReason.PROTOCOL, true, true);
                return;
            }
            extending = true;
            sw.connect(target.get(), address.get()).whenComplete((link, failure) -> {
                if (closed) return;
                if (failure != null) {
                    LOG.debug("extend failed: cannot reach next hop");
                    close(DestroyReason.CONNECTFAILED, true, true);
                    return;
                }
                try {
                    nextLink = link;
                    nextId = sw.allocate(link, nextEnd);
                } catch (ParleyException ex) {
                    nextLink = null;
                    close(DestroyReason.RESOURCELIMIT, true, true);
                    return;
                }
                sw.send(link, new Cell.Create2(nextId, e.htype(), e.hdata()));
            });
        }

        private void fromNext(Cell cell) {
            if (closed) return;
            if (cell instanceof Cell.Created2 c && extending) {
                extending = false;
                sendNow(new RelayMessage.Extended2(c.hdata()));
            } else if (cell instanceof Cell.Relay r) {
                backward(r.body().toArray());
            } else if (cell instanceof Cell.Destroy d) {
                close(d.reason(), true, false);
            } else {
                close(DestroyReason.PROTOCOL, true, true);
            }
        }

        /** A backward RELAY body from the next hop (509 bytes, owned: encrypted in place), one hop back. */
        private void backward(byte[] b) {
            crypto.encryptBackward(RELAY, b);
            sw.sendRelay(prevLink, prevId, false, b);
            metrics.cellRelayed();
        }

        /** Sends outside flow control (SENDME, EXTENDED2). */
        private void sendNow(RelayMessage m) {
            for (byte[] body : RelayFramer.frame(m, format)) emit(body);
        }

        private void emit(byte[] body) {
            if (closed) return;
            crypto.originateBackward(RELAY, body);
            sw.sendRelay(prevLink, prevId, false, body);
        }

        @Override
        public void send(RelayMessage message) {
            if (closed) return;
            try {
                for (byte[] body : RelayFramer.frame(message, format)) flow.offer(body, this::emit);
            } catch (ParleyException e) {
                metrics.cellDropped(RoutingMetrics.QUEUE_FULL);
                close(DestroyReason.RESOURCELIMIT, true, true);
            }
        }

        @Override
        public Bytes binding() {
            return binding;
        }

        @Override
        public boolean isOpen() {
            return !closed;
        }

        @Override
        public void onClose(Runnable onClose) {
            if (closed) onClose.run();
            else closeListeners.add(onClose);
        }

        private void close(DestroyReason reason, boolean tellPrev, boolean tellNext) {
            if (closed) return;
            closed = true;
            open--;
            if (reassemblyTimer != null) reassemblyTimer.cancel();
            sw.unregister(prevLink, prevId);
            if (tellPrev) sw.send(prevLink, new Cell.Destroy(prevId, reason));
            if (nextLink != null) {
                sw.unregister(nextLink, nextId);
                if (tellNext) sw.send(nextLink, new Cell.Destroy(nextId, reason));
            }
            for (Runnable r : closeListeners) r.run();
            closeListeners.clear();
        }
    }
}
