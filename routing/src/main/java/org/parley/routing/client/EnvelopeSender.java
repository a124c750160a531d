package org.parley.routing.client;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
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
 * {@link ParleyException} kind, on circuit loss, or after {@code replyTimeoutMillis}. Circuits are
 * kept per path and reused while open. Single-threaded.
 */
public final class EnvelopeSender {
    public enum Outcome { STORED, DUPLICATE }

    /** The relay's answer and the path it went over (guard first). */
    public record Sent(Outcome outcome, List<NodeId> path) {
    }

    private final CircuitBuilder builder;
    private final Scheduler scheduler;
    private final long replyTimeoutMillis;
    private final Map<List<NodeId>, Pooled> pool = new HashMap<>();

    public EnvelopeSender(CircuitBuilder builder, Scheduler scheduler, long replyTimeoutMillis) {
        this.builder = builder;
        this.scheduler = scheduler;
        this.replyTimeoutMillis = replyTimeoutMillis;
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

    public CompletionStage<Sent> send(List<HopSpec> path, Bytes inboxId, Bytes messageId, Bytes envelope) {
        List<NodeId> key = path.stream().map(HopSpec::id).toList();
        Pooled p = pool.get(key);
        if (p == null || p.closed) {
            p = new Pooled(key);
            pool.put(key, p);
            try {
                p.circuit = builder.build(path, p).toCompletableFuture();
            } catch (IllegalArgumentException e) {
                pool.remove(key, p);
                return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.CONFIG, e.getMessage(), e));
            }
            Pooled built = p;
            // one callback drains a FIFO: dependents of one future would run in reverse order
            p.circuit.whenComplete((c, failure) -> {
                List<BiConsumer<ClientCircuit, Throwable>> run = new ArrayList<>(built.waiting);
                built.waiting.clear();
                for (BiConsumer<ClientCircuit, Throwable> w : run) w.accept(c, failure);
            });
        }
        Pending existing = p.pending.get(messageId);
        if (existing != null) return existing.future;
        Pooled pooled = p;
        CompletableFuture<Sent> f = new CompletableFuture<>();
        Pending pending = new Pending(f, scheduler.schedule(replyTimeoutMillis, () -> {
            pooled.pending.remove(messageId);
            f.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                    "no answer from the inbox relay in " + replyTimeoutMillis + " ms"));
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
        return f;
    }

    /** Circuits currently held open for reuse. */
    public int openCircuits() {
        return (int) pool.values().stream().filter(p -> !p.closed).count();
    }

    public void closeAll() {
        for (Pooled p : new ArrayList<>(pool.values())) {
            p.circuit.thenAccept(ClientCircuit::close);
        }
    }

    private record Pending(CompletableFuture<Sent> future, Scheduler.Cancellable timer) {
    }

    private final class Pooled implements CircuitListener {
        private final List<NodeId> path;
        private final Map<Bytes, Pending> pending = new HashMap<>();
        private final List<BiConsumer<ClientCircuit, Throwable>> waiting = new ArrayList<>();
        private CompletableFuture<ClientCircuit> circuit;
        private boolean closed;

        Pooled(List<NodeId> path) {
            this.path = path;
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
            } else if (message instanceof RelayMessage.Error e) {
                fail(e.reference(), toException(e.kind()));
            }
        }

        @Override
        public void onClosed(DestroyReason reason) {
            closed = true;
            pool.remove(path, this);
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
