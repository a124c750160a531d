package org.parley.routing.inbox;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.time.Clock;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.CircuitHandle;
import org.parley.routing.circuit.LocalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * The inbox relay role (a {@link LocalHandler} of {@link org.parley.routing.circuit.CircuitRelay}).
 * ESTABLISH_INBOX registers the recipient's circuit for an opaque inbox id, after checking the
 * signed proof (the first registration binds the authorization key); DELIVER stores the envelope
 * and answers STORED only once the store says it is durable, then PUSHes it down the registered
 * circuit if there is one; ACK from the registered circuit deletes. At most {@code maxInFlight}
 * envelopes are pushed and un-ACKed at a time (oldest first; each ACK lets the next one go), so a
 * long backlog never overruns the circuit's window. Pending envelopes are pushed again whenever the
 * inbox is established anew (at-least-once; the recipient drops duplicates by message id).
 * Refusals are explicit ERROR messages. Single-threaded.
 */
public final class InboxRelay implements LocalHandler {
    private static final Logger LOG = LoggerFactory.getLogger(InboxRelay.class);
    /** Default bound on envelopes pushed and not yet ACKed per registration; more follow as ACKs come. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 16;

    private final InboxStore store;
    private final Clock clock;
    private final int maxInFlight;
    private final RoutingMetrics metrics;
    private final Map<Bytes, Registration> registered = new HashMap<>();

    /** A live registration: the recipient's circuit and the envelopes pushed but not yet ACKed. */
    private static final class Registration {
        final CircuitHandle circuit;
        final Set<Bytes> inFlight = new HashSet<>();

        Registration(CircuitHandle circuit) {
            this.circuit = circuit;
        }
    }

    public InboxRelay(InboxStore store, Clock clock) {
        this(store, clock, DEFAULT_MAX_IN_FLIGHT);
    }

    public InboxRelay(InboxStore store, Clock clock, int maxInFlight) {
        this(store, clock, maxInFlight, RoutingMetrics.NONE);
    }

    /** As {@link #InboxRelay(InboxStore, Clock, int)}, reporting stored envelopes to {@code metrics}. */
    public InboxRelay(InboxStore store, Clock clock, int maxInFlight, RoutingMetrics metrics) {
        if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be positive");
        this.store = store;
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        this.metrics = metrics;
    }

    @Override
    public void onMessage(CircuitHandle circuit, RelayMessage message) {
        if (message instanceof RelayMessage.EstablishInbox e) {
            establish(circuit, e);
        } else if (message instanceof RelayMessage.Deliver d) {
            deliver(circuit, d);
        } else if (message instanceof RelayMessage.Ack a) {
            ack(circuit, a);
        } else {
            LOG.debug("inbox relay ignores relay command {}", message.code());
        }
    }

