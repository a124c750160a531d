package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.crypto.Hkdf;
import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;
import org.parley.delivery.envelope.Envelope;
import org.parley.delivery.envelope.EnvelopeCodec;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.envelope.Padding;
import org.parley.delivery.envelope.SealedSender;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Loop cover traffic, as in Loopix (Piotrowska et al., 2017): at Poisson-distributed times
 * (exponential gaps, mean {@code DAY / loopsPerDay}) one dummy envelope goes to one of our own
 * inboxes through the normal send path ({@link EnvelopeRouter#sendToInbox}: a circuit to the
 * inbox relay, like a message to a contact), and comes back pushed by that relay like any envelope.
 *
 * <p>To a relay a loop is a real short message: an {@link Envelope} naming one of our per-contact
 * inboxes (the request inbox only while we have no contact), a fresh random message id, and a
 * sealed-sender seal (fresh ephemeral X25519 key, encrypted sender, AES-GCM content) whose content
 * has exactly the length of an established session's ratchet message carrying the smallest padding
 * bucket ({@link Padding#bucket}(0) = 256 bytes, what a short text uses). The seal is from us to
 * us; inside: {@code loopId (16) | HMAC-SHA256(loopKey, loopId) (32) | random}. The loop key is
 * random per start, so only loops of this run count as returned.
 *
 * <p>On the way back {@link #onReturn} recognises a seal whose sender is our own identity (no
 * contact or device of ours has it), and the service acknowledges and drops it: it never becomes a
 * message, event, conversation or gap. Outcomes: {@code returned} (with the round trip),
 * {@code lost} (handed to routing but not back within {@link #LOST_AFTER_MILLIS}: dropped or held
 * on the way, or at the inbox relay — what an active n-1 / dropping attack looks like),
 * {@code failed} (routing refused or gave up: no circuit, relay refused, no STORED in time) and
 * {@code skipped} (due while {@link #MAX_OUTSTANDING} loops were outstanding, or before any of our
 * inboxes was open at its relay).
 * {@code sent = returned + lost + failed + outstanding}.
 *
 * <p>Single-threaded like the service: every call and every completion on its thread.
 */
public final class CoverLoops {
    private static final Logger LOG = LoggerFactory.getLogger(CoverLoops.class);
    /**
     * A loop not back after this long is lost: 10 minutes, ten times the default receipt timeout
     * (60 s) and far above a round trip over two circuits (seconds), yet short enough that a relay
     * dropping loops shows within the hour at a few loops a minute.
     */
    public static final long LOST_AFTER_MILLIS = 10 * 60_000L;
    /** At most this many loops in flight; a loop due beyond it is skipped (and counted). */
    public static final int MAX_OUTSTANDING = 64;
    private static final int ID_LEN = MessageId.SIZE, TAG_LEN = 32;

    /** Counts since start. {@code unmatched}: our own seals that were no outstanding loop (late, of a previous run, pushed twice). */
    public record Stats(long sent, long returned, long lost, long failed, long skipped, long unmatched, int outstanding,
                        long lastRoundTripMillis) {
    }

    private record Pending(long sentAtMillis, Scheduler.Cancellable lostTimer) {
    }

    private final int perDay;
    private final EnvelopeRouter router;
    private final Clock clock;
    private final Scheduler scheduler;
    private final SecureRandom random;
    private final DeliveryMetrics metrics;
    private final Map<Bytes, Pending> outstanding = new LinkedHashMap<>();
    private final byte[] loopKey = new byte[32];
    private IdentityKeyPair me;
    private Supplier<List<Invite.ContactInbox>> inboxes;
    private Scheduler.Cancellable next;
    private boolean running;
    private long sent, returned, lost, failed, skipped, unmatched, lastRtt = -1;

    CoverLoops(int perDay, EnvelopeRouter router, Clock clock, Scheduler scheduler, SecureRandom random, DeliveryMetrics metrics) {
        this.perDay = perDay;
        this.router = router;
        this.clock = clock;
        this.scheduler = scheduler;
        this.random = random;
        this.metrics = metrics;
    }

    /** The length of the sealed content of a loop: a ratchet message holding the smallest padding bucket. */
    static int contentLength() {
        return SessionCipher.ratchetMessageLength(RatchetParams.PARLEY, Padding.bucket(0));
    }

    /** Starts the Poisson process (nothing when the budget is 0). {@code inboxes}: our open inboxes a loop may go to (empty: skip). */
    void start(IdentityKeyPair me, Supplier<List<Invite.ContactInbox>> inboxes) {
        if (perDay <= 0 || running) return;
        this.me = me;
        this.inboxes = inboxes;
        random.nextBytes(loopKey);
        running = true;
        scheduleNext();
        LOG.debug("cover loops on: {} a day", perDay);
    }

    void stop() {
        running = false;
        if (next != null) next.cancel();
        for (Pending p : outstanding.values()) p.lostTimer().cancel();
        outstanding.clear();
        Arrays.fill(loopKey, (byte) 0);
    }

    Stats stats() {
        return new Stats(sent, returned, lost, failed, skipped, unmatched, outstanding.size(), lastRtt);
    }

    /** Exponential gap with mean DAY / perDay (inverse transform of a uniform draw), at least 1 ms. */
    private void scheduleNext() {
        double mean = (double) DeliveryConfig.DAY / perDay;
        double u = random.nextDouble(); // [0, 1)
        long delay = Math.max(1, Math.round(-Math.log(1.0 - u) * mean));
        next = scheduler.schedule(delay, this::fire);
    }

    private void fire() {
        if (!running) return;
        scheduleNext();
        if (outstanding.size() >= MAX_OUTSTANDING) {
            skipped++;
            metrics.coverLoopSkipped();
            return;
        }
        List<Invite.ContactInbox> targets = inboxes.get();
        if (targets.isEmpty()) {
            skipped++;
            metrics.coverLoopSkipped();
            return;
        }
        Invite.ContactInbox inbox = targets.get(random.nextInt(targets.size()));
        Invite.Relay relay = inbox.relays().get(random.nextInt(inbox.relays().size()));
        MessageId id = MessageId.random(random);
        Bytes envelope = EnvelopeCodec.encode(new Envelope(inbox.id(), SealedSender.seal(me, me.publicKey(), content(id), random)));
        Bytes key = id.value();
        long at = clock.nowMillis();
        Scheduler.Cancellable timer = scheduler.schedule(LOST_AFTER_MILLIS, () -> {
            if (outstanding.remove(key) != null) {
                lost++;
                metrics.coverLoopLost();
                LOG.debug("cover loop {} not back within {} ms", id, LOST_AFTER_MILLIS);
            }
        });
        outstanding.put(key, new Pending(at, timer));
        sent++;
        metrics.coverLoopSent();
        router.sendToInbox(relay, inbox.id(), id, envelope).whenComplete((ok, e) -> {
            if (e == null) return;
            Pending p = outstanding.remove(key);
            if (p == null) return;
            p.lostTimer().cancel();
            failed++;
            metrics.coverLoopFailed();
            LOG.debug("cover loop {} refused by routing: {}", id, e.getMessage());
        });
    }

    /** {@code loopId | HMAC(loopKey, loopId) | random}, as long as a short real message's session message. */
    private Bytes content(MessageId id) {
        byte[] c = new byte[contentLength()];
        random.nextBytes(c);
        byte[] raw = id.value().toArray();
        System.arraycopy(raw, 0, c, 0, ID_LEN);
        System.arraycopy(Hkdf.hmac(loopKey, raw), 0, c, ID_LEN, TAG_LEN);
        return Bytes.wrap(c);
    }

    /**
     * An opened seal that came in: true if it is one of ours (sealed by our own identity), which the
     * caller then acknowledges and drops; counts it returned if it is an outstanding loop of this run.
     */
    boolean onReturn(IdentityKeyPair self, SealedSender.Unsealed u) {
        if (!u.sender().equals(self.publicKey())) return false;
        Bytes c = u.content();
        Pending p = null;
        if (running && c.length() >= ID_LEN + TAG_LEN) {
            Bytes id = c.slice(0, ID_LEN);
            Bytes tag = Bytes.wrap(Hkdf.hmac(loopKey, id.toArray()));
            if (tag.constantTimeEquals(c.slice(ID_LEN, ID_LEN + TAG_LEN))) p = outstanding.remove(id);
        }
        if (p == null) {
            unmatched++;
            return true;
        }
        p.lostTimer().cancel();
        long rtt = Math.max(0, clock.nowMillis() - p.sentAtMillis());
        returned++;
        lastRtt = rtt;
        metrics.coverLoopReturned(rtt);
        LOG.debug("cover loop back after {} ms", rtt);
        return true;
    }
}
