package org.parley.routing.circuit;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.LinkSpecifier;
import org.parley.routing.cell.Reassembler;
import org.parley.routing.cell.RelayFramer;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.crypto.NtorV3;
import org.parley.routing.cell.CellCommand;
import org.parley.routing.crypto.ClientOnion;
import org.parley.routing.link.Link;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A circuit this node built as a client, telescoping through its path one hop at a time
 * (CREATE2 to the guard, then EXTEND2 in RELAY_EARLY to the current last hop). Once open, it
 * sends relay messages to any hop and reports messages and closure to its
 * {@link CircuitListener}. Single-threaded. Created by {@link CircuitBuilder}.
 */
public final class ClientCircuit {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCircuit.class);

    private final CircuitSwitch sw;
    private final RoutingConfig config;
    private final Clock clock;
    private final Scheduler scheduler;
    private final SecureRandom random;
    private final List<HopSpec> path;
    private final CircuitListener listener;
    private final CircuitBuilder.FirstHopObserver observer;
    private final CompletableFuture<ClientCircuit> built = new CompletableFuture<>();
    private final RelayCryptoKind kind;
    private final ClientOnion crypto;
    private final List<Bytes> bindings = new ArrayList<>();
    private final List<Reassembler> reassemblers = new ArrayList<>();
    private final List<FlowWindow> flows = new ArrayList<>();
    private Link link;
    private int circId;
    private NtorV3.Client pending;
    /** The next hop's handshake, started while the current hop's answer is on its way (or null). */
    private NtorV3.Client prepared;
    private int preparedFor = -1;
    private Scheduler.Cancellable prepareTask;
    private boolean closed;
    private Scheduler.Cancellable buildTimer;
    private Scheduler.Cancellable reassemblyTimer;
    private final RoutingMetrics metrics;
    private long startNanos;

    private final CircuitSwitch.Endpoint endpoint = new CircuitSwitch.Endpoint() {
        @Override
        public void onCell(Cell cell) {
            ClientCircuit.this.onCell(cell);
        }

        @Override
        public void onRelay(int circId, boolean early, byte[] body) {
            if (closed) return;
            if (early) {
                closeLocally(DestroyReason.PROTOCOL, true); // RELAY_EARLY never travels backward
            } else {
                onRelayBody(body);
            }
        }

        @Override
        public void onLinkClosed() {
            closeLocally(DestroyReason.CHANNEL_CLOSED, false);
        }
    };

    ClientCircuit(CircuitSwitch sw, RoutingConfig config, Clock clock, Scheduler scheduler, SecureRandom random,
                  List<HopSpec> path, CircuitListener listener, CircuitBuilder.FirstHopObserver observer) {
        if (path.isEmpty()) throw new ParleyException(ParleyException.Kind.CONFIG, "a circuit needs at least one hop");
        this.sw = sw;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.random = random;
        this.path = List.copyOf(path);
        this.listener = listener;
        this.observer = observer;
        this.kind = config.relayCrypto();
        this.crypto = kind.newClient();
        this.metrics = sw.metrics();
    }

    CompletableFuture<ClientCircuit> start() {
        startNanos = System.nanoTime();
        buildTimer = scheduler.schedule(config.buildTimeoutMillis(), () -> {
            if (!built.isDone()) {
                LOG.debug("circuit build timed out after {} of {} hops", crypto.hops(), path.size());
                closeLocally(DestroyReason.TIMEOUT, true);
            }
        });
        HopSpec guard = path.get(0);
        sw.connect(guard.id(), guard.address()).whenComplete((l, failure) -> {
            observer.firstHop(guard.id(), failure == null);
            if (closed) return;
            if (failure != null) {
                closeLocally(DestroyReason.CONNECTFAILED, false);
                return;
            }
            link = l;
            try {
                circId = sw.allocate(l, endpoint);
            } catch (ParleyException e) {
                link = null;
                closeLocally(DestroyReason.RESOURCELIMIT, false);
                return;
            }
            pending = handshake(guard);
            sw.send(l, new Cell.Create2(circId, NtorV3.HTYPE, pending.message()));
            prepare(1);
        });
        return built;
    }

    private NtorV3.Client handshake(HopSpec hop) {
        return NtorV3.clientStart(new NtorV3.RelayKeys(hop.id().value(), hop.onionKey()),
                HandshakeExtensions.relayCrypto(kind), NtorV3.CIRCUIT_EXTEND, random);
    }

    private void onCell(Cell cell) {
        if (closed) return;
        if (cell instanceof Cell.Destroy d) {
            closeLocally(d.reason(), false);
        } else if (cell instanceof Cell.Created2 c && pending != null && crypto.hops() == 0) {
            hopAdded(c.hdata());
        } else if (cell instanceof Cell.Relay r) {
            onRelayBody(r.body().toArray());
        } else {
            closeLocally(DestroyReason.PROTOCOL, true);
        }
    }

    /** A backward RELAY body (509 bytes, owned: decrypted in place). */
    private void onRelayBody(byte[] body) {
        int hop = crypto.decryptFrom(CellCommand.RELAY.code(), body);
        if (hop < 0) {
            LOG.debug("backward cell recognized by no hop; closing the circuit");
            metrics.cellDropped(RoutingMetrics.DIGEST);
            closeLocally(DestroyReason.PROTOCOL, true);
            return;
        }
        fromHop(hop, body);
    }

    private void fromHop(int hop, byte[] body) {
        RelayMessage m;
        Reassembler reassembler = reassemblers.get(hop);
        try {
            m = reassembler.accept(RelayFramer.unframe(body, kind.format()), clock.nowMillis());
        } catch (ParleyException e) {
            LOG.debug("bad relay message from hop {}: {}", hop, e.getMessage());
            metrics.cellDropped(e.kind() == ParleyException.Kind.RESOURCE_LIMIT
                    ? RoutingMetrics.REASSEMBLY_LIMIT : RoutingMetrics.BAD_MESSAGE);
            closeLocally(DestroyReason.PROTOCOL, true);
            return;
        }
        if (m instanceof RelayMessage.Sendme) {
            try {
                flows.get(hop).onSendme(b -> emit(hop, b));
            } catch (ParleyException e) {
                metrics.cellDropped(RoutingMetrics.SENDME_UNEXPECTED);
                LOG.debug("hop {}: {}; closing the circuit", hop, e.getMessage());
                closeLocally(DestroyReason.PROTOCOL, true);
            }
            return;
        }
        if (flows.get(hop).countReceived()) {
            sendNow(hop, new RelayMessage.Sendme());
        }
        if (reassembler.inProgress() && reassemblyTimer == null) {
            reassemblyTimer = scheduler.schedule(config.reassemblyTimeoutMillis(), () -> {
                reassemblyTimer = null;
                if (reassemblers.stream().anyMatch(Reassembler::inProgress)) closeLocally(DestroyReason.TIMEOUT, true);
            });
        }
        if (m == null || m instanceof RelayMessage.Drop) return; // cover traffic from a hop: discarded
        if (m instanceof RelayMessage.Extended2 e && pending != null && hop == crypto.hops() - 1) {
            hopAdded(e.hdata());
        } else if (!built.isDone()) {
            closeLocally(DestroyReason.PROTOCOL, true);
        } else {
            listener.onMessage(hop, m);
        }
    }

    private void hopAdded(Bytes reply) {
        cancelPrepare();
        NtorV3.ClientResult result;
        try {
            result = pending.finish(reply, kind.seedLen());
            if (HandshakeExtensions.relayCryptoOf(HandshakeExtensions.parse(result.serverMessage())) != kind) {
                throw ParleyException.protocol("relay did not confirm relay crypto " + kind);
            }
        } catch (ParleyException e) {
            LOG.debug("hop {} handshake failed: {}", crypto.hops(), e.getMessage());
            closeLocally(DestroyReason.PROTOCOL, true);
            return;
        }
        pending = null;
        crypto.addHop(result.keys());
        bindings.add(kind.binding(result.keys()));
        reassemblers.add(new Reassembler(config.maxMessageBytes()));
        flows.add(new FlowWindow(config.circuitWindow(), config.sendmeIncrement(), config.maxQueuedCells()));
        int have = crypto.hops();
        if (have == path.size()) {
            buildTimer.cancel();
            metrics.circuitBuilt(have, System.nanoTime() - startNanos);
            built.complete(this);
            return;
        }
        HopSpec next = path.get(have);
        try {
            pending = preparedFor == have && prepared != null ? prepared : handshake(next);
            prepared = null;
        } catch (ParleyException e) {
            LOG.debug("cannot extend to hop {}: {}", have, e.getMessage());
            closeLocally(DestroyReason.INTERNAL, true);
            return;
        }
        RelayMessage.Extend2 extend = new RelayMessage.Extend2(
                List.of(LinkSpecifier.nodeId(next.id()), LinkSpecifier.address(next.address())),
                NtorV3.HTYPE, pending.message());
        for (byte[] body : RelayFramer.frame(extend, kind.format())) {
            crypto.encryptTo(have - 1, CellCommand.RELAY_EARLY.code(), body);
            sw.sendRelay(link, circId, true, body);
        }
        prepare(have + 1);
    }

    /**
     * Starts hop {@code hop}'s ntor v3 handshake (two X25519 operations) in a later event-loop turn,
     * while the previous hop's answer travels, so the answer's turn only finishes and extends. The
     * message is the same as if it were computed when needed (fresh ephemeral key, same inputs);
     * if the answer comes first, {@link #hopAdded} computes it itself.
     */
    private void cancelPrepare() {
        if (prepareTask != null) {
            prepareTask.cancel();
            prepareTask = null;
        }
    }

    private void prepare(int hop) {
        if (hop >= path.size()) return;
        prepareTask = scheduler.schedule(0, () -> {
            prepareTask = null;
            if (closed || crypto.hops() >= hop || preparedFor == hop) return;
            try {
                prepared = handshake(path.get(hop));
                preparedFor = hop;
            } catch (ParleyException e) {
                prepared = null; // hopAdded retries and reports it
            }
        });
    }

    /** Sends {@code message} to hop {@code hop} (0 = guard), flow-controlled. */
    public void send(int hop, RelayMessage message) {
        if (!isOpen()) throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "circuit is not open");
        if (hop < 0 || hop >= crypto.hops()) throw new IllegalArgumentException("no hop " + hop);
        try {
            for (byte[] body : RelayFramer.frame(message, kind.format())) flows.get(hop).offer(body, b -> emit(hop, b));
        } catch (ParleyException e) {
            metrics.cellDropped(RoutingMetrics.QUEUE_FULL);
            closeLocally(DestroyReason.RESOURCELIMIT, true);
            throw e;
        }
    }

    /** Sends to the last hop (an inbox relay, typically). */
    public void sendToLast(RelayMessage message) {
        send(path.size() - 1, message);
    }

    private void sendNow(int hop, RelayMessage m) {
        for (byte[] body : RelayFramer.frame(m, kind.format())) emit(hop, body);
    }

    private void emit(int hop, byte[] body) {
        if (closed) return;
        crypto.encryptTo(hop, CellCommand.RELAY.code(), body);
        sw.sendRelay(link, circId, false, body);
    }

    public boolean isOpen() {
        return built.isDone() && !built.isCompletedExceptionally() && !closed;
    }

    public List<HopSpec> path() {
        return path;
    }

    /** KH of hop {@code hop}: shared with that relay only, binds proofs (inbox registration) to this circuit. */
    public Bytes binding(int hop) {
        return bindings.get(hop);
    }

    /** Tears the circuit down (DESTROY with reason REQUESTED / FINISHED). */
    public void close() {
        closeLocally(DestroyReason.FINISHED, true);
    }

    private void closeLocally(DestroyReason reason, boolean sendDestroy) {
        if (closed) return;
        closed = true;
        if (buildTimer != null) buildTimer.cancel();
        cancelPrepare();
        prepared = null;
        if (reassemblyTimer != null) reassemblyTimer.cancel();
        if (link != null) {
            sw.unregister(link, circId);
            if (sendDestroy) sw.send(link, new Cell.Destroy(circId, reason));
        }
        if (!built.isDone()) {
            metrics.circuitBuildFailed(crypto.hops(), reason);
            built.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                    "circuit build failed after " + crypto.hops() + " of " + path.size() + " hops: " + reason));
        }
        listener.onClosed(reason);
    }
}