    private void establish(CircuitHandle circuit, RelayMessage.EstablishInbox e) {
        Bytes inbox = e.inboxId();
        LOG.debug("inbox {}: establish requested", inbox.slice(0, 4).hex());
        if (!InboxProof.verify(e, circuit.binding())) {
            circuit.send(new RelayMessage.Error(InboxErrorKind.UNAUTHORIZED, inbox));
            return;
        }
        store.authKey(inbox).whenComplete((bound, lookupFailure) -> {
            if (lookupFailure != null) {
                LOG.warn("inbox store failed: {}", lookupFailure.toString());
                circuit.send(new RelayMessage.Error(InboxErrorKind.INTERNAL, inbox));
                return;
            }
            if (bound.isPresent() && !bound.get().constantTimeEquals(e.authKey())) {
                circuit.send(new RelayMessage.Error(InboxErrorKind.UNAUTHORIZED, inbox));
                return;
            }
            if (bound.isPresent()) {
                register(circuit, inbox);
            } else {
                store.bindAuthKey(inbox, e.authKey()).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        circuit.send(new RelayMessage.Error(InboxErrorKind.INTERNAL, inbox));
                    } else {
                        register(circuit, inbox);
                    }
                });
            }
        });
    }

    private void register(CircuitHandle circuit, Bytes inbox) {
        if (!circuit.isOpen()) return;
        Registration reg = new Registration(circuit);
        registered.put(inbox, reg);
        circuit.onClose(() -> registered.remove(inbox, reg));
        store.list(inbox, clock.nowMillis(), Integer.MAX_VALUE).whenComplete((all, failure) -> {
            if (!circuit.isOpen()) {
                LOG.debug("inbox {}: circuit closed before the registration was answered", inbox.slice(0, 4).hex());
                return;
            }
            LOG.debug("inbox {}: registered, {} pending", inbox.slice(0, 4).hex(), failure == null ? all.size() : -1);
            circuit.send(new RelayMessage.InboxEstablished(inbox, failure == null ? all.size() : 0));
            topUp(inbox, reg);
        });
    }

    /** Pushes the oldest envelopes not yet in flight until {@code maxInFlight} are. */
    private void topUp(Bytes inbox, Registration reg) {
        if (!reg.circuit.isOpen() || reg.inFlight.size() >= maxInFlight) return;
        store.list(inbox, clock.nowMillis(), maxInFlight + reg.inFlight.size()).whenComplete((envs, failure) -> {
            if (failure != null) {
                LOG.warn("inbox store failed: {}", failure.toString());
                return;
            }
            for (StoredEnvelope env : envs) {
                if (!reg.circuit.isOpen() || reg.inFlight.size() >= maxInFlight) break;
                if (reg.inFlight.add(env.messageId())) {
                    reg.circuit.send(new RelayMessage.Push(inbox, env.messageId(), env.envelope()));
                }
            }
        });
    }

    private void deliver(CircuitHandle sender, RelayMessage.Deliver d) {
        store.authKey(d.inboxId()).whenComplete((bound, lookupFailure) -> {
            if (lookupFailure != null) {
                sender.send(new RelayMessage.Error(InboxErrorKind.INTERNAL, d.messageId()));
            } else if (bound.isEmpty()) {
                sender.send(new RelayMessage.Error(InboxErrorKind.UNKNOWN_INBOX, d.messageId()));
            } else {
                storeEnvelope(sender, d);
            }
        });
    }

    private void storeEnvelope(CircuitHandle sender, RelayMessage.Deliver d) {
        store.store(d.inboxId(), d.messageId(), d.envelope(), clock.nowMillis()).whenComplete((outcome, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                boolean quota = cause instanceof ParleyException p && p.kind() == ParleyException.Kind.RESOURCE_LIMIT;
                if (quota) metrics.cellDropped(RoutingMetrics.INBOX_QUOTA);
                else LOG.warn("inbox store failed: {}", cause.toString());
                sender.send(new RelayMessage.Error(quota ? InboxErrorKind.QUOTA : InboxErrorKind.INTERNAL, d.messageId()));
                return;
            }
            if (outcome == InboxStore.StoreOutcome.STORED) metrics.inboxEnvelopeStored();
            sender.send(new RelayMessage.Stored(d.messageId(), outcome == InboxStore.StoreOutcome.DUPLICATE));
            Registration recipient = registered.get(d.inboxId());
            if (outcome == InboxStore.StoreOutcome.STORED && recipient != null) {
                topUp(d.inboxId(), recipient);
            }
        });
    }

    private void ack(CircuitHandle circuit, RelayMessage.Ack a) {
        Registration reg = registered.get(a.inboxId());
        if (reg == null || reg.circuit != circuit) {
            circuit.send(new RelayMessage.Error(InboxErrorKind.UNAUTHORIZED, a.messageId()));
            return;
        }
        store.delete(a.inboxId(), a.messageId(), clock.nowMillis()).whenComplete((outcome, failure) -> {
            reg.inFlight.remove(a.messageId());
            if (failure == null && outcome == InboxStore.DeleteOutcome.EXPIRED) {
                circuit.send(new RelayMessage.Error(InboxErrorKind.EXPIRED, a.messageId()));
            }
            topUp(a.inboxId(), reg);
        });
    }

    /** Inboxes with a live registered circuit. */
    public int registeredCount() {
        return registered.size();
    }
}
