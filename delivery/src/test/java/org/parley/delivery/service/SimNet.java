package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.identity.NodeId;
import org.parley.core.time.ManualClock;
import org.parley.core.time.ManualScheduler;
import org.parley.delivery.envelope.EnvelopeCodec;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.invite.Invite;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * An in-memory network of inbox relays for {@link DeliveryService} tests, on a manual clock.
 * Every envelope is decoded and re-encoded on its way. Relays store by (inbox, message id),
 * answer STORED or DUPLICATE, push to the inbox's owner while it is online, and forget an
 * envelope once the owner's {@code onInbound} stage completed (the ACK). Faults on demand: drop
 * before storing (no answer), drop after STORED (lost at the relay), push late (reorder), push
 * twice (duplicate). Every send is recorded with its inbox, relay and circuit path.
 */
final class SimNet {
    final ManualClock clock = new ManualClock(1_700_000_000_000L);
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final Random faults;
    double dropBeforeStore, dropAfterStore, reorder, duplicate;
    final List<Invite.Relay> relays = new ArrayList<>();
    private final Map<Bytes, Map<Bytes, Bytes>> stored = new HashMap<>(); // inbox -> msgId -> envelope
    private final Map<Bytes, String> owners = new HashMap<>();
    final Map<String, Peer> peers = new LinkedHashMap<>();
    final List<Sent> sends = new ArrayList<>();
    /** The envelope of each send, as the relay stored it (same index as {@link #sends}), for replays. */
    final List<Bytes> envelopes = new ArrayList<>();
    int pushes;
    /** The envelope of the send with this index (0 = first send in the net) is pushed {@code slowPushMillis} late. */
    int slowSendIndex = -1;
    long slowPushMillis;
    /** Sends with these indexes (0 = first send in the net) are refused, as by a relay where the inbox is not registered yet. */
    final java.util.Set<Integer> refuseSends = new java.util.HashSet<>();
    private final java.util.Set<Bytes> slow = new java.util.HashSet<>();
    /** Pushes of anything stored in these inboxes are {@code slowPushMillis} late (one sender's link to one recipient). */
    final java.util.Set<Bytes> slowInboxes = new java.util.HashSet<>();

    record Sent(String from, String relay, Bytes inbox, List<String> path, long atMillis, int length) {}

    final class Peer implements EnvelopeRouter {
        final String name;
        final InMemoryDeliveryStore store;
        final List<DeliveryMessage.Event> events = new ArrayList<>();
        DeliveryService service;
        boolean online = true;
        final List<Bytes> ownInboxes = new ArrayList<>();
        final int[] counts = new int[6]; // sent, received, receipts, retries, failed, delivered
        long gaps; // messages reported missed
        final long[] loops = new long[5]; // cover loops through the metrics SPI: sent, returned, lost, failed, skipped
        final List<Long> loopRtts = new ArrayList<>();
        final DeliveryMetrics metrics = new DeliveryMetrics() {
            @Override public void messageSent() { counts[0]++; }
            @Override public void messageReceived() { counts[1]++; }
            @Override public void receiptReceived() { counts[2]++; }
            @Override public void retry() { counts[3]++; }
            @Override public void failed() { counts[4]++; }
            @Override public void gapsDetected(long missed) { gaps += missed; }
            @Override public void coverLoopSent() { loops[0]++; }
            @Override public void coverLoopReturned(long roundTripMillis) {
                loops[1]++;
                loopRtts.add(roundTripMillis);
            }
            @Override public void coverLoopLost() { loops[2]++; }
            @Override public void coverLoopFailed() { loops[3]++; }
            @Override public void coverLoopSkipped() { loops[4]++; }
            @Override public void deliveredAfter(long millis) {
                if (millis < 0) throw new AssertionError("negative latency");
                counts[5]++;
            }
        };

        Peer(String name, InMemoryDeliveryStore store) {
            this.name = name;
            this.store = store;
        }

