package org.parley.routing.client;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.Scheduler;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.CircuitBuilder;
import org.parley.routing.circuit.CircuitListener;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.inbox.InboxProof;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Keeps an inbox registered at its inbox relay: builds a circuit (path from {@code paths}, last hop
 * = the inbox relay), sends the signed ESTABLISH_INBOX, reports pushed envelopes, sends ACKs, and
 * after losing the circuit builds a new one (backoff from {@code retryDelayMillis}, doubling up to
 * 64 times that) until {@link #close()} or an UNAUTHORIZED refusal of the registration itself.
 * An ACK goes back over the circuit its PUSH came on: the relay only takes ACKs from the circuit
 * registered there, and a rebuilt circuit may not be registered yet (the relay pushes the envelope
 * again on the new registration, so an ACK whose circuit is gone is simply dropped). Single-threaded.
 */
public final class InboxSubscription {
    private static final Logger LOG = LoggerFactory.getLogger(InboxSubscription.class);

    /** {@code paths} is asked for a fresh path on every (re)build. */
    public record Params(Supplier<List<HopSpec>> paths, Bytes inboxId, NodeIdentity authKey, long retryDelayMillis) {
    }

    public interface Listener {
        /** The relay accepted the registration; {@code pending} envelopes will be pushed. */
        void onEstablished(long pending, List<NodeId> path);

        /** An envelope from the inbox. Call {@link #ack} once it is durable here. May repeat after a rebuild. */
        void onEnvelope(Bytes messageId, Bytes envelope);

        /** The relay refused something (UNAUTHORIZED ends the subscription). */
        void onError(InboxErrorKind kind);

        /** The circuit is gone; a rebuild follows unless the subscription ended. */
        void onDown(DestroyReason reason);
    }

    private final CircuitBuilder builder;
    private final Scheduler scheduler;
    private final Params params;
    private final Listener listener;
    private ClientCircuit current;
    private boolean ended;
    private long delay;
    private Scheduler.Cancellable retry;
    /** The circuit each pushed, not yet ACKed envelope came on (bounded by the relay's in-flight window per registration). */
    private final Map<Bytes, ClientCircuit> pushedOn = new HashMap<>();

    private InboxSubscription(CircuitBuilder builder, Scheduler scheduler, Params params, Listener listener) {
        this.builder = builder;
        this.scheduler = scheduler;
        this.params = params;
        this.listener = listener;
        this.delay = params.retryDelayMillis();
    }

    public static InboxSubscription open(CircuitBuilder builder, Scheduler scheduler, Params params, Listener listener) {
        InboxSubscription s = new InboxSubscription(builder, scheduler, params, listener);
        s.build();
        return s;
    }

    private void build() {
        if (ended) return;
        List<HopSpec> path;
        try {
            path = params.paths().get();
        } catch (RuntimeException e) {
            LOG.debug("no path for the inbox circuit: {}", e.getMessage());
            scheduleRetry();
            return;
        }
        List<NodeId> ids = path.stream().map(HopSpec::id).toList();
        int last = path.size() - 1;
        java.util.concurrent.CompletionStage<ClientCircuit> stage;
        ClientCircuit[] self = new ClientCircuit[1];
        try {
            stage = builder.build(path, listenerFor(ids, last, self));
        } catch (IllegalArgumentException e) {
            LOG.debug("unusable path for the inbox circuit: {}", e.getMessage());
            scheduleRetry();
            return;
        }
        LOG.debug("inbox {}: building a {}-hop circuit", params.inboxId().slice(0, 4).hex(), path.size());
        stage.whenComplete((circuit, failure) -> {
            if (failure != null) {
                LOG.debug("inbox {}: circuit build failed: {}", params.inboxId().slice(0, 4).hex(), failure.getMessage());
                return; // the circuit listener's onClosed schedules the rebuild
            }
            if (ended) {
                circuit.close();
                return;
            }
            LOG.debug("inbox {}: circuit built, registering", params.inboxId().slice(0, 4).hex());
            self[0] = circuit;
            current = circuit;
            circuit.sendToLast(InboxProof.establish(params.authKey(), params.inboxId(), circuit.binding(last)));
        });
    }

    private CircuitListener listenerFor(List<NodeId> ids, int last, ClientCircuit[] self) {
        return new CircuitListener() {
            @Override
            public void onMessage(int hop, RelayMessage m) {
                if (hop != last || ended) return;
                if (m instanceof RelayMessage.InboxEstablished e) {
                    LOG.debug("inbox {}: registered ({} pending)", params.inboxId().slice(0, 4).hex(), e.pending());
                    delay = params.retryDelayMillis();
                    listener.onEstablished(e.pending(), ids);
                } else if (m instanceof RelayMessage.Push p && p.inboxId().equals(params.inboxId())) {
                    if (self[0] != null) pushedOn.put(p.messageId(), self[0]);
                    listener.onEnvelope(p.messageId(), p.envelope());
                } else if (m instanceof RelayMessage.Error e) {
                    LOG.debug("inbox {}: relay error {}", params.inboxId().slice(0, 4).hex(), e.kind());
                    // only a refusal of the registration itself (it names the inbox) ends the subscription;
                    // an ACK the relay did not take (it names the message) is pushed again and ACKed later
                    boolean refused = e.kind() == InboxErrorKind.UNAUTHORIZED && e.reference().equals(params.inboxId());
                    if (refused || !(e.kind() == InboxErrorKind.UNAUTHORIZED || e.kind() == InboxErrorKind.EXPIRED)) {
                        listener.onError(e.kind());
                    }
                    if (refused) close();
                }
            }

            @Override
            public void onClosed(DestroyReason reason) {
                if (self[0] != null) pushedOn.values().removeIf(c -> c == self[0]);
                if (current == self[0] || self[0] == null) current = null;
                if (ended) return;
                listener.onDown(reason);
                scheduleRetry();
            }
        };
    }

    private void scheduleRetry() {
        if (ended || retry != null) return;
        long wait = delay;
        delay = Math.min(delay * 2, params.retryDelayMillis() * 64);
        retry = scheduler.schedule(wait, () -> {
            retry = null;
            build();
        });
    }

    /**
     * Tells the relay the envelope is safe here; it deletes it. Goes over the circuit the envelope was
     * pushed on; a no-op once that circuit is gone (the relay pushes it again on the next registration).
     */
    public void ack(Bytes messageId) {
        ClientCircuit c = pushedOn.remove(messageId);
        if (c != null && c.isOpen()) {
            c.sendToLast(new RelayMessage.Ack(params.inboxId(), messageId));
        }
    }

    /** Envelopes pushed and not ACKed yet, over circuits still open. */
    public int unacked() {
        return pushedOn.size();
    }

    public boolean isUp() {
        return current != null && current.isOpen();
    }

    /** Ends the subscription and tears the circuit down. */
    public void close() {
        ended = true;
        if (retry != null) retry.cancel();
        if (current != null) current.close();
    }
}
