package org.parley.verticles.netns;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.parley.core.time.Clock;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.invite.InviteCodec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Fault tests on real processes with real addresses: 12 relays and 2 user nodes (alice, bob),
 * each its own JVM in its own network namespace ({@link Netns}), the first relay the seed of all
 * others. One network serves the five scenarios in order (a cold start, then four faults, each
 * undone before the next); alice and bob post to each other through their gateways' REST API
 * every second throughout each scenario. After each scenario, with the fault removed and the
 * messages given their TTL ({@value #TTL_SECONDS} s) to settle, it asserts: every message the
 * sender was shown as {@code sent} (or later) arrived at the recipient exactly once; no text
 * arrived twice; every accepted message ended {@code delivered} or {@code failed} — none left
 * hanging; and the network is alive: at least half of the messages posted after the fault was
 * removed (of all, when it stays) are delivered. Numbers (delivery ratio, latency, time to
 * recover, cold-start time) are printed and
 * appended to {@code target/netns-results.txt}; docs/testnets.md records runs.
 *
 * <p>Needs Linux, root, iproute2, nftables and curl; skips with the reason otherwise.
 */
@Tag("netns")
// Tagged flaky (excluded) for a few hours on 2026-11-26 while delivery to bob stopped for good after kills; the causes
// were found and fixed that day: an ACK over a not-yet-registered rebuilt circuit ended the inbox subscription
// (RoutingNodeTest.lateAckOfAnEnvelopeFromALostCircuitDoesNotEndTheSubscription), peers were not persisted so bob restarted with his seed down never bootstrapped
// (RestartWithoutSeedIT), bob's account had picked the seed as its only inbox relay (InboxRelayChoiceIT,
// DeliveryServiceTest), and restarted relays had new onion keys (OnionKeyRingStoreTest). Back in the default run.
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetnsFaultIT {
    static final int RELAYS = 12;
    static final int ALICE = RELAYS;
    static final int BOB = RELAYS + 1;
    static final int TTL_SECONDS = 45;
    static final long POST_EVERY_MS = 1_000;
    static final List<String> JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData");
    static final Path RESULTS = Path.of("target", "netns-results.txt");

    Netns net;
    String cp;
    final List<String> jvm = new ArrayList<>(JVM);
    final List<NetNode> nodes = new ArrayList<>();
    NetNode alice;
    NetNode bob;
    Chat.Pair aliceToBob;
    Chat.Pair bobToAlice;
    String bobInvite;
    final Chat chat = new Chat();
    final Set<NetNode> offline = ConcurrentHashMap.newKeySet();
    final long seed = System.nanoTime();
    final Random random = new Random(seed);
    final Map<String, Long> coldStart = new LinkedHashMap<>();
    String warmupProblem;

    @BeforeAll
    void startNetwork() throws Exception {
        Netns.unavailable().ifPresent(reason -> assumeTrue(false, reason));
        Netns.nftUnavailable().ifPresent(reason -> assumeTrue(false, reason));
        // -Dparley.netns.logging=FILE gives every node JVM that java.util.logging configuration (e.g. FINE for org.parley);
        // node logs stay in target/netns/<node>/node.log until the next run
        String logging = System.getProperty("parley.netns.logging", "");
        if (!logging.isEmpty()) jvm.add("-Djava.util.logging.config.file=" + Path.of(logging).toAbsolutePath());
        Path dir = Path.of("target", "netns").toAbsolutePath();
        deleteTree(dir);
        net = Netns.create(RELAYS + 2);
        Map<String, String> common = new LinkedHashMap<>();
        common.put("routing.distinct-subnets", "false");       // one /24 for everyone
        common.put("discovery.sync-interval-ms", "2000");
        common.put("discovery.rpc-timeout-ms", "1000");
        common.put("discovery.refresh-interval-ms", "5000");
        common.put("delivery.ttl-seconds", String.valueOf(TTL_SECONDS));
        // one throw-away node run first writes a class-data sharing archive that every node JVM then maps
        long prep = System.currentTimeMillis();
        cp = NetNode.nodeClasspath(dir.resolve("classpath"));
        Path jsa = dir.resolve("node.jsa");
        List<String> dumpFlags = new ArrayList<>(JVM);
        dumpFlags.add("-XX:ArchiveClassesAtExit=" + jsa);
        NetNode dump = new NetNode(net, 0, "cds-dump", dir.resolve("cds-dump"), common, dumpFlags, cp);
        dump.start();
        dump.awaitStarted(120_000);
        awaitTrue("cds-dump /ready", () -> status(dump, "/ready") == 200, System.currentTimeMillis() + 60_000);
        dump.stop(60);
        if (Files.exists(jsa)) jvm.add("-XX:SharedArchiveFile=" + jsa);
        report(String.format("class-data sharing archive %s in %.1f s", Files.exists(jsa) ? "written" : "NOT written (nodes start without)",
                (System.currentTimeMillis() - prep) / 1000.0));

        long t0 = System.currentTimeMillis();
        Map<String, String> relay = new LinkedHashMap<>(common);
        relay.put("node.role", "relay");                      // relays host no account and no client API
        for (int i = 0; i < RELAYS; i++) {
            nodes.add(new NetNode(net, i, String.format("relay-%02d", i), dir.resolve("relay-" + i), relay, jvm, cp));
        }
        NetNode seedNode = nodes.get(0);
        seedNode.start();
        seedNode.awaitStarted(90_000);
        coldStart.put("seed started", System.currentTimeMillis() - t0);
        Map<String, String> withBootstrap = new LinkedHashMap<>(common);
        withBootstrap.put("discovery.bootstrap", seedNode.peerAddress());
        Map<String, String> relayWithBootstrap = new LinkedHashMap<>(withBootstrap);
        relayWithBootstrap.put("node.role", "relay");
        for (int i = 1; i < RELAYS; i++) {
            nodes.set(i, new NetNode(net, i, String.format("relay-%02d", i), dir.resolve("relay-" + i), relayWithBootstrap, jvm, cp));
        }
        Map<String, String> user = new LinkedHashMap<>(withBootstrap);
        user.put("discovery.light", "true");                  // users are clients: no relay descriptor, no DHT storage for others
        Map<String, String> aliceCfg = new LinkedHashMap<>(user);
        aliceCfg.put("delivery.name", "alice");
        Map<String, String> bobCfg = new LinkedHashMap<>(user);
        bobCfg.put("delivery.name", "bob");
        alice = new NetNode(net, ALICE, "alice", dir.resolve("alice"), aliceCfg, jvm, cp);
        bob = new NetNode(net, BOB, "bob", dir.resolve("bob"), bobCfg, jvm, cp);
        nodes.add(alice);
        nodes.add(bob);
        for (NetNode n : nodes.subList(1, nodes.size())) n.start();
        long deadline = System.currentTimeMillis() + 240_000; // generous: a loaded 2-core machine starts 14 JVMs slowly
        for (NetNode n : nodes) n.awaitStarted(Math.max(1, deadline - System.currentTimeMillis()));
        coldStart.put("all 14 JVMs started", System.currentTimeMillis() - t0);
        for (NetNode n : nodes) awaitTrue(n + " /ready", () -> status(n, "/ready") == 200, deadline);
        coldStart.put("all ready", System.currentTimeMillis() - t0);
        long formed = awaitFormed(deadline);
        coldStart.put("every node knows >= 95% of relays", formed < 0 ? -1 : formed - t0);
        for (NetNode u : List.of(alice, bob)) awaitTrue(u + " /v1/me", () -> status(u, "/v1/me") == 200, deadline);
        coldStart.put("users have inboxes", System.currentTimeMillis() - t0);

        String aliceInvite = alice.get("/v1/me").json().get("invite").asText();
        bobInvite = bob.get("/v1/me").json().get("invite").asText();
        String aliceConv = addContact(alice, bobInvite, "bob");
        String bobConv = addContact(bob, aliceInvite, "alice");
        aliceToBob = new Chat.Pair(alice, bob, aliceConv, bobConv);
        bobToAlice = new Chat.Pair(bob, alice, bobConv, aliceConv);

        // the first message each way; the known first-message stall of a fresh network (see
        // DeliveryNetworkIT) would show here, so the wait is generous but bounded
        List<Chat.Msg> warm = List.of(chat.post("cold-start", aliceToBob, "cold-start alice->bob"),
                chat.post("cold-start", bobToAlice, "cold-start bob->alice"));
        long warmDeadline = System.currentTimeMillis() + 150_000;
        long first = -1;
        while (System.currentTimeMillis() < warmDeadline) {
            Chat.refreshStatuses(warm);
            if (first < 0 && warm.stream().anyMatch(m -> m.status.equals("delivered"))) first = System.currentTimeMillis() - t0;
            if (warm.stream().allMatch(Chat.Msg::isFinal)) break;
            Thread.sleep(500);
        }
        coldStart.put("first message delivered", first);
        coldStart.put("both first messages settled", warm.stream().allMatch(Chat.Msg::isFinal) ? System.currentTimeMillis() - t0 : -1);
        if (!warm.stream().allMatch(m -> m.status.equals("delivered"))) {
            warmupProblem = "first messages after 150 s: " + warm.stream().map(m -> m.text + "=" + m.status).toList();
        }
        report("cold start (14 JVMs, seed " + seedNode.nodeId().substring(0, 16) + "): " + coldStart);
    }

    @AfterAll
    void stopNetwork() {
        if (net == null) return;
        try {
            for (NetNode n : nodes) n.kill9();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            net.close();
        }
    }

    /** Before each fault: every node running, every link up, no nftables rule. */
    @BeforeEach
    void restore() throws Exception {
        if (net == null) return;
        List<NetNode> restarted = new ArrayList<>();
        for (NetNode n : nodes) {
            if (!n.alive()) {
                n.start();
                restarted.add(n);
            }
            net.heal(n.host());
            net.clearRules(n.host());
        }
        long deadline = System.currentTimeMillis() + 120_000;
        for (NetNode n : restarted) {
            n.awaitStarted(Math.max(1, deadline - System.currentTimeMillis()));
            awaitTrue(n + " /ready", () -> status(n, "/ready") == 200, deadline);
        }
        offline.clear();
    }

    @Test
    @Order(1)
    void coldStartFromOneSeed() throws Exception {
        assertThat(warmupProblem).as("the first message each way is delivered").isNull();
        List<Chat.Msg> msgs = chat.of("cold-start");
        Chat.refreshReceived(msgs);
        for (Chat.Msg m : msgs) assertThat(m.received).as(m.text + " arrived once").isEqualTo(1);
        assertThat(coldStart.get("every node knows >= 95% of relays")).as("the network formed").isPositive();
        assertThat(coldStart.get("first message delivered")).as("time to first delivered").isPositive();
        report(String.format("cold start: time to first delivered %.1f s (network formed at %.1f s, all 14 JVMs ready at %.1f s)",
                coldStart.get("first message delivered") / 1000.0, coldStart.get("every node knows >= 95% of relays") / 1000.0,
                coldStart.get("all ready") / 1000.0));
    }

    @Test
    @Order(2)
    void aThirdOfTheRelaysKilledDuringTrafficThenRestarted() throws Exception {
        List<NetNode> relays = new ArrayList<>(nodes.subList(0, RELAYS));
        Collections.shuffle(relays, random);
        List<NetNode> victims = relays.subList(0, RELAYS / 3);
        AtomicLong healedAt = new AtomicLong();
        run("relays-killed", 25_000, Map.of(
                3_000L, () -> {
                    for (NetNode v : victims) v.kill9();
                },
                10_000L, () -> {
                    for (NetNode v : victims) v.start();
                    for (NetNode v : victims) v.awaitStarted(90_000);
                    healedAt.set(System.currentTimeMillis());
                }), healedAt, "kill -9 of " + victims.stream().map(NetNode::name).sorted().toList()
                + " (random seed " + seed + ") at 3 s, restarted at 10 s");
    }

    @Test
    @Order(3)
    void recipientsPrimaryInboxRelayKilledAndRecipientOfflineThenBack() throws Exception {
        Invite invite = InviteCodec.parse(bobInvite, Clock.system());
        String primaryAddress = invite.inbox().relays().get(0).address();
        NetNode primary = nodes.stream().filter(n -> primaryAddress.equals(net.address(n.host()) + ":" + NetNode.PEER_PORT))
                .findFirst().orElseThrow(() -> new AssertionError("bob's primary inbox relay " + primaryAddress + " is none of ours"));
        assertThat(primary).as("a relay, not a user").isNotIn(alice, bob);
        AtomicLong healedAt = new AtomicLong();
        run("inbox-relay-killed", 25_000, Map.of(
                2_000L, () -> {
                    primary.kill9();
                    offline.add(bob);
                    bob.stop();
                },
                14_000L, () -> {
                    bob.start();
                    bob.awaitStarted(90_000);
                    offline.remove(bob);
                    healedAt.set(System.currentTimeMillis());
                }), healedAt, "kill -9 of bob's primary inbox relay " + primary.name()
                + " at 2 s (restarted only after this scenario), bob stopped at 2 s and started at 14 s");
    }

    @Test
    @Order(4)
    void partitionInTwoThenHealed() throws Exception {
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < RELAYS; i++) (i < RELAYS / 2 ? a : b).add(i);
        a.add(ALICE);
        b.add(BOB);
        AtomicLong healedAt = new AtomicLong();
        run("partition", 25_000, Map.of(
                2_000L, () -> net.partition(a, b),
                17_000L, () -> {
                    for (NetNode n : nodes) net.clearRules(n.host());
                    healedAt.set(System.currentTimeMillis());
                }), healedAt, "hosts " + a + " | " + b + " from 2 s to 17 s (alice and bob on different sides)");
    }

    @Test
    @Order(5)
    void twentyPercentLossOnOneUsersLinks() throws Exception {
        net.loss(ALICE, 20);
        assertThat(net.rules(ALICE)).contains("numgen random mod 100 < 20");
        // the loss stays until every message has settled (the next restore or the end removes it)
        run("loss-20", 25_000, Map.of(), new AtomicLong(), "20% random loss both ways on alice's link during traffic and settling");
    }

    interface Step {
        void run() throws Exception;
    }

    /**
     * Alice and bob post every {@link #POST_EVERY_MS} for {@code trafficMs} (and 10 s past the heal at
     * least) while the steps run at
     * their offsets; then every accepted message is given until its TTL (+15 s) to settle, and the
     * checks of the class comment are made, plus liveness: at least half of the messages posted
     * after the fault was removed (of all messages, when none was) are delivered. Time to recover:
     * from {@code healedAt} until every message posted before it had settled.
     */
    void run(String scenario, long trafficMs, Map<Long, Step> steps, AtomicLong healedAt, String what) throws Exception {
        assumeTrue(net != null, "no network");
        long start = System.currentTimeMillis();
        AtomicBoolean traffic = new AtomicBoolean(true);
        AtomicLong recoveredAt = new AtomicLong();
        Thread poster = new Thread(() -> {
            int k = 0;
            long next = System.currentTimeMillis();
            while (traffic.get()) {
                for (Chat.Pair p : List.of(aliceToBob, bobToAlice)) {
                    if (!offline.contains(p.from())) chat.post(scenario, p, scenario + " " + p.from().name() + "->" + p.to().name() + " #" + k);
                }
                k++;
                if (k % 3 == 0) {
                    Chat.refreshStatuses(chat.of(scenario));
                    checkRecovered(scenario, healedAt, recoveredAt);
                }
                next += POST_EVERY_MS;
                long sleep = next - System.currentTimeMillis();
                if (sleep > 0) {
                    try {
                        Thread.sleep(Math.min(sleep, POST_EVERY_MS));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "netns-traffic");
        poster.setDaemon(true);
        poster.start();
        List<Long> offsets = new ArrayList<>(steps.keySet());
        Collections.sort(offsets);
        try {
            for (long at : offsets) {
                long wait = start + at - System.currentTimeMillis();
                if (wait > 0) Thread.sleep(wait);
                steps.get(at).run();
            }
            // traffic goes on until trafficMs, and at least 10 s past the heal (a slow restart must not leave no messages after it)
            long end = Math.max(start + trafficMs, healedAt.get() > 0 ? healedAt.get() + 10_000 : 0);
            long wait = end - System.currentTimeMillis();
            if (wait > 0) Thread.sleep(wait);
        } finally {
            traffic.set(false);
            poster.join(30_000);
        }
        List<Chat.Msg> msgs = chat.of(scenario);
        long lastPost = msgs.stream().mapToLong(m -> m.postedAt).max().orElse(start);
        long settleDeadline = lastPost + TTL_SECONDS * 1000L + 15_000;
        while (System.currentTimeMillis() < settleDeadline) {
            Chat.refreshStatuses(msgs);
            checkRecovered(scenario, healedAt, recoveredAt);
            if (msgs.stream().filter(Chat.Msg::accepted).allMatch(Chat.Msg::isFinal)) break;
            Thread.sleep(1_000);
        }
        Chat.refreshStatuses(msgs);
        // a message the sender saw stored at an inbox relay may still be on its way: up to 10 s more
        long graceEnd = System.currentTimeMillis() + 10_000;
        do {
            Chat.refreshReceived(msgs);
            if (msgs.stream().noneMatch(m -> m.sawSent() && m.received == 0)) break;
            Thread.sleep(1_000);
        } while (System.currentTimeMillis() < graceEnd);
        Chat.Numbers numbers = Chat.numbers(msgs);
        long healed = healedAt.get();
        List<Chat.Msg> afterHeal = msgs.stream().filter(m -> m.accepted() && healed > 0 && m.postedAt > healed).toList();
        List<Chat.Msg> liveness = afterHeal.isEmpty() ? msgs.stream().filter(Chat.Msg::accepted).toList() : afterHeal;
        long liveDelivered = liveness.stream().filter(m -> m.status.equals("delivered") || m.status.equals("read")).count();
        long recover = healed > 0 && recoveredAt.get() > 0 ? Math.max(0, recoveredAt.get() - healed) : -1;
        report(String.format("%s: %s; %s; delivered %d of %d posted %s; time to recover %s", scenario, what, numbers,
                liveDelivered, liveness.size(), afterHeal.isEmpty() ? "in all" : "after the heal",
                recover < 0 ? "n/a (not all settled)" : String.format("%.1f s", recover / 1000.0)));

        List<String> problems = new ArrayList<>();
        for (Chat.Msg m : msgs) {
            if (m.received > 1) problems.add(m.text + ": arrived " + m.received + " times");
            if (!m.accepted()) continue;
            if (!m.isFinal()) problems.add(m.text + ": still " + m.status + " after its TTL (silently lost?)");
            if ((m.sawSent() || m.status.equals("delivered") || m.status.equals("read")) && m.received != 1) {
                problems.add(m.text + ": sender saw " + m.seen + " but it arrived " + m.received + " times");
            }
        }
        assertThat(numbers.accepted()).as("messages accepted by the gateways during " + scenario).isGreaterThanOrEqualTo(10);
        assertThat(problems).as(scenario + " delivery problems").isEmpty();
        assertThat(2 * liveDelivered).as("%s: delivered %d of %d messages posted %s", scenario, liveDelivered, liveness.size(),
                afterHeal.isEmpty() ? "during the scenario" : "after the heal").isGreaterThanOrEqualTo(liveness.size());
    }

    /** Sets {@code recoveredAt} the first time every message posted before the heal has settled. */
    void checkRecovered(String scenario, AtomicLong healedAt, AtomicLong recoveredAt) {
        long healed = healedAt.get();
        if (healed == 0 || recoveredAt.get() != 0) return;
        boolean settled = chat.of(scenario).stream().filter(m -> m.accepted() && m.postedAt <= healed).allMatch(Chat.Msg::isFinal);
        if (settled) recoveredAt.set(System.currentTimeMillis());
    }

    long awaitFormed(long deadline) throws Exception {
        int need = (int) Math.ceil(0.95 * RELAYS);
        while (System.currentTimeMillis() < deadline) {
            boolean all = true;
            for (NetNode n : nodes) {
                if (!(n.metric("parley_discovery_relays_known") >= need)) {
                    all = false;
                    break;
                }
            }
            if (all) return System.currentTimeMillis();
            Thread.sleep(500);
        }
        return -1;
    }

    static String addContact(NetNode n, String invite, String name) throws IOException {
        NetNode.Reply r = n.post("/v1/contacts", NetNode.JSON.createObjectNode().put("invite", invite).put("name", name).toString());
        assertThat(r.status()).as(n + " adds " + name + ": " + r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    static int status(NetNode n, String path) {
        try {
            return n.get(path).status();
        } catch (IOException e) {
            return 0;
        }
    }

    static void awaitTrue(String what, BooleanSupplier c, long deadline) throws InterruptedException {
        while (!c.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(500);
        }
    }

    static synchronized void report(String line) {
        System.out.println("NETNS " + line);
        try {
            Files.createDirectories(RESULTS.toAbsolutePath().getParent());
            Files.writeString(RESULTS, java.time.Instant.now() + " " + line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("NETNS cannot write " + RESULTS + ": " + e.getMessage());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