        @Override
        public CompletionStage<SendOutcome> sendToInbox(Invite.Relay relay, InboxId inbox, MessageId messageId, Bytes envelope) {
            CompletableFuture<SendOutcome> f = new CompletableFuture<>();
            if (!online) {
                scheduler.schedule(5, () -> f.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "offline")));
                return f;
            }
            Bytes wire = EnvelopeCodec.encode(EnvelopeCodec.decode(envelope));
            List<String> path = List.of(name + "-guard", name + "-middle", relay.nodeId().shortHex());
            sends.add(new Sent(name, relay.nodeId().shortHex(), inbox.value(), path, clock.nowMillis(), envelope.length()));
            envelopes.add(wire);
            if (sends.size() - 1 == slowSendIndex) slow.add(messageId.value());
            if (refuseSends.contains(sends.size() - 1)) {
                scheduler.schedule(3, () -> f.completeExceptionally(new ParleyException(ParleyException.Kind.NOT_FOUND, "inbox relay refused: UNKNOWN_INBOX")));
                return f;
            }
            if (!EnvelopeCodec.decode(wire).inbox().equals(inbox)) throw new AssertionError("envelope names another inbox");
            if (faults.nextDouble() < dropBeforeStore) return f; // never answered: the sender's timeout fires
            scheduler.schedule(2 + faults.nextInt(5), () -> {
                Map<Bytes, Bytes> box = stored.computeIfAbsent(inbox.value(), k -> new LinkedHashMap<>());
                boolean dup = box.containsKey(messageId.value());
                if (!dup && faults.nextDouble() >= dropAfterStore) {
                    box.put(messageId.value(), wire);
                    push(inbox.value(), messageId.value());
                }
                f.complete(new SendOutcome(dup ? "DUPLICATE" : "STORED", path));
            });
            return f;
        }

        @Override
        public CompletionStage<List<String>> openInbox(Invite.Relay relay, InboxId inbox, Bytes authSeed) {
            owners.put(inbox.value(), name);
            if (!ownInboxes.contains(inbox.value())) ownInboxes.add(inbox.value());
            Map<Bytes, Bytes> box = stored.get(inbox.value());
            if (box != null) for (Bytes id : List.copyOf(box.keySet())) push(inbox.value(), id);
            return CompletableFuture.completedFuture(List.of(name + "-guard", name + "-middle", relay.nodeId().shortHex()));
        }

        void goOnline() {
            online = true;
            for (Bytes inbox : ownInboxes) {
                Map<Bytes, Bytes> box = stored.get(inbox);
                if (box != null) for (Bytes id : List.copyOf(box.keySet())) push(inbox, id);
            }
        }
    }

    SimNet(long seed, int relayCount) {
        faults = new Random(seed);
        for (int i = 0; i < relayCount; i++) {
            byte[] id = new byte[32];
            faults.nextBytes(id);
            relays.add(new Invite.Relay(new NodeId(Bytes.wrap(id)), "10.0.0." + (i + 1) + ":7000"));
        }
    }

    Peer peer(String name, InMemoryDeliveryStore store, DeliveryConfig config, long seed) {
        Peer p = new Peer(name, store);
        peers.put(name, p);
        start(p, config, seed);
        return p;
    }

    void start(Peer p, DeliveryConfig config, long seed) {
        start(p, config, seed, List.of(relays.get((int) (seed % relays.size())), relays.get((int) ((seed + 1) % relays.size()))));
    }

    /** Starts {@code p} with {@code mine} as the relays a new account picks. */
    void start(Peer p, DeliveryConfig config, long seed, List<Invite.Relay> mine) {
        SecureRandom rnd = seeded(seed);
        p.service = new DeliveryService(config, p.store, p, p.events::add, clock, scheduler, rnd, p.metrics);
        p.service.start(mine).toCompletableFuture().join();
    }

    private void push(Bytes inbox, Bytes messageId) {
        String owner = owners.get(inbox);
        Peer p = owner == null ? null : peers.get(owner);
        if (p == null || !p.online) return;
        int copies = faults.nextDouble() < duplicate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = 1 + (faults.nextDouble() < reorder ? 20 + faults.nextInt(200) : faults.nextInt(3));
            if (slow.contains(messageId) || slowInboxes.contains(inbox)) delay += slowPushMillis;
            scheduler.schedule(delay, () -> {
                Map<Bytes, Bytes> box = stored.get(inbox);
                Bytes env = box == null ? null : box.get(messageId);
                if (env == null || !p.online || p.service == null) return;
                pushes++;
                Bytes wire = EnvelopeCodec.encode(EnvelopeCodec.decode(env));
                p.service.onInbound(wire, List.of(p.name + "-guard", p.name + "-middle")).whenComplete((v, e) -> {
                    if (e == null) box.remove(messageId); // ACK
                });
            });
        }
    }

    /** Advances the clock in small steps until {@code done} or {@code maxMillis} of simulated time passed. */
    boolean runUntil(BooleanSupplier done, long maxMillis) {
        long start = clock.nowMillis();
        while (!done.getAsBoolean()) {
            if (clock.nowMillis() - start > maxMillis) return false;
            scheduler.advance(10);
        }
        return true;
    }

    /** Drops the stored envelope(s) of a message at every relay, as its inbox relay does when the envelope's TTL ends. */
    int expire(String messageIdHex) {
        int n = 0;
        for (Map<Bytes, Bytes> box : stored.values()) if (box.remove(Bytes.fromHex(messageIdHex)) != null) n++;
        return n;
    }

    int stored() {
        return stored.values().stream().mapToInt(Map::size).sum();
    }

    static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
