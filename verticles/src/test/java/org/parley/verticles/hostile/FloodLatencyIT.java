package org.parley.verticles.hostile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.Clock;
import org.parley.discovery.kademlia.DhtConfig;
import org.parley.discovery.kademlia.DhtNode;
import org.parley.discovery.kademlia.DhtTransport;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.RecordKind;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.wire.DhtMessage;
import org.parley.discovery.wire.DhtMessageCodec;
import org.parley.discovery.wire.Header;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.RoutingNode;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.circuit.CircuitListener;
import org.parley.routing.circuit.FloodLimits;
import org.parley.routing.link.AcceptLimits;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.circuit.RelayCryptoKind;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.client.EnvelopeSender;
import org.parley.routing.client.InboxSubscription;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.inbox.InboxStore;
import org.parley.routing.cell.RelayMessage;
import org.parley.verticles.bus.BusCodecs;
import org.parley.verticles.discovery.BusDhtTransport;
import org.parley.verticles.discovery.MicrometerDiscoveryMetrics;
import org.parley.verticles.link.LinkRpcCodec;
import org.parley.verticles.link.TlsLinkTransport;
import org.parley.verticles.node.VertxScheduler;
import org.parley.verticles.routing.MicrometerRoutingMetrics;
import org.parley.verticles.testing.FixedDirectoryNet;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10's flood scenario over real TLS links on loopback: "per-peer limits hold, the node's
 * memory and queues stay bounded, other users' latency stays within 2x of baseline". A relay (the
 * victim: routing node, relay and inbox relay on one event loop, as the routing verticle runs it,
 * with an in-memory inbox store) serves an honest client whose envelope sends (1-hop circuit, send
 * to STORED round trip) are timed. Two attackers, each on its own Vert.x instance, thread and TLS
 * link, flood the relay as fast as their event loop can with {@link #IN_FLIGHT} requests in flight:
 * one builds circuits (CREATE2) without end, the other sends envelopes to one inbox without end.
 * The per-link circuit limit ({@link #CIRCUIT_LIMIT}), the inbox quota ({@link #INBOX_QUOTA}) and the
 * relay's {@link #FLOOD_LIMITS} (CREATE2 rate per link, DELIVER rate per circuit and per link, a
 * circuit that keeps pushing past its rate closed) refuse them.
 *
 * <p>Measurement, for a shared 2-core box: a warm-up (honest sends alone, then under each flood,
 * which also brings the attackers to their limits), then {@link #ROUNDS} rounds of three blocks of
 * {@link #PER_BLOCK} honest sends each, interleaved so load from other processes hits all three:
 * no flood; the same flood aimed at a decoy relay (the baseline: this box then carries the
 * attackers' and a relay's CPU load just as in the next block, which a real victim would not, the
 * attackers being elsewhere); the flood aimed at the victim. Medians of 32 samples per block kind;
 * the bound is flood median &lt;= 2 x baseline median + {@link #FLOOR_MS} (an absolute floor for
 * scheduler noise on baselines of about a millisecond). Under 60 s even on a loaded box.
 *
 * <p>Two more floods use the same blocks, each against relays built for it: a DHT RPC flood over the
 * attacker's TLS link ({@link DhtFlooder}; the relays run discovery on a loop of its own, wired to
 * their links as a node wires it, {@link Dht}), and half-open TLS handshakes kept topped up against
 * the peer port ({@link HalfOpen}; relays with a short handshake timeout and few link slots).
 *
 * <p>{@code -Dparley.test.floodLimitsOff=circuits|inbox|all} lifts the relays' limits (all: the flood
 * limits too; the bound assertions then fail), {@code -Dparley.test.floodRates=...} sets other flood
 * limits ({@link #floodLimits()}), {@code -Dparley.test.floods=create2|envelopes} runs one flood only,
 * {@code -Dparley.test.floodWindow=N} sets the attackers' requests in flight.
 */
class FloodLatencyIT {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final int CIRCUIT_LIMIT = 32;
    static final int INBOX_QUOTA = 200;
    /**
     * The relays' flood limits: CREATE2 20/s (burst 100) per link; DELIVER 50/s (burst 100) per circuit,
     * 200/s (burst 400) per link; a circuit closed at 16 strikes; links never closed (closing the attackers'
     * links made it worse: ratios 4.0 and 4.75 in two of four runs, as each reconnect costs the victim a TLS
     * handshake). The honest client sends up to ~150/s for a moment (40 in a row at warm-up) on its own
     * circuit and link.
     */
    static final FloodLimits FLOOD_LIMITS = new FloodLimits(20, 100, 50, 100, 200, 400, 16, 0);
    static final int IN_FLIGHT = Integer.getInteger("parley.test.floodWindow", 64);
    static final int WARMUP = 40;
    static final int ROUNDS = 4;
    static final int PER_BLOCK = 8;
    /** Absolute slack on top of 2x the baseline median, for scheduler noise on a loaded 2-core box. */
    static final double FLOOR_MS = 3.0;
    static final String LIMITS_OFF = System.getProperty("parley.test.floodLimitsOff", "");
    /** Overrides the floods of every test in this class: create2, envelopes or both (comma-separated). */
    static final String FLOODS = System.getProperty("parley.test.floods");

    private static final CircuitListener IGNORE = new CircuitListener() {
        @Override
        public void onMessage(int hop, RelayMessage message) {
        }

        @Override
        public void onClosed(DestroyReason reason) {
        }
    };

    /**
     * How a {@link Peer} is built: its Vert.x event loops (1: routing alone; 2 gives a relay's discovery its own loop,
     * as a node's verticles have), and its link listener's handshake timeout and max links.
     */
    record Shape(int eventLoops, int handshakeTimeoutMillis, int maxLinks) {
        static final Shape DEFAULT = new Shape(1, TlsLinkTransport.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, TlsLinkTransport.DEFAULT_MAX_LINKS);
    }

    /** A flood aimed at one relay, started and stopped around each block of honest sends. */
    interface Attack {
        void start();

        /** Stops it and waits until nothing of it is in flight. */
        void stop() throws InterruptedException;
    }

    /** Runs {@code work} on {@code ctx} and waits for its result (30 s). */
    static <T> T call(Context ctx, Supplier<CompletionStage<T>> work) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        ctx.runOnContext(v -> {
            try {
                work.get().whenComplete((r, e) -> {
                    if (e != null) f.completeExceptionally(e);
                    else f.complete(r);
                });
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f.get(30, TimeUnit.SECONDS);
    }

    /** CPU time of a thread, ms. */
    static double cpuMsOf(long threadId) {
        return java.lang.management.ManagementFactory.getThreadMXBean().getThreadCpuTime(threadId) / 1e6;
    }

    /** A counter's count, 0 if it was never registered. */
    static double count(MeterRegistry registry, String name, String tag, String value) {
        Counter c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    /** One routing node (relay, inbox relay if it has a store, client) on its own Vert.x event loop, with TLS peer links. */
    static final class Peer {
        final Vertx vertx;
        final Context ctx;
        final NodeIdentity id = NodeIdentity.generate(RANDOM);
        final OnionKeyPair onion = OnionKeyPair.generate(RANDOM);
        final MeterRegistry registry = new SimpleMeterRegistry();
        volatile RoutingNode routing;
        volatile TlsLinkTransport transport;
        volatile long threadId;

        Peer(RoutingConfig config, InboxStore store, boolean listen) throws Exception {
            this(config, store, listen, Shape.DEFAULT);
        }

        Peer(RoutingConfig config, InboxStore store, boolean listen, Shape shape) throws Exception {
            vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(shape.eventLoops()).setWorkerPoolSize(1));
            ctx = vertx.getOrCreateContext();
            call(() -> {
                threadId = Thread.currentThread().getId();
                routing = new RoutingNode(id.nodeId(), () -> List.of(onion), store, config, Clock.system(),
                        new VertxScheduler(ctx), RANDOM, new MicrometerRoutingMetrics(registry));
                transport = new TlsLinkTransport(vertx, id, routing.linkListener(), registry, 300, shape.handshakeTimeoutMillis(),
                        shape.maxLinks());
                routing.attach(transport);
                return listen ? transport.listen("127.0.0.1", 0).toCompletionStage() : CompletableFuture.completedFuture(0);
            });
        }

        /** Runs {@code work} on this peer's event loop and waits for its result (30 s). */
        <T> T call(Supplier<CompletionStage<T>> work) throws Exception {
            return FloodLatencyIT.call(ctx, work);
        }

        /** CPU time of this peer's event loop thread, ms. */
        double cpuMs() {
            return cpuMsOf(threadId);
        }

        /** {@code parley.routing.link.limit.hits{limit}} (see {@link TlsLinkTransport#LIMITS}). */
        double linkLimitHits(String limit) {
            return count(registry, "parley.routing.link.limit.hits", "limit", limit);
        }

        /** The {@code parley.routing.links.open} gauge: sockets past their TLS handshake, settled or not. */
        double linksOpen() {
            return registry.find("parley.routing.links.open").gauge().value();
        }

        HopSpec hop() {
            return new HopSpec(id.nodeId(), "127.0.0.1:" + transport.actualPort(), onion.publicKey());
        }

        double dropped(String reason) {
            return count(registry, "parley.routing.cells.dropped", "reason", reason);
        }

        void close() throws Exception {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** Keeps {@link #IN_FLIGHT} operations of an attacker in flight, each started as the previous one ends. */
    static final class Flood implements Attack {
        final Peer attacker;
        final Supplier<CompletionStage<?>> op;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicLong answered = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        volatile boolean on;

        Flood(Peer attacker, Supplier<CompletionStage<?>> op) {
            this.attacker = attacker;
            this.op = op;
        }

        @Override
        public void start() {
            on = true;
            attacker.ctx.runOnContext(v -> pump());
        }

        private void pump() {
            for (int i = 0; i < IN_FLIGHT && on && inFlight.get() < IN_FLIGHT; i++) {
                inFlight.incrementAndGet();
                CompletionStage<?> s;
                try {
                    s = op.get();
                } catch (RuntimeException e) {
                    s = CompletableFuture.failedFuture(e);
                }
                s.whenComplete((r, e) -> {
                    inFlight.decrementAndGet();
                    answered.incrementAndGet();
                    if (e != null) refused.incrementAndGet();
                    attacker.ctx.runOnContext(v -> pump());
                });
            }
        }

        @Override
        public void stop() throws InterruptedException {
            on = false;
            FixedDirectoryNet.await(() -> inFlight.get() == 0, 15_000);
        }
    }

    static RoutingConfig config(int maxCircuitsPerLink, FloodLimits flood) {
        RoutingConfig d = RoutingConfig.defaults();
        return new RoutingConfig(d.circuitWindow(), d.sendmeIncrement(), d.maxQueuedCells(), d.maxMessageBytes(),
                d.reassemblyTimeoutMillis(), d.buildTimeoutMillis(), d.replayCacheTtlMillis(), d.replayCacheMaxEntries(),
                maxCircuitsPerLink, RelayCryptoKind.CGO, flood);
    }

    /**
     * The relays' flood limits: {@link #FLOOD_LIMITS}, or {@code -Dparley.test.floodRates=} eight
     * comma-separated numbers (CREATE2 per link rate, burst; DELIVER per circuit rate, burst; per link rate,
     * burst; close a circuit after, a link after) to try others.
     */
    static FloodLimits floodLimits() {
        String s = System.getProperty("parley.test.floodRates");
        if (s == null || s.isBlank()) return FLOOD_LIMITS;
        String[] v = s.split(",");
        return new FloodLimits(Double.parseDouble(v[0]), Integer.parseInt(v[1]), Double.parseDouble(v[2]),
                Integer.parseInt(v[3]), Double.parseDouble(v[4]), Integer.parseInt(v[5]), Integer.parseInt(v[6]),
                Integer.parseInt(v[7]));
    }

    /** Every reason of the victim's dropped-cells counter that moved since {@code before}, as "reason=n". */
    static String droppedSince(Peer p, java.util.Map<String, Double> before) {
        StringBuilder sb = new StringBuilder();
        for (String r : RoutingMetrics.REASONS) {
            double n = p.dropped(r) - before.getOrDefault(r, 0.0);
            if (n > 0) sb.append(r).append('=').append((long) n).append(' ');
        }
        return sb.toString().trim();
    }

    static java.util.Map<String, Double> dropped(Peer p) {
        java.util.Map<String, Double> m = new java.util.HashMap<>();
        for (String r : RoutingMetrics.REASONS) m.put(r, p.dropped(r));
        return m;
    }

    static Bytes random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return Bytes.wrap(b);
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** One honest send to {@code inbox}, timed on the client's event loop from the call to STORED, in ms. */
    static double honestSend(Peer client, List<HopSpec> path, Bytes inbox) throws Exception {
        Bytes messageId = random(16);
        Bytes envelope = random(300);
        return client.call(() -> {
            long t0 = System.nanoTime();
            return client.routing.sender().send(path, inbox, messageId, envelope).thenApply(sent -> {
                double ms = (System.nanoTime() - t0) / 1e6;
                assertThat(sent.outcome()).isEqualTo(EnvelopeSender.Outcome.STORED);
                return ms;
            });
        });
    }

    /** Binds {@code inbox} to a fresh key at the victim (a recipient registers once), then closes the subscription. */
    static void register(Peer recipient, List<HopSpec> path, Bytes inbox) throws Exception {
        CompletableFuture<Void> up = new CompletableFuture<>();
        InboxSubscription sub = recipient.call(() -> CompletableFuture.completedFuture(recipient.routing.subscribe(
                new InboxSubscription.Params(() -> path, inbox, NodeIdentity.generate(RANDOM), 1_000),
                new InboxSubscription.Listener() {
                    @Override
                    public void onEstablished(long pending, List<NodeId> p) {
                        up.complete(null);
                    }

                    @Override
                    public void onEnvelope(Bytes messageId, Bytes envelope) {
                    }

                    @Override
                    public void onError(InboxErrorKind kind) {
                        up.completeExceptionally(new AssertionError("registration refused: " + kind));
                    }

                    @Override
                    public void onDown(DestroyReason reason) {
                    }
                })));
        up.get(30, TimeUnit.SECONDS);
        recipient.call(() -> {
            sub.close();
            return CompletableFuture.completedFuture(null);
        });
    }

    /** The two attackers' floods aimed at one relay: CREATE2 on the first's link, envelopes to {@code inbox} on the second's. */
    static final class Floods implements Attack {
        final Flood circuits;
        final Flood envelopes;
        final ConcurrentLinkedQueue<ClientCircuit> kept = new ConcurrentLinkedQueue<>();
        final boolean create2s;
        final boolean mails;

        Floods(Peer create2, Peer mailer, List<HopSpec> path, Bytes inbox, String which) {
            create2s = which.contains("create2");
            mails = which.contains("envelopes");
            circuits = new Flood(create2, () -> create2.routing.circuits().build(path, IGNORE).thenApply(c -> {
                kept.add(c);
                return c;
            }));
            envelopes = new Flood(mailer, () -> mailer.routing.sender().send(path, inbox, random(16), random(300)));
        }

        @Override
        public void start() {
            if (create2s) circuits.start();
            if (mails) envelopes.start();
        }

        @Override
        public void stop() throws InterruptedException {
            circuits.stop();
            envelopes.stop();
        }
    }

    /** A relay under test: routing with its circuit limit, and an inbox store with its quota (or without either). */
    static Peer relay(InMemoryInboxStore store, boolean circuitsOff) throws Exception {
        return relay(store, circuitsOff, Shape.DEFAULT);
    }

    static Peer relay(InMemoryInboxStore store, boolean circuitsOff, Shape shape) throws Exception {
        return new Peer(config(circuitsOff ? 1_000_000 : CIRCUIT_LIMIT, LIMITS_OFF.equals("all") ? FloodLimits.OFF : floodLimits()),
                store, true, shape);
    }

    /** An inbox store with the relays' quota, or without one ({@code -Dparley.test.floodLimitsOff=inbox|all}). */
    static InMemoryInboxStore store() {
        boolean inboxOff = LIMITS_OFF.equals("inbox") || LIMITS_OFF.equals("all");
        return new InMemoryInboxStore(inboxOff ? Integer.MAX_VALUE : INBOX_QUOTA, inboxOff ? Long.MAX_VALUE : 1L << 20, 3_600_000);
    }

    /** Clients and attackers: no limit of their own in the way. */
    static final RoutingConfig OPEN = config(1_000_000, FloodLimits.OFF);

    /** What one run measured. */
    record Result(double quietMedianMs, double baselineMedianMs, double floodMedianMs, int floodSamples) {
    }

    /**
     * The peers of one run: the victim and the decoy relay (set by the test), the honest client with
     * its path through the victim and its inbox registered there ({@link #honestClient}), attackers.
     */
    static final class Setup implements AutoCloseable {
        final List<Peer> peers = new ArrayList<>();
        final Bytes honestInbox = random(32);
        Peer victim;
        Peer decoy;
        Peer honest;
        List<HopSpec> path;

        Peer add(Peer p) {
            peers.add(p);
            return p;
        }

        /** Adds the honest client (after the victim is set) and registers its inbox at the victim. */
        void honestClient() throws Exception {
            honest = add(new Peer(OPEN, null, false));
            path = List.of(victim.hop());
            register(honest, path, honestInbox);
        }

        @Override
        public void close() {
            for (Peer p : peers) {
                try {
                    p.close();
                } catch (Exception e) {
                    // best effort
                }
            }
        }
    }

    /**
     * Runs in CI: a CREATE2 flood is refused at the circuit limit (counter), the relay's circuits
     * stay at the limit, every honest send during the flood is STORED, and the honest median under
     * the flood is within 2x the baseline median + {@link #FLOOR_MS}.
     */
    @Test
    void aCreate2FloodIsRefusedAtTheCircuitLimitAndHonestLatencyStaysWithinTwiceTheBaseline() throws Exception {
        assertWithinTwiceTheBaseline(run(FLOODS == null ? "create2" : FLOODS));
    }

    /**
     * Runs in CI: an envelope flood to one inbox is refused at the quota and, past the relay's
     * {@link #FLOOD_LIMITS}, at the per-circuit and per-link DELIVER rates (circuits that keep
     * pushing are closed); the inbox stays at its quota, every honest send is STORED, and the honest
     * median is within 2x the baseline median + {@link #FLOOR_MS}. Without the flood limits this
     * measured 3.4 to 5.6 (docs/threat-model.md).
     */
    @Test
    void anEnvelopeFloodIsRefusedAtTheQuotaAndRateAndHonestLatencyStaysWithinTwiceTheBaseline() throws Exception {
        assertWithinTwiceTheBaseline(run(FLOODS == null ? "envelopes" : FLOODS));
    }

    /**
     * Both floods at once, opt-in ({@code -Dparley.test.floodLatency=true}): both are refused and
     * bounded, but the 2x bound has not been reliable on a loaded 2-core box (ratios 0.9 to 4.2
     * measured with the flood limits; 1.02 to 2.01 in four runs on a quiet box on 2026-11-27; see
     * docs/threat-model.md, Open), so it is not part of CI. Each flood alone is (the tests above).
     */
    @Test
    @EnabledIfSystemProperty(named = "parley.test.floodLatency", matches = "true")
    void withBothFloodsHonestLatencyStaysWithinTwiceTheBaseline() throws Exception {
        assertWithinTwiceTheBaseline(run(FLOODS == null ? "create2,envelopes" : FLOODS));
    }

    /** Whether the opt-in latency bounds (both floods; the DHT flood without the forwarder) are asserted: {@code -Dparley.test.floodLatency=true}. */
    static final boolean FLOOD_LATENCY = Boolean.getBoolean("parley.test.floodLatency");

    /** Every honest send was STORED; the latency bound only if {@link #FLOOD_LATENCY} (the numbers are printed either way). */
    private static void assertLatencyIfAsked(Result r) {
        assertThat(r.floodSamples()).isEqualTo(ROUNDS * PER_BLOCK);
        if (FLOOD_LATENCY) assertWithinTwiceTheBaseline(r);
    }

    private static void assertWithinTwiceTheBaseline(Result r) {
        assertThat(r.floodSamples()).isEqualTo(ROUNDS * PER_BLOCK); // every honest send under the flood was STORED (honestSend checks)
        assertThat(r.floodMedianMs()).as("flood median vs 2 x baseline median + %s ms", FLOOR_MS)
                .isLessThanOrEqualTo(2 * r.baselineMedianMs() + FLOOR_MS);
    }

    private Result run(String which) throws Exception {
        boolean circuitsOff = LIMITS_OFF.equals("circuits") || LIMITS_OFF.equals("all");
        long t0 = System.nanoTime();
        try (Setup s = new Setup()) {
            InMemoryInboxStore store = store();
            s.victim = s.add(relay(store, circuitsOff));
            Peer victim = s.victim;
            // the decoy relay takes the same flood in the control phase, so both phases carry the same CPU load on this box
            s.decoy = s.add(relay(store(), circuitsOff));
            s.honestClient();
            Peer create2 = s.add(new Peer(OPEN, null, false));
            Peer mailer = s.add(new Peer(OPEN, null, false));
            List<HopSpec> decoyPath = List.of(s.decoy.hop());
            Bytes floodedInbox = random(32);
            register(s.honest, s.path, floodedInbox);
            register(s.honest, decoyPath, floodedInbox);
            Floods atVictim = new Floods(create2, mailer, s.path, floodedInbox, which);
            Floods atDecoy = new Floods(create2, mailer, decoyPath, floodedInbox, which);

            warmUp(s, atVictim, atDecoy);
            java.util.Map<String, Double> dropped0 = dropped(victim);
            long create2Answered0 = atVictim.circuits.answered.get();
            long envelopesAnswered0 = atVictim.envelopes.answered.get();
            long envelopesRefused0 = atVictim.envelopes.refused.get();
            Result result = rounds(s, atVictim, atDecoy, List.of(create2, mailer), "floods: " + which);
            java.util.Map<String, Double> d1 = dropped(victim);
            java.util.function.Function<String, Double> since = r -> d1.get(r) - dropped0.get(r);
            // CREATE2 refused: at the circuit limit or over the link's CREATE2 rate (each answered DESTROY)
            double limitHits = since.apply(RoutingMetrics.CIRCUIT_LIMIT) + since.apply(RoutingMetrics.CREATE2_RATE);
            // envelopes refused: at the inbox quota or over the circuit's or link's DELIVER rate (each answered ERROR)
            double quotaHits = since.apply(RoutingMetrics.INBOX_QUOTA) + since.apply(RoutingMetrics.DELIVER_RATE)
                    + since.apply(RoutingMetrics.DELIVER_LINK_RATE);
            long refusedMails = atVictim.envelopes.refused.get() - envelopesRefused0;
            long create2s = atVictim.circuits.answered.get() - create2Answered0;
            long mails = atVictim.envelopes.answered.get() - envelopesAnswered0;
            int victimCircuits = victim.call(() -> CompletableFuture.completedFuture(victim.routing.relay().openCircuits()));
            int stored = store.listNow(floodedInbox, System.currentTimeMillis(), Integer.MAX_VALUE).size();
            System.out.printf("[flood] limits off: '%s', floods: %s; at the victim during its flood blocks: %d CREATE2 answered"
                            + " (%.0f refused at the circuit limit or rate), %d envelopes answered (%.0f refused at the quota or rate);"
                            + " victim circuits %d, envelopes in the flooded inbox %d; %.1f s%n", LIMITS_OFF, which, create2s, limitHits,
                    mails, quotaHits, victimCircuits, stored, (System.nanoTime() - t0) / 1e9);
            System.out.printf("[flood] victim's dropped cells during its flood blocks: %s; the mailer saw %d of its sends fail%n",
                    droppedSince(victim, dropped0), refusedMails);

            // the flood happened and the limits refused it
            if (atVictim.create2s) {
                assertThat(create2s).isGreaterThanOrEqualTo(300);
                // most refused with a DESTROY; the others failed as their link was closed for flooding, or got a
                // circuit again after such a close (the attacker's new link starts with no circuits)
                assertThat(limitHits).isGreaterThanOrEqualTo(0.5 * create2s);
                assertThat(atVictim.kept.stream().filter(ClientCircuit::isOpen).count()).isLessThanOrEqualTo(CIRCUIT_LIMIT);
            }
            if (atVictim.mails) {
                assertThat(mails).isGreaterThanOrEqualTo(200);
                // each refused with an ERROR, or failed (up to IN_FLIGHT at once) as its circuit was closed for
                // flooding or the mailer's next circuit was refused at the link's CREATE2 rate
                assertThat(quotaHits + IN_FLIGHT * (since.apply(RoutingMetrics.CIRCUIT_CLOSED_FLOODING)
                        + since.apply(RoutingMetrics.CREATE2_RATE))).isGreaterThanOrEqualTo(mails);
                assertThat(stored).isEqualTo(INBOX_QUOTA);
            }
            // memory stays bounded: the attacker's circuits at the limit (+ the few of the honest client and the mailer)
            assertThat(victimCircuits).isLessThanOrEqualTo(CIRCUIT_LIMIT + 8);
            return result;
        }
    }

    /** Honest sends alone, then under each attack (which also brings the attackers to their limits). */
    private static void warmUp(Setup s, Attack... attacks) throws Exception {
        for (int i = 0; i < WARMUP; i++) honestSend(s.honest, s.path, s.honestInbox);
        for (Attack f : attacks) {
            f.start();
            for (int i = 0; i < WARMUP / 2; i++) honestSend(s.honest, s.path, s.honestInbox);
            Thread.sleep(200);
            f.stop();
        }
    }

    /**
     * {@link #ROUNDS} rounds of three interleaved blocks of honest sends (no flood, {@code atDecoy}
     * as the baseline, {@code atVictim}); prints the medians and each victim block's event-loop CPU.
     */
    private static Result rounds(Setup s, Attack atVictim, Attack atDecoy, List<Peer> attackers, String label) throws Exception {
        List<Double> quiet = new ArrayList<>();
        List<Double> control = new ArrayList<>();
        List<Double> flooded = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            block(s, null, quiet);
            block(s, atDecoy, control);
            double victimCpu0 = s.victim.cpuMs();
            double decoyCpu0 = s.decoy.cpuMs();
            double[] attackersCpu0 = attackers.stream().mapToDouble(Peer::cpuMs).toArray();
            long w0 = System.nanoTime();
            block(s, atVictim, flooded);
            StringBuilder attackersCpu = new StringBuilder();
            for (int i = 0; i < attackers.size(); i++) {
                attackersCpu.append(String.format(" attacker%d %.0f", i, attackers.get(i).cpuMs() - attackersCpu0[i]));
            }
            System.out.printf("[flood] round %d: victim flood block %.0f ms wall; event loop CPU ms victim %.0f decoy %.0f%s%n",
                    round, (System.nanoTime() - w0) / 1e6, s.victim.cpuMs() - victimCpu0, s.decoy.cpuMs() - decoyCpu0, attackersCpu);
        }
        Result r = new Result(median(quiet), median(control), median(flooded), flooded.size());
        System.out.printf("[flood] %s; honest send median: no flood %.2f ms, flood at the decoy (baseline) %.2f ms, flood at the"
                        + " victim %.2f ms (n=%d each); ratio %.2f (%.2f to no flood)%n", label, r.quietMedianMs(),
                r.baselineMedianMs(), r.floodMedianMs(), flooded.size(), r.floodMedianMs() / r.baselineMedianMs(),
                r.floodMedianMs() / r.quietMedianMs());
        return r;
    }

    /** {@link #PER_BLOCK} timed honest sends, under {@code flood} if not null (started 100 ms before the first). */
    private static void block(Setup s, Attack flood, List<Double> out) throws Exception {
        if (flood != null) {
            flood.start();
            Thread.sleep(100);
        }
        for (int i = 0; i < PER_BLOCK; i++) {
            out.add(honestSend(s.honest, s.path, s.honestInbox));
            Thread.sleep(5);
        }
        if (flood != null) flood.stop();
    }

    /** An attack that also samples gauges every {@link #SAMPLE_MS} ms while it runs, keeping each one's maximum. */
    static final class Sampled implements Attack {
        static final long SAMPLE_MS = 10;
        final Attack inner;
        final java.util.function.DoubleSupplier[] gauges;
        final double[] max;
        private volatile boolean on;
        private Thread sampler;

        Sampled(Attack inner, java.util.function.DoubleSupplier... gauges) {
            this.inner = inner;
            this.gauges = gauges;
            this.max = new double[gauges.length];
            java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        }

        @Override
        public void start() {
            on = true;
            sampler = new Thread(() -> {
                while (on) {
                    for (int i = 0; i < gauges.length; i++) max[i] = Math.max(max[i], gauges[i].getAsDouble());
                    try {
                        Thread.sleep(SAMPLE_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "flood-sampler");
            sampler.setDaemon(true);
            sampler.start();
            inner.start();
        }

        @Override
        public void stop() throws InterruptedException {
            inner.stop();
            on = false;
            sampler.join(5_000);
        }
    }

    // ------------------------------------------------------------------ DHT RPC flood

    /** Records the attacker may place at a relay in the DHT test (the default is 64; lower, so the flood reaches it). */
    static final int DHT_RECORDS_PER_PEER = 16;
    /**
     * The relays' DHT: defaults (20 requests/s per peer, burst 100), the per-peer record limit at
     * {@link #DHT_RECORDS_PER_PEER}, the /16 and per-/24 limits off as on a one-host test network.
     */
    /**
     * Whether the relays forward link RPCs through {@link BusDhtTransport.Forwarder} (its per-peer rate
     * before the bus); {@code -Dparley.test.dhtGate=false} forwards every RPC, as RoutingVerticle did
     * before it adopted the forwarder.
     */
    static final boolean DHT_GATE = !"false".equals(System.getProperty("parley.test.dhtGate"));
    static final DhtConfig DHT_CONFIG = DhtConfig.DEFAULTS.withMaxPerSubnet16(DhtConfig.DEFAULTS.k())
            .withRecordsPerPeer(DHT_RECORDS_PER_PEER, DhtConfig.DEFAULTS.maxRecords());

    /**
     * A relay's discovery wired to its peer links as a node wires it: routing's link-RPC listener
     * forwards each inbound RPC over the event bus (with the link's IP, as RoutingVerticle does) to a
     * {@link BusDhtTransport} and {@link DhtNode} on a context of their own; replies go back through a
     * {@link Addresses#ROUTING_LINK_RPC} consumer on routing's context. Counts what routing forwarded
     * and what reached the DHT: the difference is the event-bus backlog between the two loops.
     */
    static final class Dht {
        final Peer relay;
        final Context ctx;
        final AtomicLong forwarded = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicLong gated = new AtomicLong();
        final long startedNanos;
        volatile DhtNode node;
        volatile long threadId;

        Dht(Peer relay, DhtConfig config) throws Exception {
            this.relay = relay;
            BusCodecs.register(relay.vertx.eventBus());
            BusDhtTransport.Forwarder gate = new BusDhtTransport.Forwarder(relay.vertx, Addresses.DISCOVERY_RPC_IN, gated::incrementAndGet);
            TlsLinkTransport.AddressedRpcListener production = org.parley.verticles.node.RoutingVerticle.linkRpcs(relay.transport, gate);
            relay.call(() -> {
                relay.transport.setRpcListener((from, remoteIp, rpc) -> {
                    if (DHT_GATE) { // as RoutingVerticle wires it: the forwarder's rate, then the link paused
                        long before = gated.get();
                        production.onRpc(from, remoteIp, rpc);
                        if (gated.get() == before) forwarded.incrementAndGet();
                        return;
                    }
                    forwarded.incrementAndGet(); // as RoutingVerticle did before the forwarder: every RPC to the bus
                    relay.vertx.eventBus().send(Addresses.DISCOVERY_RPC_IN, new DiscoveryMessage.LinkRpcIn(from.hex(), rpc),
                            BusDhtTransport.withLinkIp(remoteIp));
                });
                return relay.vertx.eventBus().<RoutingMessage.LinkRpcOut>consumer(Addresses.ROUTING_LINK_RPC, msg -> {
                    RoutingMessage.LinkRpcOut out = msg.body();
                    relay.transport.sendRpc(NodeId.fromHex(out.peerNodeId()), out.address(), out.rpc()).whenComplete((v, e) -> {
                        if (e == null) msg.reply("queued");
                        else msg.fail(FailureCodes.of(ParleyException.Kind.UNAVAILABLE), String.valueOf(e));
                    });
                }).completion().toCompletionStage();
            });
            ctx = newContext(relay.vertx);
            call(ctx, () -> {
                threadId = Thread.currentThread().getId();
                BusDhtTransport bus = new BusDhtTransport(relay.vertx, ctx, BusDhtTransport.Wiring.DEFAULT, 10_000);
                node = new DhtNode(config, relay.id, PeerAddress.ipv4(127, 0, 0, 1, relay.transport.actualPort()), counting(bus),
                        Clock.system(), new VertxScheduler(ctx), RANDOM, new MicrometerDiscoveryMetrics(relay.registry));
                return bus.start().map(v -> {
                    node.start();
                    return (Void) null;
                }).toCompletionStage();
            });
            startedNanos = System.nanoTime();
        }

        /** {@code bus} with every message it hands the DHT counted in {@link #received}. */
        private DhtTransport counting(DhtTransport bus) {
            return new DhtTransport() {
                @Override
                public void send(Contact to, Bytes rpc) {
                    bus.send(to, rpc);
                }

                @Override
                public void setReceiver(Receiver r) {
                    bus.setReceiver(new Receiver() {
                        @Override
                        public void onReceive(NodeId from, Bytes rpc) {
                            received.incrementAndGet();
                            r.onReceive(from, rpc);
                        }

                        @Override
                        public void onReceive(NodeId from, Bytes rpc, Bytes observedIp) {
                            received.incrementAndGet();
                            r.onReceive(from, rpc, observedIp);
                        }
                    });
                }
            };
        }

        /** Link RPCs routing forwarded that the DHT has not seen yet (queued on the bus between the two loops). */
        double backlog() {
            return forwarded.get() - received.get();
        }

        double dropped(String reason) {
            return count(relay.registry, DiscoveryMetrics.DROPPED_TOTAL, "reason", reason);
        }

        double storeRefused(String reason) {
            return count(relay.registry, DiscoveryMetrics.STORE_REFUSED_TOTAL, "reason", reason);
        }

        /** Routing-table contacts, records held for others, requests awaiting replies (read on the DHT's loop). */
        int[] state() throws Exception {
            return call(ctx, () -> CompletableFuture.completedFuture(
                    new int[]{node.table().size(), node.records().size(), node.pendingRequests()}));
        }

        double cpuMs() {
            return cpuMsOf(threadId);
        }
    }

    /** A fresh context of {@code vertx} (a deployment's; the next event loop round-robin). */
    static Context newContext(Vertx vertx) throws Exception {
        CompletableFuture<Context> c = new CompletableFuture<>();
        vertx.deployVerticle(new VerticleBase() {
            @Override
            public Future<?> start() {
                c.complete(context);
                return Future.succeededFuture();
            }
        }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return c.get(10, TimeUnit.SECONDS);
    }

    /**
     * An attacker with TLS links to relays (opened like an honest dialer's) that writes DHT requests
     * over them as fast as the link takes them: {@link #IN_FLIGHT} writes of {@link #BATCH} requests
     * each in flight. The requests are encoded once (the attacker spends nothing per request, the
     * victim decodes each): half STOREs of distinct signed CONTACT records, then FIND_NODE,
     * FIND_VALUE, PING and GET_RELAYS.
     */
    static final class DhtFlooder {
        static final int BATCH = 4;
        static final int MESSAGES = 256;
        final Peer attacker;
        final List<Buffer> batches = new ArrayList<>();
        final AtomicLong replyBytes = new AtomicLong();

        DhtFlooder(Peer attacker) {
            this.attacker = attacker;
            NodeIdentity me = attacker.id;
            Contact self = new Contact(me.publicKey(), PeerAddress.ipv4(127, 0, 0, 1, 9));
            long expires = System.currentTimeMillis() + 3_600_000;
            Buffer batch = Buffer.buffer();
            for (int i = 0; i < MESSAGES; i++) {
                Header h = new Header(i + 1, self, false);
                DhtMessage m = switch (i % 8) {
                    case 4 -> new DhtMessage.FindNode(h, new NodeId(random(32)));
                    case 5 -> new DhtMessage.FindValue(h, random(32));
                    case 6 -> new DhtMessage.Ping(h);
                    case 7 -> new DhtMessage.GetRelays(h, DhtMessage.MAX_RELAYS);
                    default -> new DhtMessage.Store(h, SignedRecord.sign(me, RecordKind.CONTACT, random(32), 1, expires, random(64)));
                };
                for (Bytes frame : LinkRpcCodec.encode(DhtMessageCodec.encode(m))) batch.appendBytes(frame.toArray());
                if (i % BATCH == BATCH - 1) {
                    batches.add(batch);
                    batch = Buffer.buffer();
                }
            }
        }

        /** Opens the attacker's link to {@code relay}; the flood writes over it. */
        Flood at(Peer relay) throws Exception {
            NetSocket link = attacker.call(() -> LinkHostileIT.rawTls(attacker.vertx, attacker.id, relay.transport.actualPort())
                    .map(s -> {
                        s.handler(b -> replyBytes.addAndGet(b.length()));
                        return s;
                    }).toCompletionStage());
            AtomicInteger next = new AtomicInteger();
            return new Flood(attacker, () -> link.write(batches.get(Math.floorMod(next.getAndIncrement(), batches.size())).copy())
                    .toCompletionStage());
        }
    }

    /**
     * Runs in CI: an attacker floods the relay's DHT with requests over its TLS link, as fast as the
     * link takes them (~50,000 a second here). Routing's {@link BusDhtTransport.Forwarder} passes
     * 80/s (burst 400) of them to discovery and drops the rest before the bus, so the bus queue
     * between the loops stays bounded ({@code -Dparley.test.dhtGate=false} forwards all, as
     * RoutingVerticle did before it adopted the forwarder: the queue then reached 35,000, bounded by nothing); the DHT
     * answers at its per-peer rate (20/s, burst 100) and drops the rest (rate_limited); the STOREs
     * that pass are refused past {@link #DHT_RECORDS_PER_PEER} (per_peer); the routing table, record
     * store and pending requests stay at their bounds; every honest send is STORED; and, as wired in
     * RoutingVerticle (an RPC dropped at the forwarder's rate pauses reading of its link for 100 ms,
     * so TCP pushes the flood back to the attacker), the honest median within 2x the baseline median
     * + {@link #FLOOR_MS} (ratios 0.82 to 1.48 in nine runs since the pause; 0.9 to 9.7 before it, when
     * the relay's one routing loop decrypted every RPC it then dropped). With
     * {@code -Dparley.test.dhtGate=false} the latency bound is asserted only with
     * {@code -Dparley.test.floodLatency=true}. See docs/threat-model.md.
     */
    @Test
    void aDhtRpcFloodIsCutToThePerPeerRatesAndTheRelaysStateAndQueuesStayBounded() throws Exception {
        long t0 = System.nanoTime();
        try (Setup s = new Setup()) {
            Shape twoLoops = new Shape(2, TlsLinkTransport.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, TlsLinkTransport.DEFAULT_MAX_LINKS);
            s.victim = s.add(relay(store(), false, twoLoops));
            s.decoy = s.add(relay(store(), false, twoLoops));
            Dht victimDht = new Dht(s.victim, DHT_CONFIG);
            Dht decoyDht = new Dht(s.decoy, DHT_CONFIG);
            s.honestClient();
            Peer attacker = s.add(new Peer(OPEN, null, false));
            DhtFlooder flooder = new DhtFlooder(attacker);
            Flood toVictim = flooder.at(s.victim);
            Sampled atVictim = new Sampled(toVictim, victimDht::backlog);
            Sampled atDecoy = new Sampled(flooder.at(s.decoy), victimDht::backlog);

            warmUp(s, atVictim, atDecoy);
            double rateLimited0 = victimDht.dropped("rate_limited");
            long received0 = victimDht.received.get();
            long linkRpcs0 = victimDht.forwarded.get() + victimDht.gated.get();
            long gated0 = victimDht.gated.get();
            long writes0 = toVictim.answered.get();
            double victimDhtCpu0 = victimDht.cpuMs();
            Result r = rounds(s, atVictim, atDecoy, List.of(attacker), "DHT RPC flood (gate " + DHT_GATE + ")");
            FixedDirectoryNet.await(() -> victimDht.backlog() == 0, 15_000); // the bus queue drains
            double seconds = (System.nanoTime() - victimDht.startedNanos) / 1e9;
            long sent = (toVictim.answered.get() - writes0) * DhtFlooder.BATCH;
            long linkRpcs = victimDht.forwarded.get() + victimDht.gated.get() - linkRpcs0;
            long gated = victimDht.gated.get() - gated0;
            long received = victimDht.received.get() - received0;
            double rateLimited = victimDht.dropped("rate_limited") - rateLimited0;
            // every request the victim's DHT took in is the attacker's: all but the rate's worth were dropped
            double accepted = victimDht.received.get() - victimDht.dropped("rate_limited");
            int[] state = victimDht.state();
            double perPeer = victimDht.storeRefused("per_peer");
            System.out.printf("[flood] DHT: during the victim's flood blocks the attacker wrote %d requests, routing read %d"
                            + " (%d dropped at the forwarder's rate), its DHT took in %d (%.0f rate_limited); over %.1f s it answered"
                            + " %.0f (rate %.0f/s, burst %d), refused %.0f STOREs per_peer; table %d, records %d, pending %d; bus"
                            + " backlog max %.0f (decoy blocks %.0f); %d reply bytes; discovery loop CPU %.0f ms in the rounds; %.1f s%n",
                    sent, linkRpcs, gated, received, rateLimited, seconds, accepted, DHT_CONFIG.rateLimitPerSecond(),
                    DHT_CONFIG.rateLimitBurst(), perPeer, state[0], state[1], state[2], atVictim.max[0], atDecoy.max[0],
                    flooder.replyBytes.get(), victimDht.cpuMs() - victimDhtCpu0, (System.nanoTime() - t0) / 1e9);

            assertThat(linkRpcs).as("the flood reached the victim's links").isGreaterThanOrEqualTo(2_000);
            // the per-peer rates held: the victim answered no more than the DHT's burst and rate allow, and dropped the rest
            assertThat(accepted).isLessThanOrEqualTo(DHT_CONFIG.rateLimitBurst() + DHT_CONFIG.rateLimitPerSecond() * seconds + 1);
            assertThat(gated + rateLimited).isGreaterThanOrEqualTo(
                    linkRpcs - DHT_CONFIG.rateLimitBurst() - DHT_CONFIG.rateLimitPerSecond() * seconds);
            if (DHT_GATE) {
                // the bus between the loops carries at most the forwarder's rate: its queue is bounded
                assertThat(received).isLessThanOrEqualTo((long) (BusDhtTransport.Forwarder.FORWARD_BURST
                        + BusDhtTransport.Forwarder.FORWARD_RATE * seconds));
                assertThat(atVictim.max[0]).isLessThanOrEqualTo(BusDhtTransport.Forwarder.FORWARD_BURST
                        + BusDhtTransport.Forwarder.FORWARD_RATE * seconds);
            }
            assertThat(perPeer).isPositive();
            assertThat(state[1]).isLessThanOrEqualTo(DHT_RECORDS_PER_PEER);
            assertThat(state[0]).isLessThanOrEqualTo(1); // the attacker; no contact per request
            assertThat(state[2]).isLessThanOrEqualTo(1); // no per-request state (at most one eviction ping)
            assertThat(decoyDht.forwarded.get() + decoyDht.gated.get()).isPositive(); // the baseline blocks did flood the decoy
            if (DHT_GATE) {
                assertWithinTwiceTheBaseline(r);
            } else {
                assertLatencyIfAsked(r);
            }
        }
    }

    // ------------------------------------------------------------------ half-open TLS handshakes

    /** The relays' handshake timeout in the half-open test: short, so the flood churns during each block. */
    static final int HALF_OPEN_TIMEOUT_MS = 60;
    /** The relays' max links in the half-open test. */
    static final int HALF_OPEN_MAX_LINKS = 16;
    /** Which kinds of half-open connection the attacker opens, in turn ({@link HalfOpen}): digits 0, 1, 2. */
    static final String HALF_OPEN_KINDS = System.getProperty("parley.test.halfOpenKinds", "012");
    /** The half-open attacker's source address (loopback answers all of 127/8 on Linux). */
    static final String ATTACKER_IP = "127.0.0.2";

    /**
     * {@link #IN_FLIGHT} raw connections to one relay's peer port, each replaced as soon as the relay
     * drops it, in turn: TCP only, silent; a TLS 1.3 ClientHello, then silence (the relay does its
     * half of the handshake); a complete TLS handshake with a link certificate but no link Hello
     * (the socket holds a link slot until the Hello timer). Records how long the relay kept each.
     */
    static final class HalfOpen {
        final Peer attacker;
        final int port;
        final NetClient plain;
        final NetClient tls;
        final Buffer clientHello;
        final AtomicInteger opened = new AtomicInteger();
        final AtomicLong maxHeldNanos = new AtomicLong();

        HalfOpen(Peer attacker, Peer relay) throws Exception {
            this.attacker = attacker;
            this.port = relay.transport.actualPort();
            // from an address of its own (the honest client's links come from 127.0.0.1), as an attacker on another host
            this.plain = attacker.vertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000).setLocalAddress(ATTACKER_IP));
            // BoringSSL where it loads, as the relays use: the attacker's handshakes cost it no more than the relay's
            this.tls = attacker.vertx.createNetClient(LinkHostileIT.tlsClientOptions(attacker.id).setConnectTimeout(5_000)
                    .setLocalAddress(ATTACKER_IP)
                    .setSslEngineOptions(io.vertx.core.net.OpenSSLEngineOptions.isAvailable()
                            ? new io.vertx.core.net.OpenSSLEngineOptions() : new io.vertx.core.net.JdkSSLEngineOptions()));
            this.clientHello = clientHello();
        }

        Flood flood() {
            return new Flood(attacker, () -> {
                int kind = HALF_OPEN_KINDS.charAt(opened.getAndIncrement() % HALF_OPEN_KINDS.length()) - '0';
                long t0 = System.nanoTime();
                return (kind == 2 ? tls : plain).connect(port, "127.0.0.1").compose(s -> {
                    io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
                    s.handler(b -> { });
                    s.closeHandler(v -> {
                        maxHeldNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                        closed.complete();
                    });
                    if (kind == 1) s.write(clientHello.copy());
                    return closed.future();
                }).toCompletionStage();
            });
        }

        /** A TLS 1.3 ClientHello from the JDK's engine (key shares and all: the relay answers it with its whole flight). */
        static Buffer clientHello() throws Exception {
            javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            c.init(null, null, null);
            javax.net.ssl.SSLEngine e = c.createSSLEngine("127.0.0.1", 1);
            e.setUseClientMode(true);
            e.setEnabledProtocols(new String[]{"TLSv1.3"});
            java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(e.getSession().getPacketBufferSize());
            e.beginHandshake();
            e.wrap(java.nio.ByteBuffer.allocate(0), out);
            out.flip();
            byte[] b = new byte[out.remaining()];
            out.get(b);
            return Buffer.buffer(b);
        }
    }

    /** Connections the relay refused at TCP accept, every reason ({@link AcceptLimits.Refusal}). */
    static double acceptRefusals(Peer relay) {
        double n = 0;
        for (AcceptLimits.Refusal r : AcceptLimits.Refusal.values()) n += relay.linkLimitHits(r.tag);
        return n;
    }

    /** File descriptors this JVM holds open (sockets included), or 0 where the JVM does not tell. */
    static double openFds() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean u ? u.getOpenFileDescriptorCount() : 0;
    }

    /**
     * {@link #IN_FLIGHT} half-open connections from one source address ({@link #ATTACKER_IP}) kept
     * topped up against the relay's peer port (relays with a {@link #HALF_OPEN_TIMEOUT_MS} ms
     * handshake timeout, so the flood churns while the honest sends run, and
     * {@link #HALF_OPEN_MAX_LINKS} max links). The relay admits the source to at most its accept
     * rate of TLS handshakes ({@link AcceptLimits}: burst, then 20 a second) and refuses the rest at
     * TCP accept, holding each refused socket unread for {@link TlsLinkTransport#REFUSED_HOLD_MILLIS}
     * ms before closing it; each admitted one is dropped at the handshake timeout (or max links).
     * Asserted: every connection the relay dropped is counted at one of those limits; the handshakes
     * the source got are within its burst plus its rate over the time; none held much past the hold
     * time; the links-open gauge never passes max links; the process's open sockets stay within the
     * attacker's window and return to their level after the flood; every honest send is STORED; and
     * the honest median within 2x the baseline median + {@link #FLOOR_MS} (before the accept limits
     * each connection got a handshake and cost the relay's one event loop ~0.5 ms: ratios 3 to 9).
     */
    @Test
    void halfOpenHandshakesAreDroppedAtTheTimeoutCountedAndBoundedWhileHonestSendsAreServed() throws Exception {
        long t0 = System.nanoTime();
        try (Setup s = new Setup()) {
            Shape shape = new Shape(1, HALF_OPEN_TIMEOUT_MS, HALF_OPEN_MAX_LINKS);
            s.victim = s.add(relay(store(), false, shape));
            s.decoy = s.add(relay(store(), false, shape));
            s.honestClient();
            Peer attacker = s.add(new Peer(OPEN, null, false));
            HalfOpen toVictim = new HalfOpen(attacker, s.victim);
            Flood victimFlood = toVictim.flood();
            Peer victim = s.victim;
            Sampled atVictim = new Sampled(victimFlood, victim::linksOpen, FloodLatencyIT::openFds);
            Sampled atDecoy = new Sampled(new HalfOpen(attacker, s.decoy).flood(), victim::linksOpen, FloodLatencyIT::openFds);

            warmUp(s, atVictim, atDecoy);
            double timeouts0 = victim.linkLimitHits("handshake-timeout");
            double maxLinks0 = victim.linkLimitHits("max-links");
            long closed0 = victimFlood.answered.get();
            double fds0 = openFds();
            double refused0 = acceptRefusals(victim);
            toVictim.maxHeldNanos.set(0);
            long r0 = System.nanoTime();
            Result r = rounds(s, atVictim, atDecoy, List.of(attacker), "half-open TLS handshake flood");
            double roundsSeconds = (System.nanoTime() - r0) / 1e9;
            long closed = victimFlood.answered.get() - closed0;
            double timeouts = victim.linkLimitHits("handshake-timeout") - timeouts0;
            double maxLinks = victim.linkLimitHits("max-links") - maxLinks0;
            double refused = acceptRefusals(victim) - refused0;
            FixedDirectoryNet.await(() -> openFds() <= fds0 + 8, 10_000); // no socket leaked
            System.out.printf("[flood] half-open: during the victim's flood blocks the relay dropped %d connections (%.0f refused at"
                            + " accept, %.0f at the handshake timeout, %.0f at max links), none held longer than %.0f ms; links open max %.0f"
                            + " (limit %d); open fds max %.0f (%.0f before, %.0f after); %.1f s%n", closed, refused, timeouts, maxLinks,
                    toVictim.maxHeldNanos.get() / 1e6, atVictim.max[0], HALF_OPEN_MAX_LINKS, atVictim.max[1], fds0, openFds(),
                    (System.nanoTime() - t0) / 1e9);

            assertThat(closed).as("the flood's connections that the relay dropped").isGreaterThanOrEqualTo(4L * IN_FLIGHT);
            // each one closed by the relay at a limit, and counted
            assertThat(refused + timeouts + maxLinks).isBetween(0.95 * closed, closed + 1.0);
            assertThat(timeouts).isPositive();
            assertThat(refused).as("refused at accept, no handshake").isPositive();
            // the source's handshakes: its burst, then its rate (the burst refills between the victim's blocks too)
            assertThat(timeouts + maxLinks).isLessThanOrEqualTo(AcceptLimits.DEFAULT_PER_SOURCE_BURST
                    + AcceptLimits.DEFAULT_PER_SOURCE_RATE * roundsSeconds + IN_FLIGHT);
            assertThat(toVictim.maxHeldNanos.get() / 1e6)
                    .isLessThanOrEqualTo(Math.max(HALF_OPEN_TIMEOUT_MS, TlsLinkTransport.REFUSED_HOLD_MILLIS) + 2_000);
            assertThat(atVictim.max[0]).isLessThanOrEqualTo(HALF_OPEN_MAX_LINKS);
            // both ends of each connection in this JVM, and those the relay closed that the attacker has yet to see closed
            if (fds0 > 0) assertThat(atVictim.max[1]).isLessThanOrEqualTo(fds0 + 3 * IN_FLIGHT);
            assertWithinTwiceTheBaseline(r);
        }
    }
}
