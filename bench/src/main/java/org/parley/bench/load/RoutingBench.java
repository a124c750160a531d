package org.parley.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import org.HdrHistogram.Histogram;
import org.parley.core.Bytes;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.Clock;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.RoutingNode;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.CircuitListener;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.circuit.RelayCryptoKind;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.link.TlsLinkTransport;
import org.parley.verticles.node.Node;
import org.parley.verticles.node.VertxScheduler;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The routing load run behind {@code bin/parley bench --mode routing}. Starts {@code nodes} real
 * relay nodes in this JVM ({@link Node#start} with storage and routing, TLS links on loopback,
 * ports 0, distinct-subnet rule off, a fixed relay directory served on each node's bus in place of
 * discovery), plus a bench client: the routing module's {@link RoutingNode} over a
 * {@link TlsLinkTransport} on its own Vert.x event loop — the same pieces the routing verticle
 * assembles, so circuits cross the production relay path. Phases:
 * <ol>
 *   <li>circuit builds: {@code builds} sequential {@code hops}-hop builds on random paths, each
 *       timed from its first CREATE2 to the last hop's answer (the {@link RoutingMetrics} hook),
 *       into an HdrHistogram; the first 10% are warm-up and not recorded; each circuit is closed</li>
 *   <li>throughput: {@code circuits} circuits on random paths, DATA cells of the largest single-cell
 *       payload pushed to each last hop for {@code duration} s, flow-controlled by the circuits'
 *       SENDME windows; every relay's {@code parley.routing.cells.relayed} counter is read at the
 *       start and end of the measured window (the first 20% is warm-up)</li>
 *   <li>one middle relay: the same with every circuit through one chosen middle relay</li>
 *   <li>inbox sends: a recipient node opens an inbox at a relay, a sender node sends {@code sends}
 *       envelopes one after another over {@code hops}-hop circuits (the bus API delivery uses),
 *       timing each until STORED</li>
 * </ol>
 * Everything shares this machine's cores: the client, every relay's event loop and TLS, storage.
 */
public final class RoutingBench {
    private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(30_000);
    private static final double SENDME_OVERHEAD = 1.01; // one SENDME back per 100 DATA cells
    private static final int PUMP_BATCH = 256;

    /** Parameters of one run. */
    public record Params(int nodes, int circuits, int hops, int durationSeconds, int builds, int sends, Path json,
                         RelayCryptoKind crypto) {
        public static Params defaults() {
            return new Params(6, 8, 3, 10, 1000, 20, null, RoutingConfig.defaults().relayCrypto());
        }

        public Params withCrypto(RelayCryptoKind v) {
            return new Params(nodes, circuits, hops, durationSeconds, builds, sends, json, v);
        }

        public Params withNodes(int v) {
            return new Params(v, circuits, hops, durationSeconds, builds, sends, json, crypto);
        }

        public Params withCircuits(int v) {
            return new Params(nodes, v, hops, durationSeconds, builds, sends, json, crypto);
        }

        public Params withHops(int v) {
            return new Params(nodes, circuits, v, durationSeconds, builds, sends, json, crypto);
        }

        public Params withDurationSeconds(int v) {
            return new Params(nodes, circuits, hops, v, builds, sends, json, crypto);
        }

        public Params withBuilds(int v) {
            return new Params(nodes, circuits, hops, durationSeconds, v, sends, json, crypto);
        }

        public Params withSends(int v) {
            return new Params(nodes, circuits, hops, durationSeconds, builds, v, json, crypto);
        }

        public Params withJson(Path v) {
            return new Params(nodes, circuits, hops, durationSeconds, builds, sends, v, crypto);
        }

        /** @throws IllegalArgumentException naming the option that is out of range */
        public void validate() {
            if (hops < 2 || hops > 4) throw new IllegalArgumentException("--hops must be 2..4 (relayed cells need a middle hop)");
            if (nodes < hops || nodes > 40) throw new IllegalArgumentException("--nodes must be " + hops + "..40 (at least --hops)");
            if (circuits < 1 || circuits > 64) throw new IllegalArgumentException("--circuits must be 1..64");
            if (durationSeconds < 1 || durationSeconds > 600) throw new IllegalArgumentException("--duration must be 1..600 seconds");
            if (builds < 1 || builds > 100_000) throw new IllegalArgumentException("--builds must be 1..100000");
            if (sends < 0 || sends > 10_000) throw new IllegalArgumentException("--sends must be 0..10000");
        }
    }

    private final Params params;
    private final PrintStream log;
    private final SecureRandom secure = new SecureRandom();
    private final Random random = new Random();
    private final List<Node> relays = new ArrayList<>();
    private final List<Node> others = new ArrayList<>();
    private final List<DiscoveryMessage.RelayInfo> directory = new CopyOnWriteArrayList<>();
    private final List<HopSpec> hopSpecs = new ArrayList<>();
    private final List<Counter> relayedCounters = new ArrayList<>();
    private final Histogram buildHistogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private volatile boolean recordBuilds;
    private Vertx clientVertx;
    private Context clientContext;
    private RoutingNode client;
    private Path dataRoot;

    public RoutingBench(Params params, PrintStream log) {
        params.validate();
        this.params = params;
        this.log = log;
    }

    /** The numbers of one run. */
    public record Result(Params params, Map<String, Object> numbers) {
        public String summary() {
            StringBuilder b = new StringBuilder();
            @SuppressWarnings("unchecked") Map<String, Object> build = (Map<String, Object>) numbers.get("circuitBuild");
            @SuppressWarnings("unchecked") Map<String, Object> tput = (Map<String, Object>) numbers.get("throughput");
            @SuppressWarnings("unchecked") Map<String, Object> middle = (Map<String, Object>) numbers.get("middleRelay");
            @SuppressWarnings("unchecked") Map<String, Object> sends = (Map<String, Object>) numbers.get("inboxSends");
            @SuppressWarnings("unchecked") Map<String, Object> machine = (Map<String, Object>) numbers.get("machine");
            b.append(String.format(Locale.ROOT, "parley bench --mode routing: %d relay nodes, %d-hop circuits, %s relay crypto, %d cpus, load %s%n",
                    params.nodes(), params.hops(), numbers.get("relayCrypto"), machine.get("cpus"), machine.get("loadAverageBefore")));
            b.append(String.format(Locale.ROOT, "circuit build (%s builds): p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  (target p50 <= 5 ms)%n",
                    build.get("count"), build.get("p50Ms"), build.get("p90Ms"), build.get("p99Ms"), build.get("maxMs")));
            b.append(String.format(Locale.ROOT, "throughput, %s parallel circuits for %.1f s: busiest relay %d cells/s, all relays %d cells/s,"
                            + " payload %.2f MB/s (target >= 45 MB/s)%n",
                    tput.get("circuits"), tput.get("seconds"), tput.get("busiestRelayCellsPerSecond"),
                    tput.get("allRelaysCellsPerSecond"), tput.get("payloadMBPerSecond")));
            b.append(String.format(Locale.ROOT, "  (this JVM got %s cores of CPU in that window: %s relayed cells per CPU-second)%n",
                    tput.get("processCoresUsed"), tput.get("relayedCellsPerCpuSecond")));
            b.append(String.format(Locale.ROOT, "one middle relay, %s circuits through it for %.1f s: %d cells/s relayed (target >= 100,000)%n",
                    middle.get("circuits"), middle.get("seconds"), middle.get("middleCellsPerSecond")));
            if (sends != null) {
                b.append(String.format(Locale.ROOT, "inbox sends: %s of %s STORED, %s pushed to the recipient; p50 %.2f ms  p99 %.2f ms%n",
                        sends.get("stored"), sends.get("sends"), sends.get("received"), sends.get("p50Ms"), sends.get("p99Ms")));
            }
            return b.toString();
        }

        public void writeJson(Path file) throws IOException {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("mode", "routing");
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("nodes", params.nodes());
            p.put("circuits", params.circuits());
            p.put("hops", params.hops());
            p.put("durationSeconds", params.durationSeconds());
            p.put("builds", params.builds());
            p.put("sends", params.sends());
            p.put("relayCrypto", params.crypto().name());
            all.put("parameters", p);
            all.putAll(numbers);
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), all);
        }
    }

    public Result run() throws Exception {
        Map<String, Object> numbers = new LinkedHashMap<>();
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("loadAverageBefore", loadAverage());
        machine.put("java", System.getProperty("java.version"));
        numbers.put("machine", machine);
        numbers.put("relayCrypto", params.crypto().name());
        numbers.put("payloadBytesPerCell", payloadPerCell());
        dataRoot = Files.createTempDirectory("parley-bench-");
        try {
            startNetwork();
            numbers.put("circuitBuild", buildPhase());
            numbers.put("throughput", throughputPhase(false));
            numbers.put("middleRelay", throughputPhase(true));
            if (params.sends() > 0) numbers.put("inboxSends", sendPhase());
            machine.put("loadAverageAfter", loadAverage());
            return new Result(params, numbers);
        } finally {
            stopAll();
        }
    }

    private int payloadPerCell() {
        return params.crypto().format().dataLen();
    }

    /** CPU time of this JVM, all threads, or -1 where the platform does not say. */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    // ---------------------------------------------------------------- network

    private Node startNode(String name) throws Exception {
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dataRoot.resolve(name)).withPorts(0, 0).withDistinctSubnets(false)
                .withCluster(false, 5701, List.of(), EnumSet.of(Concern.STORAGE, Concern.ROUTING));
        Node n = Node.start(cfg).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        // stands in for discovery: the fixed directory of this run
        n.vertx().eventBus().<DiscoveryMessage.RelayQuery>consumer(Addresses.DISCOVERY_RELAYS,
                m -> m.reply(new DiscoveryMessage.RelayList(List.copyOf(directory))));
        return n;
    }

    private static <T> T ask(Node n, String address, Object body) throws Exception {
        return n.vertx().eventBus().<T>request(address, body, ASK).toCompletionStage().toCompletableFuture()
                .get(60, TimeUnit.SECONDS).body();
    }

    private void startNetwork() throws Exception {
        log.printf("starting %d relay nodes...%n", params.nodes());
        for (int i = 0; i < params.nodes(); i++) {
            Node r = startNode("relay" + i);
            relays.add(r);
            RoutingMessage.SelfDescriptor self = ask(r, Addresses.ROUTING_SELF, new RoutingMessage.DescribeSelf());
            directory.add(new DiscoveryMessage.RelayInfo(self.nodeId(), self.address(), self.onionKey(), "", 100, true, true));
            hopSpecs.add(new HopSpec(NodeId.fromHex(self.nodeId()), self.address(), self.onionKey()));
            Counter relayed = r.registry().find("parley.routing.cells.relayed").counter();
            if (relayed == null) throw new IllegalStateException("relay has no parley.routing.cells.relayed counter");
            relayedCounters.add(relayed);
        }
        // the bench client: a routing node of its own, on one event loop, with a queue long enough to
        // keep every circuit's window full
        RoutingConfig defaults = RoutingConfig.defaults();
        RoutingConfig clientConfig = new RoutingConfig(defaults.circuitWindow(), defaults.sendmeIncrement(), 100_000,
                defaults.maxMessageBytes(), defaults.reassemblyTimeoutMillis(), defaults.buildTimeoutMillis(),
                defaults.replayCacheTtlMillis(), defaults.replayCacheMaxEntries(), defaults.maxCircuitsPerLink(),
                params.crypto());
        clientVertx = Vertx.vertx();
        clientContext = clientVertx.getOrCreateContext();
        NodeIdentity identity = NodeIdentity.generate(secure);
        OnionKeyPair onion = OnionKeyPair.generate(secure);
        RoutingMetrics timing = new RoutingMetrics() {
            @Override
            public void circuitBuilt(int hops, long buildNanos) {
                if (recordBuilds) {
                    synchronized (buildHistogram) {
                        buildHistogram.recordValue(Math.min(buildNanos, buildHistogram.getHighestTrackableValue()));
                    }
                }
            }
        };
        onClient(() -> {
            client = new RoutingNode(identity.nodeId(), () -> List.of(onion), null, clientConfig, Clock.system(),
                    new VertxScheduler(clientContext), secure, timing);
            client.attach(new TlsLinkTransport(clientVertx, identity, client.linkListener(), new SimpleMeterRegistry(), 300));
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Runs {@code task} on the client's event loop and waits for the stage it returns. */
    private <T> T onClient(Supplier<CompletionStage<T>> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        clientContext.runOnContext(v -> {
            try {
                task.get().whenComplete((t, e) -> {
                    if (e != null) result.completeExceptionally(e);
                    else result.complete(t);
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(120, TimeUnit.SECONDS);
    }

    private List<HopSpec> randomPath() {
        List<HopSpec> all = new ArrayList<>(hopSpecs);
        Collections.shuffle(all, random);
        return List.copyOf(all.subList(0, params.hops()));
    }

    private static final CircuitListener QUIET = new CircuitListener() {
        @Override
        public void onMessage(int hop, RelayMessage message) {
        }

        @Override
        public void onClosed(DestroyReason reason) {
        }
    };

    // ---------------------------------------------------------------- phases

    private Map<String, Object> buildPhase() throws Exception {
        int warm = Math.max(1, params.builds() / 10);
        log.printf("phase 1: %d warm-up + %d timed %d-hop circuit builds...%n", warm, params.builds(), params.hops());
        int failures = 0;
        for (int i = 0; i < warm + params.builds(); i++) {
            recordBuilds = i >= warm;
            List<HopSpec> path = randomPath();
            try {
                onClient(() -> client.circuits().build(path, QUIET).thenApply(c -> {
                    c.close();
                    return c;
                }));
            } catch (Exception e) {
                failures++;
                if (failures > 10) throw new IllegalStateException("more than 10 circuit builds failed; last: " + e, e);
            }
        }
        recordBuilds = false;
        Map<String, Object> m = new LinkedHashMap<>();
        synchronized (buildHistogram) {
            m.put("count", buildHistogram.getTotalCount());
            m.put("failures", failures);
            m.put("p50Ms", ms(buildHistogram.getValueAtPercentile(50)));
            m.put("p90Ms", ms(buildHistogram.getValueAtPercentile(90)));
            m.put("p99Ms", ms(buildHistogram.getValueAtPercentile(99)));
            m.put("maxMs", ms(buildHistogram.getMaxValue()));
            m.put("meanMs", ms((long) buildHistogram.getMean()));
        }
        return m;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

    private double relayed(int relay) {
        return relayedCounters.get(relay).count();
    }

    private double sumRelayed() {
        double s = 0;
        for (Counter c : relayedCounters) s += c.count();
        return s;
    }

    /** Paths for the throughput phases; with {@code viaMiddle}, all through relay 0 as their second hop. */
    private List<List<HopSpec>> throughputPaths(boolean viaMiddle) {
        List<List<HopSpec>> paths = new ArrayList<>();
        for (int i = 0; i < params.circuits(); i++) {
            if (!viaMiddle) {
                paths.add(randomPath());
                continue;
            }
            HopSpec middle = hopSpecs.get(0);
            List<HopSpec> rest = new ArrayList<>(hopSpecs.subList(1, hopSpecs.size()));
            Collections.shuffle(rest, random);
            List<HopSpec> p = new ArrayList<>();
            p.add(rest.get(0));
            p.add(middle);
            p.addAll(rest.subList(1, params.hops() - 1));
            paths.add(List.copyOf(p));
        }
        return paths;
    }

    private Map<String, Object> throughputPhase(boolean viaMiddle) throws Exception {
        List<List<HopSpec>> paths = throughputPaths(viaMiddle);
        log.printf("phase %d: %d parallel %d-hop circuits%s pushing DATA for %d s...%n", viaMiddle ? 3 : 2,
                params.circuits(), params.hops(), viaMiddle ? " through one middle relay" : "", params.durationSeconds());
        List<ClientCircuit> circuits = new ArrayList<>();
        for (List<HopSpec> p : paths) circuits.add(onClient(() -> client.circuits().build(p, QUIET)));

        RelayMessage.Data data = new RelayMessage.Data(Bytes.wrap(new byte[payloadPerCell()]));
        int last = params.hops() - 1;
        double relaysPerCell = (params.hops() - 1) * SENDME_OVERHEAD;
        long maxInFlight = (long) params.circuits() * 2 * RoutingConfig.defaults().circuitWindow();
        double base = sumRelayed();
        AtomicLong sent = new AtomicLong();
        long[] pump = new long[1];
        CompletableFuture<Void> started = new CompletableFuture<>();
        clientContext.runOnContext(v -> {
            int[] next = {0};
            pump[0] = clientVertx.setPeriodic(1, t -> {
                long delivered = (long) ((sumRelayed() - base) / relaysPerCell);
                // small batches keep the client's event loop free to take SENDMEs
                long budget = Math.min(PUMP_BATCH, maxInFlight - (sent.get() - delivered));
                for (long k = 0; k < budget; k++) {
                    ClientCircuit c = circuits.get(next[0]++ % circuits.size());
                    if (!c.isOpen()) continue;
                    try {
                        c.send(last, data);
                        sent.incrementAndGet();
                    } catch (RuntimeException e) {
                        log.println("a circuit refused a cell: " + e.getMessage());
                    }
                }
            });
            started.complete(null);
        });
        started.get(10, TimeUnit.SECONDS);

        long total = TimeUnit.SECONDS.toNanos(params.durationSeconds());
        long warm = total / 5;
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(warm));
        double[] before = new double[relays.size()];
        for (int i = 0; i < relays.size(); i++) before[i] = relayed(i);
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(total - warm));
        long cpu1 = processCpuNanos();
        double[] after = new double[relays.size()];
        for (int i = 0; i < relays.size(); i++) after[i] = relayed(i);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long open = onClient(() -> {
            clientVertx.cancelTimer(pump[0]);
            long stillOpen = circuits.stream().filter(ClientCircuit::isOpen).count();
            circuits.forEach(ClientCircuit::close);
            return CompletableFuture.completedFuture(stillOpen);
        });

        double all = 0;
        double busiest = 0;
        int busiestIndex = 0;
        for (int i = 0; i < relays.size(); i++) {
            double d = after[i] - before[i];
            all += d;
            if (d > busiest) {
                busiest = d;
                busiestIndex = i;
            }
        }
        double deliveredPerSecond = all / relaysPerCell / seconds;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("circuits", params.circuits());
        m.put("seconds", Math.round(seconds * 100) / 100.0);
        m.put("cellsSent", sent.get());
        m.put("circuitsStillOpenAtEnd", open);
        m.put("busiestRelayCellsPerSecond", Math.round(busiest / seconds));
        m.put("busiestRelay", busiestIndex);
        m.put("allRelaysCellsPerSecond", Math.round(all / seconds));
        m.put("cellsDeliveredPerSecond", Math.round(deliveredPerSecond));
        m.put("payloadMBPerSecond", Math.round(deliveredPerSecond * payloadPerCell() / 1e6 * 100) / 100.0);
        if (viaMiddle) m.put("middleCellsPerSecond", Math.round((after[0] - before[0]) / seconds));
        // this JVM's CPU use in the window (client, all relays, TLS): how many cores the run actually got
        if (cpu0 >= 0 && cpu1 > cpu0) {
            double cpuSeconds = (cpu1 - cpu0) / 1e9;
            m.put("processCoresUsed", Math.round(cpuSeconds / seconds * 100) / 100.0);
            m.put("relayedCellsPerCpuSecond", Math.round(all / cpuSeconds));
        }
        return m;
    }

    private Map<String, Object> sendPhase() throws Exception {
        log.printf("phase 4: a recipient opens an inbox, a sender sends %d envelopes over %d-hop circuits...%n",
                params.sends(), params.hops());
        Node recipient = startNode("recipient");
        others.add(recipient);
        Node sender = startNode("sender");
        others.add(sender);
        AtomicLong received = new AtomicLong();
        recipient.vertx().eventBus().<RoutingMessage.InboundEnvelope>consumer(Addresses.DELIVERY_INBOUND, msg -> {
            received.incrementAndGet();
            msg.reply("durable");
        });
        // both learn the directory on their 2 s refresh
        long deadline = System.currentTimeMillis() + 20_000;
        for (Node n : List.of(recipient, sender)) {
            while (System.currentTimeMillis() < deadline) {
                var g = n.registry().find("parley.routing.relays.known").gauge();
                if (g != null && g.value() == directory.size()) break;
                Thread.sleep(50);
            }
        }
        DiscoveryMessage.RelayInfo inboxRelay = directory.get(directory.size() - 1);
        RoutingMessage.Hop hop = new RoutingMessage.Hop(inboxRelay.nodeId(), inboxRelay.address(), inboxRelay.onionKey());
        Bytes inbox = Bytes.wrap(secure.generateSeed(16));
        ask(recipient, Addresses.ROUTING_OPEN_INBOX, new RoutingMessage.OpenInbox(hop, inbox, Bytes.wrap(secure.generateSeed(32)),
                Math.min(params.hops(), params.nodes())));
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        int stored = 0;
        byte[] body = new byte[1024];
        for (int i = 0; i < params.sends(); i++) {
            secure.nextBytes(body);
            long t0 = System.nanoTime();
            RoutingMessage.SendResult r = ask(sender, Addresses.ROUTING_SEND, new RoutingMessage.SendEnvelope(hop, inbox,
                    Bytes.wrap(secure.generateSeed(16)), Bytes.of(body), params.hops()));
            h.recordValue(Math.min(System.nanoTime() - t0, h.getHighestTrackableValue()));
            if ("STORED".equals(r.outcome())) stored++;
        }
        long wait = System.currentTimeMillis() + 10_000;
        while (received.get() < stored && System.currentTimeMillis() < wait) Thread.sleep(20);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sends", params.sends());
        m.put("stored", stored);
        m.put("received", received.get());
        m.put("envelopeBytes", body.length);
        m.put("p50Ms", ms(h.getValueAtPercentile(50)));
        m.put("p99Ms", ms(h.getValueAtPercentile(99)));
        m.put("maxMs", ms(h.getMaxValue()));
        return m;
    }

    // ---------------------------------------------------------------- teardown

    private void stopAll() {
        if (clientVertx != null) {
            try {
                clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.println("client did not stop cleanly: " + e);
            }
        }
        List<Node> all = new ArrayList<>(others);
        all.addAll(relays);
        for (Node n : all) {
            try {
                n.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.println("a node did not stop cleanly: " + e);
            }
        }
        if (dataRoot != null) {
            try (Stream<Path> walk = Files.walk(dataRoot)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                log.println("could not remove " + dataRoot + ": " + e);
            }
        }
    }
}
