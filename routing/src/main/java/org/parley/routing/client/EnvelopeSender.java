package org.parley.routing.client;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.CircuitBuilder;
import org.parley.routing.circuit.CircuitListener;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.HopSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * Sends envelopes to inboxes: DELIVER over a circuit whose last hop is the inbox relay, completing
 * when the relay answers STORED (durable there) or failing with the relay's ERROR mapped to a
 * {@link ParleyException} kind, on circuit loss, or after {@code replyTimeoutMillis}.
 *
 * <p>Circuits are reused per (inbox relay, length, inbox) whatever their middle hops — isolated per
 * destination inbox so the relay cannot tell that envelopes to two inboxes share a sender — within the bounds
 * of a {@link Reuse} policy as Tor's circuit dirtiness: a circuit takes new envelopes for at most
 * {@code maxAgeMillis} and {@code maxUses} sends, then is retired (closed once its last answer is
 * in); its replacement is built ahead of need when the old one has used {@code renewAt} of its
 * budget, so a busy conversation never waits for a circuit build. Circuits idle for
 * {@code idleCloseMillis} are closed, and at most {@code maxCircuits} are kept (least recently
 * used closed first). A circuit that leaves a send unanswered for {@code replyTimeoutMillis} is
 * retired at once: it may be dead without knowing it. Single-threaded.
 */
public final class EnvelopeSender {
    public enum Outcome { STORED, DUPLICATE }

    /** The relay's answer and the path it went over (guard first). */
    public record Sent(Outcome outcome, List<NodeId> path) {
    }

    /** Bounds on circuit reuse. */
    public record Reuse(long maxAgeMillis, int maxUses, double renewAt, long idleCloseMillis, int maxCircuits) {
        public Reuse {
            if (maxAgeMillis < 1 || maxUses < 1 || idleCloseMillis < 1 || maxCircuits < 1 || renewAt <= 0 || renewAt > 1) {
                throw new IllegalArgumentException("bad circuit reuse bounds");
            }
        }

        /** 10 minutes or 1,000 envelopes per circuit (Tor: MaxCircuitDirtiness 10 min), renewed at 80 %, idle close 5 min, 64 circuits. */
        public static Reuse defaults() {
            return new Reuse(600_000, 1_000, 0.8, 300_000, 64);
        }
    }

    /** Circuits are isolated per destination inbox, so an inbox relay cannot link one sender's envelopes to different inboxes. */
    private record Key(NodeId last, int hops, Bytes inbox) {
    }

    private final CircuitBuilder builder;
    private final Scheduler scheduler;
    private final Clock clock;
    private final long replyTimeoutMillis;
    private final Reuse reuse;
    private final Map<Key, Pooled> active = new HashMap<>();
    private final Map<Key, Pooled> spare = new HashMap<>();
    private final List<Pooled> retiring = new ArrayList<>();
    private Scheduler.Cancellable sweep;
    private long built;

    public EnvelopeSender(CircuitBuilder builder, Scheduler scheduler, Clock clock, long replyTimeoutMillis, Reuse reuse) {
        this.builder = builder;
        this.scheduler = scheduler;
        this.clock = clock;
        this.replyTimeoutMillis = replyTimeoutMillis;
        this.reuse = reuse;
    }

    /** Maps an inbox relay's refusal to the error kind callers act on. */
    public static ParleyException toException(InboxErrorKind kind) {
        ParleyException.Kind k = switch (kind) {
            case QUOTA, TOO_LARGE -> ParleyException.Kind.RESOURCE_LIMIT;
            case UNKNOWN_INBOX, EXPIRED -> ParleyException.Kind.NOT_FOUND;
            case UNAUTHORIZED, MALFORMED -> ParleyException.Kind.PROTOCOL_VIOLATION;
            default -> ParleyException.Kind.UNAVAILABLE;
        };
        return new ParleyException(k, "inbox relay refused: " + kind);
    }

