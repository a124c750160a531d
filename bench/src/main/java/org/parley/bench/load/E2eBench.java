package org.parley.bench.load;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import org.HdrHistogram.Histogram;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.RoutingMessage;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The end-to-end load run behind {@code bin/parley bench --mode e2e} (the default mode). Starts
 * {@code nodes} relay nodes (storage + routing) and {@code users} user nodes (storage + routing +
 * delivery) in this JVM with {@link Node#start}: TLS peer links on loopback, durable RocksDB
 * storage per node, a fixed relay directory served on every node's bus in place of discovery.
 * Users are paired at random; within a pair each adds the other (by invite, then contact card) and
 * both send. Messages go through the delivery API on each user node's event bus
 * ({@link Addresses#DELIVERY_API}, {@link DeliveryMessage.SendText}) — what the gateway's REST and
 * WebSocket handlers call for a user, without HTTP in the measurement — and every hop after it is
 * the production path: ratchet + sealed envelope, a circuit to the recipient's inbox relay, durable
 * store there, push over the recipient's own inbox circuit, decrypt and persist, the delivery
 * receipt back over the recipient's circuits to the sender's inbox relays.
 *
 * <p>What is measured, per message, from the events on {@link Addresses#DELIVERY_EVENTS}:
 * delivered at the recipient (an incoming "message" event; duplicates counted by message id),
 * stored and delivered status at the sender ("status" events: sent, delivered, failed). Times are
 * taken from the <em>intended</em> send time of the open-loop schedule (message i at
 * {@code start + i / rate}), so a stalled system is charged for the messages it kept waiting
 * (coordinated-omission correction). With {@code rate == 0} the next message goes as soon as
 * fewer than {@link #CLOSED_WINDOW} API calls are outstanding and times start at the call.
 */
public final class E2eBench {
    /** Relays between two users: the sender's circuit to the inbox relay plus the recipient's, the inbox relay shared. */
    static final int DEFAULT_HOPS = 4;

    /** Circuit lengths {sender's, recipient's} giving {@code hops} relays between two users. */
    static int[] circuitHops(int hops) {
        int send = (hops + 1) / 2; // 3 → 2 + 2, 4 → 2 + 3, 5 → 3 + 3
        return new int[]{send, hops + 1 - send};
    }
    /**
     * Loop cover ({@code delivery.cover-loops-per-day}) that {@code --cover N} turns on beside the
     * dummy cells: N loops a minute per user, at most the key's cap.
     */
    static int coverLoopsPerDay(int coverCellsPerMinute) {
        return (int) Math.min(org.parley.delivery.service.DeliveryConfig.MAX_COVER_LOOPS_PER_DAY, coverCellsPerMinute * 1440L);
    }

    static final int CLOSED_WINDOW = 64;
    static final int MAX_OUTSTANDING = 20_000;
    static final long BUCKET_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(60_000);
    private static final String PREFIX = "b";

    /** Parameters of one run; {@code rate} 0 means as fast as the delivery API accepts. */
    public record Params(int nodes, int users, int messages, int rate, int hops, int size, int warmup,
                         int warmupTimeoutSeconds, int drainSeconds, long seed, Path json, Path html, int cover) {
        public static Params defaults() {
            return new Params(20, 10, 3_000, 1_000, DEFAULT_HOPS, 100, 5, 60, 60, System.nanoTime(), null, null, 0);
        }

        public Params with(String option, String value) {
            return switch (option) {
                case "--nodes" -> new Params(i(option, value), users, messages, rate, hops, size, warmup, warmupTimeoutSeconds, drainSeconds, seed, json, html, cover);
                case "--users" -> new Params(nodes, i(option, value), messages, rate, hops, size, warmup, warmupTimeoutSeconds, drainSeconds, seed, json, html, cover);
                case "--messages" -> new Params(nodes, users, i(option, value), rate, hops, size, warmup, warmupTimeoutSeconds, drainSeconds, seed, json, html, cover);
                case "--rate" -> new Params(nodes, users, messages, i(option, value), hops, size, warmup, warmupTimeoutSeconds, drainSeconds, seed, json, html, cover);
                case "--hops" -> new Params(nodes, users, messages, rate, i(option, value), size, warmup, warmupTimeoutSeconds, drainSeconds, seed, json, html, cover);
                case "--size" -> new Params(nodes, users, messages, rate, hops, i(option, value), warmup, warmupTimeoutSeconds, drainSeconds, seed, json, html, cover);
                case "--warmup" -> new Params(nodes, users, messages, rate, hops, size, i(option, value), warmupTimeoutSeconds, drainSeconds, seed, json, html, cover);
                case "--warmup-timeout" -> new Params(nodes, users, messages, rate, hops, size, warmup, i(option, value), drainSeconds, seed, json, html, cover);
                case "--drain" -> new Params(nodes, users, messages, rate, hops, size, warmup, warmupTimeoutSeconds, i(option, value), seed, json, html, cover);
                case "--seed" -> new Params(nodes, users, messages, rate, hops, size, warmup, warmupTimeoutSeconds, drainSeconds, l(option, value), json, html, cover);
                case "--json" -> new Params(nodes, users, messages, rate, hops, size, warmup, warmupTimeoutSeconds, drainSeconds, seed, Path.of(value), html, cover);
                case "--html" -> new Params(nodes, users, messages, rate, hops, size, warmup, warmupTimeoutSeconds, drainSeconds, seed, json, Path.of(value), cover);
                case "--cover" -> new Params(nodes, users, messages, rate, hops, size, warmup, warmupTimeoutSeconds, drainSeconds, seed, json, html, i(option, value));
                default -> throw new IllegalArgumentException("unknown option '" + option + "' for --mode e2e");
            };
        }

        /** @throws IllegalArgumentException naming the option that is out of range */
        public void validate() {
            if (hops < 3 || hops > 5) throw new IllegalArgumentException("--hops must be 3..5");
            if (cover < 0 || cover > 6000) throw new IllegalArgumentException("--cover must be 0..6000 cell slots a minute");
            if (nodes < 3 || nodes > 100) throw new IllegalArgumentException("--nodes must be 3..100");
            if (users < 2 || users > 50) throw new IllegalArgumentException("--users must be 2..50");
            if (messages < 1 || messages > 1_000_000) throw new IllegalArgumentException("--messages must be 1..1000000");
            if (rate < 0 || rate > 1_000_000) throw new IllegalArgumentException("--rate must be 0..1000000 (0 = as fast as accepted)");
            if (size < 16 || size > 60_000) throw new IllegalArgumentException("--size must be 16..60000 bytes");
            if (warmup < 0 || warmup > 10_000) throw new IllegalArgumentException("--warmup must be 0..10000 messages per sender");
            if (warmupTimeoutSeconds < 1 || warmupTimeoutSeconds > 3600) throw new IllegalArgumentException("--warmup-timeout must be 1..3600 s");
            if (drainSeconds < 1 || drainSeconds > 3600) throw new IllegalArgumentException("--drain must be 1..3600 s");
        }

        private static int i(String option, String v) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a whole number, got '" + v + "'");
            }
        }

        private static long l(String option, String v) {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a whole number, got '" + v + "'");
            }
        }
    }

    /** One user node: its index, node and what its event stream told us. */
    private static final class User {
        final int index;
        final String name;
        final Node node;
        /** contact display name -> contact id (= conversation id of the direct chat) */
        final Map<String, String> contacts = new ConcurrentHashMap<>();

        User(int index, String name, Node node) {
            this.index = index;
            this.name = name;
            this.node = node;
        }
    }

    /** One direction of a pair: {@code from} sends to {@code to} in conversation {@code conversationId}. */
    private record Channel(int id, User from, User to, String conversationId) {}

    private final Params params;
    private final PrintStream log;
    private final Random random;
    private final List<Node> relays = new ArrayList<>();
    private final List<User> users = new ArrayList<>();
    private final List<DiscoveryMessage.RelayInfo> directory = new CopyOnWriteArrayList<>();
    private Path dataRoot;

    // per measured message (index = sequence number)
    private AtomicLongArray intended;
    private AtomicLongArray delivered;
    private AtomicLongArray stored;
    private AtomicLongArray receipted;
    private AtomicLongArray failedAt;
    private AtomicLongArray accepted;
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Set<String> receivedIds = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> warmDelivered = new ConcurrentHashMap<>();
    private final Map<String, List<String>> inPaths = new ConcurrentHashMap<>();
    private final Map<String, String> warmStatus = new ConcurrentHashMap<>();
    private final Map<String, List<String>> outPaths = new ConcurrentHashMap<>();
    private volatile boolean measuring;
    private double idleCoresUsed = -1;

    public E2eBench(Params params, PrintStream log) {
        params.validate();
        this.params = params;
        this.log = log;
        this.random = new Random(params.seed());
    }

    public E2eResult run() throws Exception {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("load_average_before", RoutingBench.loadAverage());
        machine.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        int m = params.messages();
        intended = new AtomicLongArray(m);
        delivered = new AtomicLongArray(m);
        stored = new AtomicLongArray(m);
        receipted = new AtomicLongArray(m);
        failedAt = new AtomicLongArray(m);
        accepted = new AtomicLongArray(m);
        dataRoot = Files.createTempDirectory("parley-bench-e2e-");
        long wall0 = System.nanoTime();
        try {
            startNetwork();
            long startedAt = System.nanoTime();
            List<Channel> channels = pairUp();
            Map<String, Object> warm = warmUp(channels);
            long warmedAt = System.nanoTime();
            if (channels.isEmpty()) throw new IllegalStateException("no pair delivered its first message within the warm-up bound");
            E2eResult r = measure(channels, warm, machine);
            r.numbers().put("setup_s", Map.of("network_start", secs(startedAt - wall0), "pairing_and_warmup", secs(warmedAt - startedAt)));
            machine.put("load_average_after", RoutingBench.loadAverage());
            return r;
        } finally {
            stopAll();
        }
    }

    private static double secs(long nanos) {
        return Math.round(nanos / 1e7) / 100.0;
    }

    // ---------------------------------------------------------------- network

    private Future<Node> startNode(String name, EnumSet<Concern> concerns, boolean user) {
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dataRoot.resolve(name)).withPorts(0, 0).withDistinctSubnets(false)
                .withCluster(false, 5701, List.of(), concerns);
        if (user) {
            int[] h = circuitHops(params.hops());
            cfg = cfg.withDelivery(name, 3600, false, List.of()).withHops(h[0], h[1]).withCover(params.cover())
                    .withCoverLoops(coverLoopsPerDay(params.cover()));
        }
        return Node.start(cfg).map(n -> {
            // stands in for discovery: the fixed directory of this run
            n.vertx().eventBus().<DiscoveryMessage.RelayQuery>consumer(Addresses.DISCOVERY_RELAYS,
                    q -> q.reply(new DiscoveryMessage.RelayList(List.copyOf(directory))));
            return n;
        });
    }

    private static <T> T await(Future<T> f, int seconds) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    }

    private static <T> T ask(Node n, String address, Object body) throws Exception {
        return await(n.vertx().eventBus().<T>request(address, body, ASK).map(io.vertx.core.eventbus.Message::body), 90);
    }

    private void startNetwork() throws Exception {
        log.printf("starting %d relay nodes and %d user nodes...%n", params.nodes(), params.users());
        EnumSet<Concern> relayConcerns = EnumSet.of(Concern.STORAGE, Concern.ROUTING);
        List<Future<Node>> starting = new ArrayList<>();
        for (int i = 0; i < params.nodes(); i++) starting.add(startNode(String.format("relay-%02d", i), relayConcerns, false));
        for (Future<Node> f : starting) relays.add(await(f, 120));
        for (Node r : relays) {
            RoutingMessage.SelfDescriptor self = ask(r, Addresses.ROUTING_SELF, new RoutingMessage.DescribeSelf());
            directory.add(new DiscoveryMessage.RelayInfo(self.nodeId(), self.address(), self.onionKey(), "", 100, true, true));
        }
        EnumSet<Concern> userConcerns = EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.DELIVERY);
        List<Future<Node>> userNodes = new ArrayList<>();
        for (int i = 0; i < params.users(); i++) userNodes.add(startNode(String.format("user-%02d", i), userConcerns, true));
        for (int i = 0; i < params.users(); i++) {
            User u = new User(i, String.format("user-%02d", i), await(userNodes.get(i), 120));
            users.add(u);
            u.node.vertx().eventBus().<DeliveryMessage.Event>consumer(Addresses.DELIVERY_EVENTS, e -> onEvent(u, e.body()));
        }
        // every user's routing knows all relays (2 s directory refresh) and its delivery has inbox relays
        long deadline = System.currentTimeMillis() + 60_000;
        for (User u : users) {
            awaitTrue(() -> {
                var g = u.node.registry().find("parley.routing.relays.known").gauge();
                return g != null && g.value() >= directory.size();
            }, deadline, u.name + " did not learn the relay directory");
            awaitTrue(() -> {
                try {
                    ask(u.node, Addresses.DELIVERY_API, new DeliveryMessage.GetMe());
                    return true;
                } catch (Exception e) {
                    return false;
                }
            }, deadline, u.name + ": delivery not ready");
        }
    }

    private static void awaitTrue(BooleanSupplier c, long deadlineMillis, String what) throws InterruptedException {
        while (!c.getAsBoolean()) {
            if (System.currentTimeMillis() > deadlineMillis) throw new IllegalStateException(what);
            Thread.sleep(50);
        }
    }

    // ---------------------------------------------------------------- events

    /** Runs on the user node's event loop: stamps what happened to which message. */
    private void onEvent(User u, DeliveryMessage.Event e) {
        long now = System.nanoTime();
        DeliveryMessage.MessageView v = e.message();
        if ("contact".equals(e.type()) && e.contact() != null) {
            u.contacts.putIfAbsent(e.contact().name(), e.contact().contactId());
            return;
        }
        if (v == null || v.text() == null) return;
        String text = v.text();
        if ("message".equals(e.type()) && "in".equals(v.direction())) {
            String id = v.messageId().substring(v.messageId().lastIndexOf(':') + 1);
            if (text.startsWith("w")) {
                warmDelivered.putIfAbsent(text.substring(0, text.indexOf(' ')), now);
                if (!v.path().isEmpty()) inPaths.putIfAbsent(id, v.path());
                return;
            }
            int seq = seq(text);
            if (seq < 0) return;
            if (!receivedIds.add(id) || !delivered.compareAndSet(seq, 0, now)) duplicates.incrementAndGet();
            return;
        }
        if ("status".equals(e.type()) && "out".equals(v.direction())) {
            if (text.startsWith("w")) {
                warmStatus.put(text.substring(0, text.indexOf(' ')), v.status() + (v.failureReason() == null ? "" : " (" + v.failureReason() + ")"));
                if (("sent".equals(v.status()) || "delivered".equals(v.status())) && !v.path().isEmpty()) outPaths.putIfAbsent(v.messageId(), v.path());
            }
            int seq = seq(text);
            if (seq < 0) return;
            switch (v.status()) {
                case "sent" -> stored.compareAndSet(seq, 0, now);
                case "delivered", "read" -> {
                    stored.compareAndSet(seq, 0, now);
                    receipted.compareAndSet(seq, 0, now);
                }
                case "failed" -> failedAt.compareAndSet(seq, 0, now);
                default -> {
                }
            }
        }
    }

    /** Mean relays between sender and recipient over the warm-up messages: the inbox relay ends both circuits, counted once. */
    private double relaysBetweenUsers() {
        long sum = 0, count = 0;
        for (Map.Entry<String, List<String>> e : inPaths.entrySet()) {
            List<String> out = outPaths.get(e.getKey());
            if (out == null) continue;
            sum += out.size() + e.getValue().size() - 1L;
            count++;
        }
        return count == 0 ? -1 : round((double) sum / count);
    }

    private static int seq(String text) {
        if (!text.startsWith(PREFIX)) return -1;
        int sp = text.indexOf(' ');
        try {
            return Integer.parseInt(text.substring(PREFIX.length(), sp < 0 ? text.length() : sp));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String text(String head) {
        StringBuilder b = new StringBuilder(params.size()).append(head).append(' ');
        while (b.length() < params.size()) b.append((char) ('a' + random.nextInt(26)));
        return b.toString();
    }

    // ---------------------------------------------------------------- pairing and warm-up

    /** Random pairs; with an odd count the last user pairs with a random other one (who then has two partners). */
    private List<Channel> pairUp() throws Exception {
        List<User> shuffled = new ArrayList<>(users);
        Collections.shuffle(shuffled, random);
        List<User[]> ps = new ArrayList<>();
        for (int i = 0; i + 1 < shuffled.size(); i += 2) ps.add(new User[]{shuffled.get(i), shuffled.get(i + 1)});
        if (shuffled.size() % 2 == 1) ps.add(new User[]{shuffled.get(shuffled.size() - 1), shuffled.get(random.nextInt(shuffled.size() - 1))});
        log.printf("pairing %d users into %d pairs; each pair exchanges a first message (bounded by %d s)...%n",
                users.size(), ps.size(), params.warmupTimeoutSeconds());
        // a adds b by invite and sends the first message; b learns a from the contact card inside it
        List<Channel> forward = new ArrayList<>();
        for (User[] p : ps) {
            DeliveryMessage.Me me = ask(p[1].node, Addresses.DELIVERY_API, new DeliveryMessage.GetMe());
            DeliveryMessage.ContactReply c = ask(p[0].node, Addresses.DELIVERY_API, new DeliveryMessage.AddContact(me.invite(), ""));
            forward.add(new Channel(forward.size(), p[0], p[1], c.contact().contactId()));
        }
        long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(params.warmupTimeoutSeconds());
        // the contact card travels in its own envelope: let it land before the first text
        for (Channel c : forward) waitQuietly(() -> c.to().contacts.containsKey(c.from().name), deadline);
        for (Channel c : forward) send(c, text("w" + c.id() + ".0"));
        List<Channel> channels = new ArrayList<>();
        List<Channel> backward = new ArrayList<>();
        for (Channel c : forward) {
            waitQuietly(() -> warmDelivered.containsKey("w" + c.id() + ".0") && c.to().contacts.containsKey(c.from().name), deadline);
            String back = c.to().contacts.get(c.from().name);
            if (!warmDelivered.containsKey("w" + c.id() + ".0") || back == null) {
                log.printf("  pair %s -> %s: the first message was not through within the bound (delivered at recipient: %s, contact card"
                                + " applied: %s, status at sender: %s); pair left out%n", c.from().name, c.to().name,
                        warmDelivered.containsKey("w" + c.id() + ".0"), back != null, warmStatus.getOrDefault("w" + c.id() + ".0", "pending"));
                continue;
            }
            channels.add(c);
            Channel b = new Channel(forward.size() + backward.size(), c.to(), c.from(), back);
            backward.add(b);
            send(b, text("w" + b.id() + ".0"));
        }
        for (Channel b : backward) {
            waitQuietly(() -> warmDelivered.containsKey("w" + b.id() + ".0"), deadline);
            if (warmDelivered.containsKey("w" + b.id() + ".0")) channels.add(b);
            else log.printf("  reply %s -> %s was not delivered within the bound (status at sender: %s); that direction left out%n",
                    b.from().name, b.to().name, warmStatus.getOrDefault("w" + b.id() + ".0", "pending"));
        }
        excludedChannels = 2 * forward.size() - channels.size();
        return channels;
    }

    private int excludedChannels;

    private static void waitQuietly(BooleanSupplier c, long deadlineMillis) throws InterruptedException {
        while (!c.getAsBoolean() && System.currentTimeMillis() < deadlineMillis) Thread.sleep(20);
    }

    private Future<DeliveryMessage.MessageReply> send(Channel c, String text) {
        return c.from().node.vertx().eventBus().<DeliveryMessage.MessageReply>request(Addresses.DELIVERY_API,
                new DeliveryMessage.SendText(c.conversationId(), text), ASK).map(io.vertx.core.eventbus.Message::body);
    }

    /** {@code warmup} more messages per channel, all at once, waited for (bounded), not recorded. */
    private Map<String, Object> warmUp(List<Channel> channels) throws Exception {
        long t0 = System.nanoTime();
        int expected = 0;
        for (int k = 1; k <= params.warmup(); k++) {
            for (Channel c : channels) {
                send(c, text("w" + c.id() + "." + k));
                expected++;
            }
        }
        if (expected > 0) log.printf("warm-up: %d messages over %d channels...%n", expected, channels.size());
        long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(params.warmupTimeoutSeconds());
        int total = channels.size() * (params.warmup() + 1);
        waitQuietly(() -> warmDelivered.size() >= total, deadline);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("channels", channels.size());
        w.put("channels_left_out", excludedChannels);
        w.put("messages", total);
        w.put("delivered", warmDelivered.size());
        w.put("seconds", secs(System.nanoTime() - t0));
        return w;
    }

    // ---------------------------------------------------------------- measured phase

    private E2eResult measure(List<Channel> channels, Map<String, Object> warm, Map<String, Object> machine) throws Exception {
        int m = params.messages();
        String[] texts = new String[m];
        for (int i = 0; i < m; i++) texts[i] = text(PREFIX + i);
        log.printf("measured (from %s): %d messages over %d channels at %s...%n", java.time.LocalTime.now(), m, channels.size(),
                params.rate() == 0 ? "the rate the API accepts" : params.rate() + " msgs/s offered (open loop)");
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        AtomicLong heapMax = new AtomicLong(mem.getHeapMemoryUsage().getUsed());
        measuring = true;
        Thread sampler = new Thread(() -> {
            while (measuring) {
                heapMax.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }, "bench-heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        // the network's own CPU use with no messages (timers, keep-alives, metrics): 2 s, charged to nobody
        long idleCpu0 = RoutingBench.processCpuNanos(), idleT0 = System.nanoTime();
        Thread.sleep(2_000);
        idleCoresUsed = idleCpu0 < 0 ? -1 : (RoutingBench.processCpuNanos() - idleCpu0) / (double) (System.nanoTime() - idleT0);
        double wire0 = wireBytes();
        long cpu0 = RoutingBench.processCpuNanos();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long interval = params.rate() == 0 ? 0 : 1_000_000_000L / params.rate();
        long lastSend = start;
        for (int i = 0; i < m; i++) {
            long at;
            if (interval > 0) {
                at = start + i * interval;
                long wait;
                while ((wait = at - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
                // beyond this many unanswered calls the generator waits (its delay is charged: times start at `at`)
                while (outstanding.get() >= MAX_OUTSTANDING) LockSupport.parkNanos(100_000);
            } else {
                while (outstanding.get() >= CLOSED_WINDOW) LockSupport.parkNanos(20_000);
                at = System.nanoTime();
            }
            int seq = i;
            intended.set(seq, at);
            outstanding.incrementAndGet();
            send(channels.get(i % channels.size()), texts[i]).onComplete(ar -> {
                outstanding.decrementAndGet();
                if (ar.succeeded()) accepted.set(seq, System.nanoTime());
                else {
                    rejected.incrementAndGet();
                    failedAt.compareAndSet(seq, 0, System.nanoTime());
                }
            });
            texts[i] = null;
            lastSend = System.nanoTime();
        }
        long sendEnd = lastSend;
        log.printf("  all %d handed to the API in %.2f s (%s); waiting (at most %d s) for deliveries and receipts...%n",
                m, (sendEnd - start) / 1e9, java.time.LocalTime.now(), params.drainSeconds());
        long drainDeadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(params.drainSeconds());
        waitQuietly(() -> settled() >= m, drainDeadline);
        long end = System.nanoTime();
        log.printf("  measured phase over (%s)%n", java.time.LocalTime.now());
        long cpu1 = RoutingBench.processCpuNanos();
        double wire1 = wireBytes();
        measuring = false;
        sampler.join(1_000);
        return summarize(channels, warm, machine, start, sendEnd, end, cpu1 - cpu0, cpu0 < 0 ? -1 : wire1 - wire0, heapMax.get());
    }

    /** Messages whose story is over: delivered and receipted, or failed. */
    private int settled() {
        int n = 0;
        for (int i = 0; i < delivered.length(); i++) {
            if ((delivered.get(i) != 0 && receipted.get(i) != 0) || failedAt.get(i) != 0) n++;
        }
        return n;
    }

    /** Bytes written on peer links by every node of the run, as Vert.x's net metrics count them; -1 if none are registered. */
    private double wireBytes() {
        double sum = 0;
        boolean any = false;
        List<Node> all = new ArrayList<>(relays);
        for (User u : users) all.add(u.node);
        for (Node n : all) {
            for (Meter meter : n.registry().getMeters()) {
                String name = meter.getId().getName();
                if (!name.startsWith("vertx.net.") || !name.endsWith("bytes.written")) continue;
                any = true;
                if (meter instanceof Counter c) sum += c.count();
                else if (meter instanceof FunctionCounter c) sum += c.count();
                else if (meter instanceof DistributionSummary d) sum += d.totalAmount();
            }
        }
        return any ? sum : -1;
    }

    /** Every parley.* counter (and timer count) summed over all nodes at the end of the run, relays and users apart: for diagnosis. */
    private Map<String, Object> parleyCounters() {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Node> userNodes = new ArrayList<>();
        for (User u : users) userNodes.add(u.node);
        out.put("users", countersOf(userNodes));
        out.put("relays", countersOf(relays));
        return out;
    }

    private static Map<String, Object> countersOf(List<Node> nodes) {
        Map<String, Double> sums = new java.util.TreeMap<>();
        for (Node n : nodes) {
            for (Meter meter : n.registry().getMeters()) {
                String name = meter.getId().getName();
                if (!name.startsWith("parley.")) continue;
                StringBuilder key = new StringBuilder(name);
                meter.getId().getTags().forEach(t -> key.append(',').append(t.getKey()).append('=').append(t.getValue()));
                double v;
                if (meter instanceof Counter c) v = c.count();
                else if (meter instanceof FunctionCounter c) v = c.count();
                else if (meter instanceof Timer t) v = t.count();
                else continue;
                sums.merge(key.toString(), v, Double::sum);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        sums.forEach((k, v) -> {
            if (v != 0) out.put(k, Math.round(v));
        });
        return out;
    }

    private E2eResult summarize(List<Channel> channels, Map<String, Object> warm, Map<String, Object> machine, long start,
                                long sendEnd, long end, long cpuNanos, double wireBytes, long heapMax) {
        int m = params.messages();
        Histogram lat = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        Histogram rec = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        Histogram sto = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        Histogram acc = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        long sent = 0, storedN = 0, deliveredN = 0, receipts = 0, failed = 0, lastDelivered = start;
        int buckets = (int) Math.max(1, (end - start) / BUCKET_NANOS + 1);
        long[] sentPerBucket = new long[buckets];
        long[] deliveredPerBucket = new long[buckets];
        for (int i = 0; i < m; i++) {
            long t = intended.get(i);
            if (accepted.get(i) != 0) {
                sent++;
                sentPerBucket[bucket(t, start, buckets)]++;
            }
            if (stored.get(i) != 0) {
                storedN++;
                sto.recordValue(clamp(stored.get(i) - t, sto));
            }
            if (accepted.get(i) != 0) acc.recordValue(clamp(accepted.get(i) - t, acc));
            if (failedAt.get(i) != 0) failed++;
            long d = delivered.get(i);
            if (d != 0) {
                deliveredN++;
                lat.recordValue(clamp(d - t, lat));
                deliveredPerBucket[bucket(d, start, buckets)]++;
                lastDelivered = Math.max(lastDelivered, d);
            }
            long r = receipted.get(i);
            if (r != 0) {
                receipts++;
                rec.recordValue(clamp(r - t, rec));
            }
        }
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("sent", sent);
        n.put("stored", storedN);
        n.put("delivered", deliveredN);
        n.put("receipts", receipts);
        n.put("lost", sent - deliveredN);
        n.put("duplicates", duplicates.get());
        n.put("failed", failed);
        n.put("rejected_by_api", rejected.get());
        double window = Math.max(1e-9, (lastDelivered - start) / 1e9);
        n.put("throughput_msgs_per_s", round(deliveredN / window));
        n.put("offered_msgs_per_s", params.rate() == 0 ? round(m / Math.max(1e-9, (sendEnd - start) / 1e9)) : params.rate());
        n.put("send_seconds", round((sendEnd - start) / 1e9));
        n.put("latency_ms", percentiles(lat));
        n.put("receipt_latency_ms", percentiles(rec));
        // the steps before delivery, for diagnosis: the API's answer (persisted as pending), the inbox relay's STORED (one tick)
        n.put("accepted_latency_ms", percentiles(acc));
        n.put("stored_latency_ms", percentiles(sto));
        n.put("drain_complete", settled() >= m);
        n.put("circuit_build_ms", circuitBuilds());
        n.put("cpu_ms_per_msg", cpuNanos < 0 || deliveredN == 0 ? -1 : round(cpuNanos / 1e6 / deliveredN));
        double measuredSeconds = Math.max(1e-9, (end - start) / 1e9);
        n.put("cpu_cores_used", cpuNanos < 0 ? -1 : round(cpuNanos / 1e9 / measuredSeconds));
        n.put("cpu_cores_used_idle", round(idleCoresUsed));
        // the same, less what the idle network would have burnt in that time
        n.put("cpu_ms_per_msg_above_idle", cpuNanos < 0 || deliveredN == 0 || idleCoresUsed < 0 ? -1
                : round(Math.max(0, cpuNanos / 1e6 - idleCoresUsed * measuredSeconds * 1e3) / deliveredN));
        n.put("wire_bytes_per_msg", wireBytes < 0 || deliveredN == 0 ? -1 : Math.round(wireBytes / deliveredN));
        n.put("heap_max_mb", round(heapMax / (1024.0 * 1024.0)));
        n.put("relays_between_users", relaysBetweenUsers());
        n.put("warmup", warm);
        n.put("parley_counters", parleyCounters());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("mode", "e2e");
        p.put("nodes", params.nodes());
        p.put("users", params.users());
        p.put("messages", params.messages());
        p.put("rate", params.rate());
        p.put("hops", params.hops());
        p.put("size", params.size());
        p.put("warmup", params.warmup());
        p.put("warmup_timeout_s", params.warmupTimeoutSeconds());
        p.put("drain_s", params.drainSeconds());
        p.put("seed", params.seed());
        p.put("processes", false);
        p.put("cover", params.cover() > 0);
        p.put("cover_cells_per_minute", params.cover());
        p.put("cover_loops_per_day", coverLoopsPerDay(params.cover()));
        p.put("driven_through", "delivery API on each user node's event bus (" + Addresses.DELIVERY_API + ")");
        p.put("storage", "RocksDB per node (durable)");
        p.put("channels", channels.size());
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("mode", "e2e");
        all.put("parameters", p);
        all.put("versions", versions());
        all.put("machine", machine);
        all.putAll(n);
        return new E2eResult(all, lat, rec, sentPerBucket, deliveredPerBucket, BUCKET_NANOS);
    }

    private static int bucket(long t, long start, int buckets) {
        return (int) Math.min(buckets - 1, Math.max(0, (t - start) / BUCKET_NANOS));
    }

    private static long clamp(long v, Histogram h) {
        return Math.max(1, Math.min(v, h.getHighestTrackableValue()));
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", ms(h.getValueAtPercentile(50)));
        m.put("p90", ms(h.getValueAtPercentile(90)));
        m.put("p99", ms(h.getValueAtPercentile(99)));
        m.put("p999", ms(h.getValueAtPercentile(99.9)));
        m.put("max", ms(h.getMaxValue()));
        m.put("mean", h.getTotalCount() == 0 ? 0.0 : ms((long) h.getMean()));
        return m;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

    /**
     * Client circuit builds of every user node over the whole run, from routing's
     * {@code parley.routing.circuit.build} timer (a Micrometer percentile histogram): the
     * percentiles are the upper bounds of the histogram buckets they fall in, the max is exact.
     */
    private Map<String, Object> circuitBuilds() {
        Map<Double, Double> cumulative = new java.util.TreeMap<>();
        long count = 0;
        double total = 0, max = 0;
        for (User u : users) {
            Timer t = u.node.registry().find("parley.routing.circuit.build").timer();
            if (t == null) continue;
            HistogramSnapshot s = t.takeSnapshot();
            count += s.count();
            total += s.total(TimeUnit.MILLISECONDS);
            max = Math.max(max, s.max(TimeUnit.MILLISECONDS));
            for (CountAtBucket b : s.histogramCounts()) cumulative.merge(b.bucket(TimeUnit.MILLISECONDS), b.count(), Double::sum);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count);
        for (double[] q : new double[][]{{50, 0.5}, {90, 0.9}, {99, 0.99}, {999, 0.999}}) {
            double need = q[1] * count;
            double at = max;
            for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
                if (e.getValue() >= need) {
                    at = Math.min(e.getKey(), max);
                    break;
                }
            }
            m.put("p" + (int) q[0], round(at));
        }
        m.put("max", round(max));
        m.put("mean", count == 0 ? 0.0 : round(total / count));
        m.put("note", "user nodes' client circuits over the whole run; percentiles are histogram bucket upper bounds");
        return m;
    }

    static Map<String, Object> versions() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("parley", implVersion(E2eBench.class, "0.1.0-SNAPSHOT"));
        v.put("git", gitCommit());
        v.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        v.put("vertx", mavenVersion("io.vertx", "vertx-core"));
        v.put("bouncycastle", guarded(() -> new org.bouncycastle.jce.provider.BouncyCastleProvider().getVersionStr()));
        v.put("rocksdb", guarded(() -> org.rocksdb.RocksDB.rocksdbVersion().toString()));
        v.put("hdrhistogram", mavenVersion("org.hdrhistogram", "HdrHistogram"));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return v;
    }

    private static String implVersion(Class<?> c, String fallback) {
        String v = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
        return v == null ? fallback : v;
    }

    private static String guarded(java.util.function.Supplier<String> version) {
        try {
            return version.get();
        } catch (RuntimeException | LinkageError e) {
            return "unknown";
        }
    }

    /** The version in a dependency's META-INF/maven pom.properties (kept by the shaded jar), or "unknown". */
    private static String mavenVersion(String group, String artifact) {
        try (var in = E2eBench.class.getClassLoader().getResourceAsStream("META-INF/maven/" + group + "/" + artifact + "/pom.properties")) {
            if (in == null) return "unknown";
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The commit of the checkout the bench classes were loaded from (jar or classes directory), or "unknown". */
    private static String gitCommit() {
        try {
            Path from = Path.of(E2eBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(from) ? from : from.getParent();
            Process p = new ProcessBuilder("git", "-C", dir.toString(), "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown";
            }
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && s.matches("[0-9a-f]{4,40}") ? s : "unknown";
        } catch (IOException | RuntimeException | java.net.URISyntaxException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    // ---------------------------------------------------------------- teardown

    private void stopAll() {
        measuring = false;
        List<Node> all = new ArrayList<>();
        for (User u : users) all.add(u.node);
        all.addAll(relays);
        List<Future<Void>> stopping = new ArrayList<>();
        for (Node n : all) stopping.add(n.stop());
        for (Future<Void> f : stopping) {
            try {
                await(f, 20);
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

    static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
