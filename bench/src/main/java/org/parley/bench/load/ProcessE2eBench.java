package org.parley.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * {@code bin/parley bench --mode e2e --processes}: the e2e run with one JVM per node. The network is
 * started by {@code parley testnet --processes} itself (a child launcher JVM that starts every node
 * JVM with {@code -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}, ports on loopback, one data
 * dir per node, the first relay as the discovery seed, and writes its node table as JSON once every
 * node answers {@code /ready}). Nothing in this JVM is a node: users are driven like a client app
 * drives them, through each user node's gateway — {@code POST /v1/contacts} and
 * {@code POST /v1/conversations/{id}/messages} with the node's bearer token, and the
 * {@code /v1/events} WebSocket for "message" (at the recipient) and "status" (at the sender) events.
 * After the drain every recipient's message list ({@code GET /v1/conversations/{id}/messages}) is read
 * back: a measured message missing from it counts as lost, one listed twice as a duplicate.
 *
 * <p>Unlike the in-JVM mode the relay directory is the real one (discovery from the seed), and user
 * nodes relay too (a testnet node is a full node). CPU is the node JVMs' own (from
 * {@link ProcessHandle.Info#totalCpuDuration()}), wire bytes and circuit builds are scraped from each
 * node's {@code /metrics}. Bounded: a hard overall timeout, and every child JVM is killed when the
 * run ends, fails, times out or this JVM is stopped (shutdown hook).
 */
public final class ProcessE2eBench {
    /** Sizes used with {@code --processes} where the command line gives none: a 2-core machine starts 10 JVMs in about a minute. */
    static final int DEFAULT_NODES = 6, DEFAULT_USERS = 4, DEFAULT_MESSAGES = 200, DEFAULT_RATE = 20;
    static final int DEFAULT_TIMEOUT_SECONDS = 600;
    private static final String PREFIX = "b";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final E2eBench.Params params;
    private final int timeoutSeconds;
    private final PrintStream log;
    private final Random random;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private volatile Process launcher;
    private final List<ProcessHandle> nodeProcesses = new ArrayList<>();
    private Path dataRoot;
    private long deadlineMillis;
    private final List<Member> relays = new ArrayList<>();
    private final List<User> users = new ArrayList<>();

    /** One node from the testnet table. */
    record Member(String name, String role, int gatewayPort, String token) {}

    /** A user node as the bench sees it: its gateway, its event socket and what the events said. */
    private final class User {
        final String name;
        final Member member;
        final Set<String> contactIds = ConcurrentHashMap.newKeySet();
        final Set<String> addedByMe = ConcurrentHashMap.newKeySet();
        volatile long cursor = -1;
        volatile WebSocket socket;
        final AtomicInteger reconnects = new AtomicInteger();

        User(Member member) {
            this.name = member.name();
            this.member = member;
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + member.gatewayPort() + path);
        }

        HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + member.token());
        }

        CompletableFuture<HttpResponse<String>> post(String path, Object body) {
            try {
                return http.sendAsync(request(path).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        JsonNode get(String path) throws Exception {
            HttpResponse<String> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IOException(name + " GET " + path + " answered " + r.statusCode() + ": " + r.body());
            return JSON.readTree(r.body());
        }

        void connect() throws Exception {
            String q = cursor >= 0 ? "?cursor=" + cursor : "";
            socket = http.newWebSocketBuilder().header("Authorization", "Bearer " + member.token()).connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("ws://127.0.0.1:" + member.gatewayPort() + "/v1/events" + q), new Events(this))
                    .get(20, TimeUnit.SECONDS);
        }
    }

    /** The /v1/events listener: whole text frames to {@link #onEvent}, reconnects from the last cursor if the socket drops. */
    private final class Events implements WebSocket.Listener {
        private final User user;
        private final StringBuilder partial = new StringBuilder();

        Events(User user) {
            this.user = user;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                try {
                    onEvent(user, JSON.readTree(frame));
                } catch (IOException | RuntimeException e) {
                    log.println("  " + user.name + ": unreadable event (" + e.getMessage() + ")");
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            reconnect("closed " + statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            reconnect(error.toString());
        }

        private void reconnect(String why) {
            if (stopping || user.reconnects.incrementAndGet() > 5) return;
            log.println("  " + user.name + ": event socket " + why + "; reconnecting from cursor " + user.cursor);
            CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(200);
                    user.connect();
                } catch (Exception e) {
                    log.println("  " + user.name + ": event socket reconnect failed: " + e);
                }
            });
        }
    }

    private record Channel(int id, User from, User to, String conversationId) {}

    private volatile boolean stopping;
    private AtomicLongArray intended, delivered, stored, receipted, failedAt, accepted;
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Set<String> receivedIds = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> warmDelivered = new ConcurrentHashMap<>();
    private final Map<String, String> warmConversation = new ConcurrentHashMap<>();
    private final Map<String, String> warmStatus = new ConcurrentHashMap<>();
    private final Map<String, List<String>> inPaths = new ConcurrentHashMap<>();
    private final Map<String, List<String>> outPaths = new ConcurrentHashMap<>();
    private int excludedChannels;
    private double idleCoresUsed = -1;

    public ProcessE2eBench(E2eBench.Params params, int timeoutSeconds, PrintStream log) {
        params.validate();
        if (timeoutSeconds < 10 || timeoutSeconds > 86_400) throw new IllegalArgumentException("--timeout must be 10..86400 s");
        this.params = params;
        this.timeoutSeconds = timeoutSeconds;
        this.log = log;
        this.random = new Random(params.seed());
    }

    /** Runs within the overall timeout; every child JVM is gone when this returns or throws. */
    public E2eResult run() throws Exception {
        deadlineMillis = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(timeoutSeconds);
        Thread hook = new Thread(this::killAll, "bench-kill-children");
        Runtime.getRuntime().addShutdownHook(hook);
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bench-processes");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<E2eResult> f = runner.submit(this::runInside);
            try {
                return f.get(Math.max(1, deadlineMillis - System.currentTimeMillis()) + 5_000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new TimeoutException("the --processes run did not finish within --timeout " + timeoutSeconds + " s");
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof Exception x) throw x;
                throw e;
            }
        } finally {
            runner.shutdownNow();
            killAll();
            deleteData();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
    }

    private E2eResult runInside() throws Exception {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("load_average_before", RoutingBench.loadAverage());
        machine.put("max_heap_mb_per_node", 256);
        int m = params.messages();
        intended = new AtomicLongArray(m);
        delivered = new AtomicLongArray(m);
        stored = new AtomicLongArray(m);
        receipted = new AtomicLongArray(m);
        failedAt = new AtomicLongArray(m);
        accepted = new AtomicLongArray(m);
        dataRoot = Files.createTempDirectory("parley-bench-processes-");
        long wall0 = System.nanoTime();
        startNetwork();
        long startedAt = System.nanoTime();
        List<Channel> channels = pairUp();
        if (channels.isEmpty()) throw new IllegalStateException("no pair delivered its first message within the warm-up bound");
        Map<String, Object> warm = warmUp(channels);
        long warmedAt = System.nanoTime();
        E2eResult r = measure(channels, warm, machine);
        r.numbers().put("setup_s", Map.of("network_start", secs(startedAt - wall0), "pairing_and_warmup", secs(warmedAt - startedAt)));
        machine.put("load_average_after", RoutingBench.loadAverage());
        return r;
    }

    // ---------------------------------------------------------------- network

    /** The command that starts the network: {@code parley testnet --processes}, in its own small JVM. */
    List<String> launcherCommand(Path net, Path table) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "org.parley.verticles.cli.ParleyCli", "testnet", "--processes",
                "--nodes", String.valueOf(params.nodes()), "--users", String.valueOf(params.users()),
                "--data-dir", net.toString(), "--json", table.toString());
    }

    /** Settings every node JVM inherits through the environment (the launcher passes its own on to its children). */
    Map<String, String> nodeEnvironment() {
        int[] h = E2eBench.circuitHops(params.hops());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PARLEY_DELIVERY_SEND_HOPS", String.valueOf(h[0]));
        env.put("PARLEY_DELIVERY_INBOX_HOPS", String.valueOf(h[1]));
        env.put("PARLEY_ROUTING_COVER_CELLS_PER_MINUTE", String.valueOf(params.cover()));
        env.put("PARLEY_DELIVERY_COVER_LOOPS_PER_DAY", String.valueOf(E2eBench.coverLoopsPerDay(params.cover())));
        return env;
    }

    private void startNetwork() throws Exception {
        log.printf("starting %d relay JVMs and %d user JVMs with parley testnet --processes (bounded by --timeout %d s)...%n",
                params.nodes(), params.users(), timeoutSeconds);
        Path net = dataRoot.resolve("net");
        Path table = dataRoot.resolve("net.json");
        ProcessBuilder pb = new ProcessBuilder(launcherCommand(net, table))
                .redirectOutput(dataRoot.resolve("testnet.out").toFile()).redirectError(dataRoot.resolve("testnet.err").toFile());
        pb.environment().putAll(nodeEnvironment());
        launcher = pb.start();
        while (!Files.exists(table)) {
            if (!launcher.isAlive()) {
                throw new IllegalStateException("parley testnet exited with " + launcher.exitValue() + " before its nodes were up: "
                        + tail(dataRoot.resolve("testnet.err")));
            }
            if (System.currentTimeMillis() > deadlineMillis) throw new TimeoutException("the network was not up within --timeout");
            Thread.sleep(200);
        }
        launcher.descendants().forEach(nodeProcesses::add);
        for (JsonNode n : JSON.readTree(table.toFile())) {
            Member mem = new Member(n.path("name").asText(), n.path("role").asText(), n.path("gatewayPort").asInt(), n.path("token").asText(null));
            if ("user".equals(mem.role())) users.add(new User(mem));
            else relays.add(mem);
        }
        if (relays.size() != params.nodes() || users.size() != params.users()) {
            throw new IllegalStateException("the testnet table lists " + relays.size() + " relays and " + users.size() + " users");
        }
        log.printf("  %d node JVMs up (%s); waiting for each user's delivery (inbox relays) and relay directory...%n",
                nodeProcesses.size(), java.time.LocalTime.now());
        long bound = Math.min(deadlineMillis, System.currentTimeMillis() + 120_000);
        int everyone = params.nodes() + params.users();
        for (User u : users) {
            awaitTrue(() -> {
                try {
                    u.get("/v1/me");
                    return true;
                } catch (Exception e) {
                    return false;
                }
            }, bound, u.name + ": delivery not ready (no inbox relay)");
            // relays known: at least every relay; all nodes (users relay too) is waited for a little longer, not required
            awaitTrue(() -> gauge(u.member, "parley_routing_relays_known") >= params.nodes(), bound, u.name + " did not learn the relays");
            waitQuietly(() -> gauge(u.member, "parley_routing_relays_known") >= everyone, Math.min(bound, System.currentTimeMillis() + 15_000));
            u.connect();
        }
    }

    private double gauge(Member m, String name) {
        Double v = scrape(m).get(name);
        return v == null ? -1 : v;
    }

    /** The node's Prometheus page as "name{labels}" -> value; empty if it does not answer. */
    private Map<String, Double> scrape(Member m) {
        Map<String, Double> out = new HashMap<>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.gatewayPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return out;
            for (String line : r.body().split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                int sp = line.lastIndexOf(' ');
                if (sp < 0) continue;
                try {
                    out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
                } catch (NumberFormatException e) {
                    // NaN-like or exemplar: skip
                }
            }
        } catch (IOException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    private void awaitTrue(BooleanSupplier c, long bound, String what) throws Exception {
        while (!c.getAsBoolean()) {
            if (System.currentTimeMillis() > bound) throw new TimeoutException(what);
            Thread.sleep(250);
        }
    }

    private void waitQuietly(BooleanSupplier c, long bound) throws InterruptedException {
        bound = Math.min(bound, deadlineMillis);
        while (!c.getAsBoolean() && System.currentTimeMillis() < bound) Thread.sleep(20);
    }

    // ---------------------------------------------------------------- events

    /** Runs on a WebSocket thread: stamps what happened to which message. */
    private void onEvent(User u, JsonNode e) {
        long now = System.nanoTime();
        long cursor = e.path("cursor").asLong(-1);
        if (cursor > u.cursor) u.cursor = cursor;
        String type = e.path("type").asText();
        if ("contact".equals(type)) {
            String id = e.path("contact").path("id").asText(null);
            if (id != null) u.contactIds.add(id);
            return;
        }
        JsonNode v = e.path("message");
        if (v.isMissingNode() || !v.path("text").isTextual()) return;
        String text = v.path("text").asText();
        String direction = v.path("direction").asText();
        String messageId = v.path("id").asText();
        List<String> path = new ArrayList<>();
        v.path("path").forEach(p -> path.add(p.asText()));
        if ("message".equals(type) && "in".equals(direction)) {
            String id = messageId.substring(messageId.lastIndexOf(':') + 1);
            if (text.startsWith("w")) {
                String head = head(text);
                warmConversation.putIfAbsent(head, v.path("conversationId").asText());
                warmDelivered.putIfAbsent(head, now);
                if (!path.isEmpty()) inPaths.putIfAbsent(id, path);
                return;
            }
            int seq = seq(text);
            if (seq < 0 || seq >= delivered.length()) return;
            if (!receivedIds.add(id) || !delivered.compareAndSet(seq, 0, now)) duplicates.incrementAndGet();
            return;
        }
        if ("status".equals(type) && "out".equals(direction)) {
            String status = v.path("status").asText();
            if (text.startsWith("w")) {
                String reason = v.path("failureReason").asText(null);
                warmStatus.put(head(text), status + (reason == null ? "" : " (" + reason + ")"));
                if (("sent".equals(status) || "delivered".equals(status)) && !path.isEmpty()) {
                    outPaths.putIfAbsent(messageId.substring(messageId.lastIndexOf(':') + 1), path);
                }
            }
            int seq = seq(text);
            if (seq < 0 || seq >= delivered.length()) return;
            switch (status) {
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

    private static String head(String text) {
        int sp = text.indexOf(' ');
        return sp < 0 ? text : text.substring(0, sp);
    }

    static int seq(String text) {
        if (!text.startsWith(PREFIX)) return -1;
        try {
            return Integer.parseInt(head(text).substring(PREFIX.length()));
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

    private CompletableFuture<HttpResponse<String>> send(Channel c, String text) {
        return c.from().post("/v1/conversations/" + URLEncoder.encode(c.conversationId(), StandardCharsets.UTF_8) + "/messages",
                Map.of("text", text));
    }

    private static void expect(HttpResponse<String> r, int status, String what) throws IOException {
        if (r.statusCode() != status) throw new IOException(what + " answered " + r.statusCode() + ": " + r.body());
    }

    /** Random pairs (an odd user out pairs with a random other); a adds b by invite; b's side of the chat is learnt from a's first message. */
    private List<Channel> pairUp() throws Exception {
        List<User> shuffled = new ArrayList<>(users);
        Collections.shuffle(shuffled, random);
        List<User[]> ps = new ArrayList<>();
        for (int i = 0; i + 1 < shuffled.size(); i += 2) ps.add(new User[]{shuffled.get(i), shuffled.get(i + 1)});
        if (shuffled.size() % 2 == 1) ps.add(new User[]{shuffled.get(shuffled.size() - 1), shuffled.get(random.nextInt(shuffled.size() - 1))});
        log.printf("pairing %d users into %d pairs through their gateways; each pair exchanges a first message (bounded by %d s)...%n",
                users.size(), ps.size(), params.warmupTimeoutSeconds());
        List<Channel> forward = new ArrayList<>();
        Map<User, Integer> expectedIn = new HashMap<>();
        for (User[] p : ps) {
            String invite = p[1].get("/v1/me").path("invite").asText();
            HttpResponse<String> r = p[0].post("/v1/contacts", Map.of("invite", invite, "name", p[1].name)).get(60, TimeUnit.SECONDS);
            expect(r, 201, p[0].name + " POST /v1/contacts");
            String id = JSON.readTree(r.body()).path("id").asText();
            p[0].addedByMe.add(id);
            forward.add(new Channel(forward.size(), p[0], p[1], id));
            expectedIn.merge(p[1], 1, Integer::sum);
        }
        long deadline = Math.min(deadlineMillis, System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(params.warmupTimeoutSeconds()));
        // the contact card travels in its own envelope: let it land before the first text
        for (Map.Entry<User, Integer> e : expectedIn.entrySet()) {
            User to = e.getKey();
            waitQuietly(() -> to.contactIds.stream().filter(id -> !to.addedByMe.contains(id)).count() >= e.getValue(), deadline);
        }
        for (Channel c : forward) send(c, text("w" + c.id() + ".0"));
        List<Channel> channels = new ArrayList<>();
        List<Channel> backward = new ArrayList<>();
        for (Channel c : forward) {
            String head = "w" + c.id() + ".0";
            waitQuietly(() -> warmConversation.containsKey(head), deadline);
            String back = warmConversation.get(head);
            if (back == null) {
                log.printf("  pair %s -> %s: the first message was not through within the bound (status at sender: %s); pair left out%n",
                        c.from().name, c.to().name, warmStatus.getOrDefault(head, "pending"));
                continue;
            }
            channels.add(c);
            Channel b = new Channel(forward.size() + backward.size(), c.to(), c.from(), back);
            backward.add(b);
            send(b, text("w" + b.id() + ".0"));
        }
        for (Channel b : backward) {
            String head = "w" + b.id() + ".0";
            waitQuietly(() -> warmDelivered.containsKey(head), deadline);
            if (warmDelivered.containsKey(head)) channels.add(b);
            else log.printf("  reply %s -> %s was not delivered within the bound (status at sender: %s); that direction left out%n",
                    b.from().name, b.to().name, warmStatus.getOrDefault(head, "pending"));
        }
        excludedChannels = 2 * forward.size() - channels.size();
        return channels;
    }

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

    /** CPU time of every node JVM so far (the launcher is idle and left out); -1 if the OS does not say. */
    private long nodesCpuNanos() {
        long sum = 0;
        for (ProcessHandle h : nodeProcesses) {
            Optional<Duration> d = h.info().totalCpuDuration();
            if (d.isEmpty()) return -1;
            sum += d.get().toNanos();
        }
        return sum;
    }

    private List<Member> allMembers() {
        List<Member> all = new ArrayList<>(relays);
        for (User u : users) all.add(u.member);
        return all;
    }

    /** Peer-link bytes written by every node (Vert.x net client + server counters), -1 if no node reports them. */
    private static double wireBytes(List<Map<String, Double>> scrapes) {
        double sum = 0;
        boolean any = false;
        for (Map<String, Double> s : scrapes) {
            for (Map.Entry<String, Double> e : s.entrySet()) {
                if (e.getKey().startsWith("vertx_net_") && e.getKey().contains("bytes_written")) {
                    sum += e.getValue();
                    any = true;
                }
            }
        }
        return any ? sum : -1;
    }

    private List<Map<String, Double>> scrapeAll() {
        List<Map<String, Double>> out = new ArrayList<>();
        for (Member m : allMembers()) out.add(scrape(m));
        return out;
    }

    private E2eResult measure(List<Channel> channels, Map<String, Object> warm, Map<String, Object> machine) throws Exception {
        int m = params.messages();
        String[] texts = new String[m];
        for (int i = 0; i < m; i++) texts[i] = text(PREFIX + i);
        log.printf("measured (from %s): %d messages over %d channels at %s, POSTed to the senders' gateways...%n", java.time.LocalTime.now(), m,
                channels.size(), params.rate() == 0 ? "the rate the gateways accept" : params.rate() + " msgs/s offered (open loop)");
        long idleCpu0 = nodesCpuNanos(), idleT0 = System.nanoTime();
        Thread.sleep(2_000);
        long idleCpu1 = nodesCpuNanos();
        idleCoresUsed = idleCpu0 < 0 || idleCpu1 < 0 ? -1 : (idleCpu1 - idleCpu0) / (double) (System.nanoTime() - idleT0);
        List<Map<String, Double>> before = scrapeAll();
        double wire0 = wireBytes(before);
        long cpu0 = nodesCpuNanos(), driverCpu0 = RoutingBench.processCpuNanos();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long interval = params.rate() == 0 ? 0 : 1_000_000_000L / params.rate();
        long lastSend = start;
        for (int i = 0; i < m; i++) {
            if (System.currentTimeMillis() > deadlineMillis) throw new TimeoutException("--timeout reached while sending");
            long at;
            if (interval > 0) {
                at = start + i * interval;
                long wait;
                while ((wait = at - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
                while (outstanding.get() >= E2eBench.MAX_OUTSTANDING) LockSupport.parkNanos(100_000);
            } else {
                while (outstanding.get() >= E2eBench.CLOSED_WINDOW) LockSupport.parkNanos(20_000);
                at = System.nanoTime();
            }
            int seq = i;
            intended.set(seq, at);
            outstanding.incrementAndGet();
            send(channels.get(i % channels.size()), texts[i]).whenComplete((r, x) -> {
                outstanding.decrementAndGet();
                if (x == null && r.statusCode() == 202) accepted.set(seq, System.nanoTime());
                else {
                    rejected.incrementAndGet();
                    failedAt.compareAndSet(seq, 0, System.nanoTime());
                }
            });
            texts[i] = null;
            lastSend = System.nanoTime();
        }
        long sendEnd = lastSend;
        log.printf("  all %d POSTed in %.2f s (%s); waiting (at most %d s) for deliveries and receipts...%n",
                m, (sendEnd - start) / 1e9, java.time.LocalTime.now(), params.drainSeconds());
        waitQuietly(() -> settled() >= m, System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(params.drainSeconds()));
        long end = System.nanoTime();
        long cpu1 = nodesCpuNanos(), driverCpu1 = RoutingBench.processCpuNanos();
        List<Map<String, Double>> after = scrapeAll();
        double wire1 = wireBytes(after);
        log.printf("  measured phase over (%s); reading back the recipients' message lists...%n", java.time.LocalTime.now());
        Map<String, Object> lists = readBack(channels);
        return summarize(channels, warm, machine, start, sendEnd, end, cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0,
                driverCpu0 < 0 ? -1 : driverCpu1 - driverCpu0, wire0 < 0 ? -1 : wire1 - wire0, after, lists);
    }

    private int settled() {
        int n = 0;
        for (int i = 0; i < delivered.length(); i++) {
            if ((delivered.get(i) != 0 && receipted.get(i) != 0) || failedAt.get(i) != 0) n++;
        }
        return n;
    }

    // list read-back: per measured seq, times it is listed at its recipient ("in") and its final status at the sender ("out")
    private int[] listedIn;
    private final Set<Integer> receiptedInList = ConcurrentHashMap.newKeySet();

    /** Every channel's conversation read back on both sides, paged newest first (bounded). */
    private Map<String, Object> readBack(List<Channel> channels) {
        listedIn = new int[params.messages()];
        int pagesBound = params.messages() / 100 + 50;
        int pages = 0, errors = 0;
        Set<String> seen = new java.util.HashSet<>();
        for (Channel c : channels) {
            for (boolean recipientSide : new boolean[]{true, false}) {
                User u = recipientSide ? c.to() : c.from();
                String conv = recipientSide ? warmConversationOf(c) : c.conversationId();
                if (conv == null) continue;
                Set<String> ids = new java.util.HashSet<>();
                long before = 0;
                for (int page = 0; page < pagesBound; page++) {
                    JsonNode list;
                    try {
                        list = u.get("/v1/conversations/" + URLEncoder.encode(conv, StandardCharsets.UTF_8) + "/messages?limit=200"
                                + (before > 0 ? "&before=" + before : ""));
                    } catch (Exception e) {
                        errors++;
                        break;
                    }
                    pages++;
                    int fresh = 0;
                    long oldest = Long.MAX_VALUE;
                    for (JsonNode msg : list.path("messages")) {
                        oldest = Math.min(oldest, msg.path("sentAt").asLong());
                        if (!ids.add(msg.path("id").asText())) continue;
                        fresh++;
                        int seq = seq(msg.path("text").asText(""));
                        if (seq < 0 || seq >= listedIn.length) continue;
                        String dir = msg.path("direction").asText();
                        // a conversation holds both directions: count each message on its own channel's side once
                        if (recipientSide && "in".equals(dir) && seen.add(u.name + "/" + msg.path("id").asText())) listedIn[seq]++;
                        if (!recipientSide && "out".equals(dir)) {
                            String st = msg.path("status").asText();
                            if ("delivered".equals(st) || "read".equals(st)) receiptedInList.add(seq);
                        }
                    }
                    if (fresh == 0 || list.path("messages").size() < 200 || oldest == Long.MAX_VALUE) break;
                    before = oldest + 1; // same-millisecond neighbours come again and are skipped by id
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("pages_read", pages);
        r.put("read_errors", errors);
        return r;
    }

    /** The recipient's conversation id of a channel: learnt from the first message, for either direction. */
    private String warmConversationOf(Channel c) {
        return warmConversation.get("w" + c.id() + ".0");
    }

    private E2eResult summarize(List<Channel> channels, Map<String, Object> warm, Map<String, Object> machine, long start, long sendEnd,
                                long end, long cpuNanos, long driverCpuNanos, double wireBytes, List<Map<String, Double>> after,
                                Map<String, Object> lists) {
        int m = params.messages();
        Histogram lat = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        Histogram rec = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        Histogram sto = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        Histogram acc = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        long sent = 0, storedN = 0, deliveredN = 0, receipts = 0, failed = 0, listDuplicates = 0, notInEvents = 0, lastDelivered = start;
        int buckets = (int) Math.max(1, (end - start) / E2eBench.BUCKET_NANOS + 1);
        long[] sentPerBucket = new long[buckets];
        long[] deliveredPerBucket = new long[buckets];
        for (int i = 0; i < m; i++) {
            long t = intended.get(i);
            if (accepted.get(i) != 0) {
                sent++;
                sentPerBucket[bucket(t, start, buckets)]++;
                acc.recordValue(clamp(accepted.get(i) - t, acc));
            }
            if (stored.get(i) != 0) {
                storedN++;
                sto.recordValue(clamp(stored.get(i) - t, sto));
            }
            if (failedAt.get(i) != 0) failed++;
            long d = delivered.get(i);
            if (d != 0) {
                lat.recordValue(clamp(d - t, lat));
                deliveredPerBucket[bucket(d, start, buckets)]++;
                lastDelivered = Math.max(lastDelivered, d);
            }
            // delivered: in the recipient's list (what the user sees) or announced by an event
            if (d != 0 || listedIn[i] > 0) deliveredN++;
            if (d == 0 && listedIn[i] > 0) notInEvents++;
            if (listedIn[i] > 1) listDuplicates += listedIn[i] - 1;
            long r = receipted.get(i);
            if (r != 0) rec.recordValue(clamp(r - t, rec));
            if (r != 0 || receiptedInList.contains(i)) receipts++;
        }
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("sent", sent);
        n.put("stored", storedN);
        n.put("delivered", deliveredN);
        n.put("receipts", receipts);
        n.put("lost", sent - deliveredN);
        n.put("duplicates", Math.max(duplicates.get(), listDuplicates));
        n.put("duplicates_in_events", duplicates.get());
        n.put("duplicates_in_lists", listDuplicates);
        n.put("delivered_without_event", notInEvents);
        n.put("failed", failed);
        n.put("rejected_by_api", rejected.get());
        double window = Math.max(1e-9, (lastDelivered - start) / 1e9);
        n.put("throughput_msgs_per_s", E2eBench.round(lat.getTotalCount() / window));
        n.put("offered_msgs_per_s", params.rate() == 0 ? E2eBench.round(m / Math.max(1e-9, (sendEnd - start) / 1e9)) : params.rate());
        n.put("send_seconds", E2eBench.round((sendEnd - start) / 1e9));
        n.put("latency_ms", E2eBench.percentiles(lat));
        n.put("receipt_latency_ms", E2eBench.percentiles(rec));
        n.put("accepted_latency_ms", E2eBench.percentiles(acc));
        n.put("stored_latency_ms", E2eBench.percentiles(sto));
        n.put("drain_complete", settled() >= m);
        List<Map<String, Double>> userScrapes = after.subList(relays.size(), after.size());
        n.put("circuit_build_ms", circuitBuilds(userScrapes));
        n.put("cpu_ms_per_msg", cpuNanos < 0 || deliveredN == 0 ? -1 : E2eBench.round(cpuNanos / 1e6 / deliveredN));
        double measuredSeconds = Math.max(1e-9, (end - start) / 1e9);
        n.put("cpu_cores_used", cpuNanos < 0 ? -1 : E2eBench.round(cpuNanos / 1e9 / measuredSeconds));
        n.put("cpu_cores_used_idle", E2eBench.round(idleCoresUsed));
        n.put("cpu_ms_per_msg_above_idle", cpuNanos < 0 || deliveredN == 0 || idleCoresUsed < 0 ? -1
                : E2eBench.round(Math.max(0, cpuNanos / 1e6 - idleCoresUsed * measuredSeconds * 1e3) / deliveredN));
        n.put("driver_cpu_ms_per_msg", driverCpuNanos < 0 || deliveredN == 0 ? -1 : E2eBench.round(driverCpuNanos / 1e6 / deliveredN));
        n.put("wire_bytes_per_msg", wireBytes < 0 || deliveredN == 0 ? -1 : Math.round(wireBytes / deliveredN));
        double heapMax = 0, heapSum = 0;
        for (Map<String, Double> s : after) {
            double h = 0;
            for (Map.Entry<String, Double> e : s.entrySet()) {
                if (e.getKey().startsWith("jvm_memory_used_bytes{") && e.getKey().contains("area=\"heap\"")) h += e.getValue();
            }
            heapMax = Math.max(heapMax, h);
            heapSum += h;
        }
        n.put("heap_max_mb", E2eBench.round(heapMax / (1024.0 * 1024.0)));
        n.put("heap_all_nodes_mb", E2eBench.round(heapSum / (1024.0 * 1024.0)));
        n.put("relays_between_users", relaysBetweenUsers());
        n.put("warmup", warm);
        n.put("list_read_back", lists);
        Map<String, Object> counters = new LinkedHashMap<>();
        counters.put("users", counters(userScrapes));
        counters.put("relays", counters(after.subList(0, relays.size())));
        n.put("parley_counters", counters);
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
        p.put("timeout_s", timeoutSeconds);
        p.put("seed", params.seed());
        p.put("processes", true);
        p.put("cover", params.cover() > 0);
        p.put("cover_cells_per_minute", params.cover());
        p.put("cover_loops_per_day", E2eBench.coverLoopsPerDay(params.cover()));
        p.put("driven_through", "each user node's gateway: POST /v1/conversations/{id}/messages, /v1/events WebSocket, message lists read back");
        p.put("node_jvm", "parley testnet --processes: -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        p.put("discovery", "real (seed bootstrap, 5 s descriptor sync); user nodes relay too");
        p.put("storage", "RocksDB per node (durable)");
        p.put("channels", channels.size());
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("mode", "e2e");
        all.put("processes", true);
        all.put("parameters", p);
        all.put("versions", E2eBench.versions());
        all.put("machine", machine);
        all.putAll(n);
        return new E2eResult(all, lat, rec, sentPerBucket, deliveredPerBucket, E2eBench.BUCKET_NANOS);
    }

    /** User nodes' client circuit builds from their Prometheus histograms: percentiles are bucket upper bounds, max the decaying max. */
    private static Map<String, Object> circuitBuilds(List<Map<String, Double>> scrapes) {
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        double count = 0, total = 0, max = 0;
        for (Map<String, Double> s : scrapes) {
            count += s.getOrDefault("parley_routing_circuit_build_seconds_count", 0.0);
            total += s.getOrDefault("parley_routing_circuit_build_seconds_sum", 0.0);
            max = Math.max(max, s.getOrDefault("parley_routing_circuit_build_seconds_max", 0.0));
            for (Map.Entry<String, Double> e : s.entrySet()) {
                String k = e.getKey();
                if (!k.startsWith("parley_routing_circuit_build_seconds_bucket{le=\"")) continue;
                String le = k.substring(k.indexOf("le=\"") + 4, k.indexOf('"', k.indexOf("le=\"") + 4));
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                cumulative.merge(bound, e.getValue(), Double::sum);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", Math.round(count));
        for (double[] q : new double[][]{{50, 0.5}, {90, 0.9}, {99, 0.99}, {999, 0.999}}) {
            double need = q[1] * count;
            double at = max;
            for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
                if (e.getValue() >= need) {
                    at = Math.min(e.getKey(), max);
                    break;
                }
            }
            m.put("p" + (int) q[0], E2eBench.round(at * 1000));
        }
        m.put("max", E2eBench.round(max * 1000));
        m.put("mean", count == 0 ? 0.0 : E2eBench.round(total * 1000 / count));
        m.put("note", "user nodes' client circuits over the whole run, from /metrics; percentiles are histogram bucket upper bounds");
        return m;
    }

    private static Map<String, Object> counters(List<Map<String, Double>> scrapes) {
        Map<String, Double> sums = new TreeMap<>();
        for (Map<String, Double> s : scrapes) {
            s.forEach((k, v) -> {
                if (k.startsWith("parley_") && (k.contains("_total") || k.contains("_count")) && !v.isNaN()) sums.merge(k, v, Double::sum);
            });
        }
        Map<String, Object> out = new LinkedHashMap<>();
        sums.forEach((k, v) -> {
            if (v != 0) out.put(k, Math.round(v));
        });
        return out;
    }

    private double relaysBetweenUsers() {
        long sum = 0, count = 0;
        for (Map.Entry<String, List<String>> e : inPaths.entrySet()) {
            List<String> out = outPaths.get(e.getKey());
            if (out == null) continue;
            sum += out.size() + e.getValue().size() - 1L;
            count++;
        }
        return count == 0 ? -1 : E2eBench.round((double) sum / count);
    }

    private static int bucket(long t, long start, int buckets) {
        return (int) Math.min(buckets - 1, Math.max(0, (t - start) / E2eBench.BUCKET_NANOS));
    }

    private static long clamp(long v, Histogram h) {
        return Math.max(1, Math.min(v, h.getHighestTrackableValue()));
    }

    private static double secs(long nanos) {
        return Math.round(nanos / 1e7) / 100.0;
    }

    // ---------------------------------------------------------------- teardown

    /** SIGTERM to the launcher (which stops its nodes) and to every node JVM, then SIGKILL to what is still alive after 15 s. Idempotent. */
    synchronized void killAll() {
        stopping = true;
        for (User u : users) {
            WebSocket ws = u.socket;
            if (ws != null) ws.abort();
        }
        Process l = launcher;
        if (l == null) return;
        List<ProcessHandle> all = new ArrayList<>(nodeProcesses);
        l.descendants().forEach(h -> {
            if (!all.contains(h)) all.add(h);
        });
        all.add(l.toHandle());
        for (ProcessHandle h : all) h.destroy();
        long end = System.currentTimeMillis() + 15_000;
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(Math.max(1, end - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        for (ProcessHandle h : all) if (h.isAlive()) h.destroyForcibly();
        launcher = null;
    }

    private void deleteData() {
        if (dataRoot == null) return;
        try (Stream<Path> walk = Files.walk(dataRoot)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.println("could not remove " + dataRoot + ": " + e);
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no stderr)";
        }
    }
}