    /**
     * Sends over a reusable circuit to {@code path}'s last hop for this inbox, or builds one along {@code path}.
     * A second send of the same message id while the first waits for its answer shares its result.
     */
    public CompletionStage<Sent> send(List<HopSpec> path, Bytes inboxId, Bytes messageId, Bytes envelope) {
        if (path.isEmpty()) return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.CONFIG, "empty path"));
        Key key = new Key(path.get(path.size() - 1).id(), path.size(), inboxId);
        long now = clock.nowMillis();
        Pooled p = active.get(key);
        if (p != null && !p.usable(now)) {
            retire(p);
            p = null;
        }
        if (p == null) {
            Pooled s = spare.remove(key);
            if (s != null && !s.closed) {
                p = s;
                p.createdAt = now; // its budget starts when it takes over
                active.put(key, p);
            } else {
                try {
                    p = build(key, path);
                } catch (IllegalArgumentException e) {
                    return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.CONFIG, e.getMessage(), e));
                }
                active.put(key, p);
            }
        }
        Pending existing = p.pending.get(messageId);
        if (existing != null) return existing.future;
        p.uses++;
        p.lastUsed = now;
        if (!spare.containsKey(key) && (p.uses >= reuse.maxUses() * reuse.renewAt()
                || now - p.createdAt >= reuse.maxAgeMillis() * reuse.renewAt())) {
            try {
                spare.put(key, build(key, path)); // built ahead: the next send after retirement does not wait
            } catch (IllegalArgumentException e) {
                // the path was good enough for the send above; a bad one cannot get here
            }
        }
        Pooled pooled = p;
        CompletableFuture<Sent> f = new CompletableFuture<>();
        Pending pending = new Pending(f, scheduler.schedule(replyTimeoutMillis, () -> {
            pooled.pending.remove(messageId);
            f.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                    "no answer from the inbox relay in " + replyTimeoutMillis + " ms"));
            // a circuit that leaves a send unanswered may be dead without knowing it (a hop gone silent):
            // no new sends over it; the next one builds a fresh circuit, maybe through other relays
            retire(pooled);
        }));
        p.pending.put(messageId, pending);
        BiConsumer<ClientCircuit, Throwable> go = (circuit, failure) -> {
            if (failure != null) {
                pooled.fail(messageId, failure instanceof ParleyException pe ? pe
                        : failure.getCause() instanceof ParleyException pc ? pc
                        : new ParleyException(ParleyException.Kind.UNAVAILABLE, "circuit build failed", failure));
                return;
            }
            try {
                circuit.sendToLast(new RelayMessage.Deliver(inboxId, messageId, envelope));
            } catch (ParleyException e) {
                pooled.fail(messageId, e);
            }
        };
        if (p.circuit.isDone()) {
            p.circuit.whenComplete(go);
        } else {
            p.waiting.add(go);
        }
        if (p.uses >= reuse.maxUses()) retire(p);
        return f;
    }

    private Pooled build(Key key, List<HopSpec> path) {
        evictIfFull();
        Pooled p = new Pooled(key, path.stream().map(HopSpec::id).toList(), clock.nowMillis());
        p.circuit = builder.build(path, p).toCompletableFuture();
        built++;
        // one callback drains a FIFO: dependents of one future would run in reverse order
        p.circuit.whenComplete((c, failure) -> {
            List<BiConsumer<ClientCircuit, Throwable>> run = new ArrayList<>(p.waiting);
            p.waiting.clear();
            for (BiConsumer<ClientCircuit, Throwable> w : run) w.accept(c, failure);
        });
        if (sweep == null) sweep = scheduler.schedule(reuse.idleCloseMillis() / 2, this::sweep);
        return p;
    }

    /** Takes {@code p} out of service; it closes once its outstanding answers are in. */
    private void retire(Pooled p) {
        active.remove(p.key, p);
        spare.remove(p.key, p);
        if (p.closed) return;
        p.retired = true;
        retiring.add(p);
        p.closeIfDone();
    }

    private void evictIfFull() {
        while (active.size() + spare.size() >= reuse.maxCircuits()) {
            Pooled lru = null;
            for (Pooled c : active.values()) if (lru == null || c.lastUsed < lru.lastUsed) lru = c;
            if (spare.isEmpty() && lru == null) return;
            if (!spare.isEmpty()) lru = spare.values().iterator().next();
            retire(lru);
        }
    }

    private void sweep() {
        sweep = null;
        long now = clock.nowMillis();
        for (Pooled p : new ArrayList<>(active.values())) if (now - p.lastUsed >= reuse.idleCloseMillis()) retire(p);
        for (Pooled p : new ArrayList<>(spare.values())) if (now - p.createdAt >= reuse.idleCloseMillis()) retire(p);
        if (!active.isEmpty() || !spare.isEmpty()) sweep = scheduler.schedule(reuse.idleCloseMillis() / 2, this::sweep);
    }

    /** Circuits currently held open for sending: in service and built ahead. */
    public int openCircuits() {
        return (int) (active.values().stream().filter(p -> !p.closed).count() + spare.values().stream().filter(p -> !p.closed).count());
    }

    /** Circuits this sender has started to build. */
    public long circuitsBuilt() {
        return built;
    }

    public void closeAll() {
        List<Pooled> all = new ArrayList<>(active.values());
        all.addAll(spare.values());
        all.addAll(retiring);
        active.clear();
        spare.clear();
        retiring.clear();
        if (sweep != null) sweep.cancel();
        sweep = null;
        for (Pooled p : all) p.circuit.thenAccept(ClientCircuit::close);
    }

    private record Pending(CompletableFuture<Sent> future, Scheduler.Cancellable timer) {
    }

    private final class Pooled implements CircuitListener {
        private final Key key;
        private final List<NodeId> path;
        private final Map<Bytes, Pending> pending = new HashMap<>();
        private final List<BiConsumer<ClientCircuit, Throwable>> waiting = new ArrayList<>();
        private CompletableFuture<ClientCircuit> circuit;
        private long createdAt;
        private long lastUsed;
        private int uses;
        private boolean closed;
        private boolean retired;

        Pooled(Key key, List<NodeId> path, long now) {
            this.key = key;
            this.path = path;
            this.createdAt = now;
            this.lastUsed = now;
        }

        boolean usable(long now) {
            return !closed && !retired && uses < reuse.maxUses() && now - createdAt < reuse.maxAgeMillis();
        }

        void closeIfDone() {
            if (retired && pending.isEmpty() && !closed) {
                closed = true;
                retiring.remove(this);
                circuit.whenComplete((c, e) -> {
                    if (c != null) c.close();
                });
            }
        }

        @Override
        public void onMessage(int hop, RelayMessage message) {
            if (hop != path.size() - 1) return;
            if (message instanceof RelayMessage.Stored s) {
                Pending p = pending.remove(s.messageId());
                if (p != null) {
                    p.timer.cancel();
                    p.future.complete(new Sent(s.duplicate() ? Outcome.DUPLICATE : Outcome.STORED, path));
                }
                closeIfDone();
            } else if (message instanceof RelayMessage.Error e) {
                fail(e.reference(), toException(e.kind()));
                closeIfDone();
            }
        }

        @Override
        public void onClosed(DestroyReason reason) {
            closed = true;
            active.remove(key, this);
            spare.remove(key, this);
            retiring.remove(this);
            for (Bytes id : new ArrayList<>(pending.keySet())) {
                fail(id, new ParleyException(ParleyException.Kind.UNAVAILABLE, "circuit closed: " + reason));
            }
        }

        void fail(Bytes messageId, ParleyException e) {
            Pending p = pending.remove(messageId);
            if (p != null) {
                p.timer.cancel();
                p.future.completeExceptionally(e);
            }
        }
    }
}
