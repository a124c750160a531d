package org.parley.delivery.hostile;

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
import org.parley.delivery.service.DeliveryConfig;
import org.parley.delivery.service.DeliveryMetrics;
import org.parley.delivery.service.DeliveryService;
import org.parley.delivery.service.EnvelopeRouter;
import org.parley.delivery.service.InMemoryDeliveryStore;

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
import java.util.function.UnaryOperator;

/**
 * Inbox relays in memory on a manual clock, for {@link DeliveryService}s under attack: the relays
 * store by (inbox, message id), push to the owner while online and forget once the owner's
 * {@code onInbound} completes (the ACK) — and they are hostile on demand: every envelope pushed
 * is kept ({@link #pushedTo}), the next pushes to a peer can be rewritten ({@link #tamperNextPushes}),
 * and any bytes can be pushed to a peer at any time ({@link #inject}).
 */
final class HostileInboxNet {
    final ManualClock clock = new ManualClock(1_700_000_000_000L);
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final List<Invite.Relay> relays = new ArrayList<>();
    private final Map<Bytes, Map<Bytes, Bytes>> stored = new HashMap<>();
    private final Map<Bytes, String> owners = new HashMap<>();
    final Map<String, Peer> peers = new LinkedHashMap<>();
    private final Random random = new Random(5);

    final class Peer implements EnvelopeRouter {
        final String name;
        final InMemoryDeliveryStore store = new InMemoryDeliveryStore();
        final List<DeliveryMessage.Event> events = new ArrayList<>();
        final List<Bytes> pushedTo = new ArrayList<>();
        final List<Bytes> ownInboxes = new ArrayList<>();
        DeliveryService service;
        boolean online = true;
        int tamperNext;
        UnaryOperator<Bytes> tamper = b -> b;
        final int[] counts = new int[6]; // sent, received, receipts, retries, failed, delivered
        final DeliveryMetrics metrics = new DeliveryMetrics() {
            @Override public void messageSent() { counts[0]++; }
            @Override public void messageReceived() { counts[1]++; }
            @Override public void receiptReceived() { counts[2]++; }
            @Override public void retry() { counts[3]++; }
            @Override public void failed() { counts[4]++; }
            @Override public void deliveredAfter(long millis) { counts[5]++; }
        };

        Peer(String name) {
            this.name = name;
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
            scheduler.schedule(2, () -> {
                Map<Bytes, Bytes> box = stored.computeIfAbsent(inbox.value(), k -> new LinkedHashMap<>());
                boolean dup = box.containsKey(messageId.value());
                if (!dup) {
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

    HostileInboxNet(int relayCount) {
        for (int i = 0; i < relayCount; i++) {
            byte[] id = new byte[32];
            random.nextBytes(id);
            relays.add(new Invite.Relay(new NodeId(Bytes.wrap(id)), "10.0.0." + (i + 1) + ":7000"));
        }
    }

    Peer peer(String name, DeliveryConfig config, long seed) {
        Peer p = new Peer(name);
        peers.put(name, p);
        p.service = new DeliveryService(config, p.store, p, p.events::add, clock, scheduler, seeded(seed), p.metrics);
        List<Invite.Relay> mine = List.of(relays.get((int) (seed % relays.size())), relays.get((int) ((seed + 1) % relays.size())));
        p.service.start(mine).toCompletableFuture().join();
        return p;
    }

    private void push(Bytes inbox, Bytes messageId) {
        String owner = owners.get(inbox);
        Peer p = owner == null ? null : peers.get(owner);
        if (p == null || !p.online) return;
        scheduler.schedule(1, () -> {
            Map<Bytes, Bytes> box = stored.get(inbox);
            Bytes env = box == null ? null : box.get(messageId);
            if (env == null || !p.online) return;
            Bytes wire = env;
            if (p.tamperNext > 0) {
                p.tamperNext--;
                wire = p.tamper.apply(env);
            } else {
                p.pushedTo.add(env);
            }
            p.service.onInbound(wire, List.of(p.name + "-guard", p.name + "-middle")).whenComplete((v, e) -> {
                if (e == null) box.remove(messageId); // ACK
            });
        });
    }

    /** The next {@code n} envelopes pushed to {@code p} are rewritten by {@code f} (a relay that tampers). */
    void tamperNextPushes(Peer p, int n, UnaryOperator<Bytes> f) {
        p.tamperNext = n;
        p.tamper = f;
    }

    /** Pushes {@code envelope} to {@code p} as its inbox relay would; returns the stage of its handling. */
    CompletionStage<Void> inject(Peer p, Bytes envelope) {
        return p.service.onInbound(envelope, List.of(p.name + "-guard", p.name + "-middle"));
    }

    boolean runUntil(BooleanSupplier done, long maxMillis) {
        long start = clock.nowMillis();
        while (!done.getAsBoolean()) {
            if (clock.nowMillis() - start > maxMillis) return false;
            scheduler.advance(10);
        }
        return true;
    }

    void run(long millis) {
        for (long t = 0; t < millis; t += 10) scheduler.advance(10);
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
