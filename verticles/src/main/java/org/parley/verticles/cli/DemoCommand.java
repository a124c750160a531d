package org.parley.verticles.cli;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.AddContact;
import org.parley.core.bus.DeliveryMessage.ContactView;
import org.parley.core.bus.DeliveryMessage.Contacts;
import org.parley.core.bus.DeliveryMessage.GetMe;
import org.parley.core.bus.DeliveryMessage.ListContacts;
import org.parley.core.bus.DeliveryMessage.Me;
import org.parley.verticles.config.ConfigLoader;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.gateway.GatewayToken;
import org.parley.verticles.node.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code parley demo}: a whole local network in this JVM — N relay nodes and two user nodes,
 * alice and bob, who become each other's contacts. Prints one line per user with the page's
 * address (token in the fragment) and serves until Ctrl-C. A second run on the same data dir
 * keeps identities, contacts and history.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts a local Parley network in one process: N relays plus the users alice and bob.",
                "Prints 'alice URL' and 'bob URL' (open them in two browser tabs), then serves until SIGTERM or Ctrl-C.",
                "Progress goes to stderr; stdout carries only those two lines."})
public final class DemoCommand implements Callable<Integer> {
    static final long READY_TIMEOUT_MS = 60_000;
    private static final DeliveryOptions BUS_TIMEOUT = new DeliveryOptions().setSendTimeout(30_000);

    @Spec
    CommandSpec spec;
    @Option(names = "--nodes", paramLabel = "N", defaultValue = "10", description = "relay nodes besides alice and bob (default ${DEFAULT-VALUE})")
    int nodes;
    @Option(names = "--base-port", paramLabel = "P", defaultValue = "7000",
            description = "node k gets gateway port P+2k and peer port P+2k+1 (default ${DEFAULT-VALUE}; 0 = any free ports)")
    int basePort;
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./demo-data", description = "one sub-directory per node (default ${DEFAULT-VALUE})")
    Path dataDir;

    /** The nodes started, for tests that run the command in-process. */
    final List<Node> started = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || nodes > 100) throw ParleyException.malformed("--nodes must be from 1 to 100");
        if (basePort != 0 && (basePort < 1024 || basePort + 2 * (nodes + 2) > 65535)) {
            throw ParleyException.malformed("--base-port must be 0 or leave room for " + 2 * (nodes + 2) + " ports from 1024 to 65535");
        }
        PrintStream err = System.err;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < nodes; i++) names.add(String.format("relay-%02d", i));
        names.add("alice");
        names.add("bob");
        Runnable stopAll = () -> {
            List<Node> reversed = new ArrayList<>(started);
            Collections.reverse(reversed);
            for (Node n : reversed) {
                try {
                    n.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    err.println("parley demo: a node did not stop cleanly: " + e.getMessage());
                }
            }
        };
        CountDownLatch stopped = new CountDownLatch(1);
        Signals.onTermination(() -> {
            err.println("parley demo: stopping " + started.size() + " nodes");
            stopAll.run();
            stopped.countDown();
            System.exit(0);
        });
        Map<String, Node> byName = new LinkedHashMap<>();
        try {
            err.println("parley demo: starting " + names.get(0) + " (seed) in " + dataDir.resolve(names.get(0)));
            NodeConfig seedConfig = config(names.get(0), 0, null);
            Node seed = start(seedConfig);
            byName.put(names.get(0), seed);
            String bootstrap = seedConfig.peerHost() + ":" + seed.peerPort() + "@" + seed.nodeId().hex();
            List<Future<Node>> rest = new ArrayList<>();
            for (int k = 1; k < names.size(); k++) {
                err.println("parley demo: starting " + names.get(k));
                rest.add(Node.start(config(names.get(k), k, bootstrap)).onSuccess(started::add));
            }
            for (int k = 1; k < names.size(); k++) byName.put(names.get(k), await(rest.get(k - 1), 120));
            long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
            for (Map.Entry<String, Node> e : byName.entrySet()) {
                awaitReady(e.getKey(), e.getValue(), deadline, err);
            }
            err.println("parley demo: all " + byName.size() + " nodes ready");
            Node alice = byName.get("alice");
            Node bob = byName.get("bob");
            Me aliceMe = askWhenReady(alice, new GetMe(), Me.class, deadline);
            Me bobMe = askWhenReady(bob, new GetMe(), Me.class, deadline);
            introduce(alice, "bob", bobMe.invite(), err);
            introduce(bob, "alice", aliceMe.invite(), err);
            java.io.PrintWriter out = spec.commandLine().getOut();
            for (String user : List.of("alice", "bob")) {
                String token = GatewayToken.read(dataDir.resolve(user).resolve(GatewayToken.FILE_NAME)).value();
                out.println(user + " http://127.0.0.1:" + byName.get(user).gatewayPort() + "/#token=" + token);
            }
            out.flush();
            err.println("parley demo: open the two links in two browser tabs; Ctrl-C stops everything");
        } catch (Exception | Error e) {
            stopAll.run();
            throw e;
        }
        stopped.await();
        return 0;
    }

    private NodeConfig config(String name, int k, String bootstrap) {
        Map<String, Object> flags = localFlags(dataDir, name, k, basePort, bootstrap);
        if (!name.startsWith("relay")) flags.put("delivery.name", name); // alice and bob show their names
        return ConfigLoader.load(null, Map.of(), flags);
    }

    /**
     * Settings of node {@code k} of a network on this host: its data dir, ports from
     * {@code basePort} (0 = any), its peer listener on its own loopback /24 (Linux routes all of
     * 127/8 to lo) so the DHT's per-/24 limits see distinct hosts, and the /16 path rule off, as
     * Tor's EnforceDistinctSubnets 0 on a test network.
     */
    static Map<String, Object> localFlags(Path dataDir, String name, int k, int basePort, String bootstrap) {
        Map<String, Object> flags = new LinkedHashMap<>();
        flags.put("data-dir", dataDir.resolve(name).toString());
        flags.put("gateway.port", String.valueOf(basePort == 0 ? 0 : basePort + 2 * k));
        flags.put("peer.port", String.valueOf(basePort == 0 ? 0 : basePort + 2 * k + 1));
        flags.put("peer.host", "127.0." + (k + 1) + ".1");
        flags.put("routing.distinct-subnets", "false");
        // a local network is small: ask neighbours for relay descriptors every 5 s instead of every 5 min,
        // so every node knows every relay within seconds of the last one starting
        flags.put("discovery.sync-interval-ms", "5000");
        // relay-NN nodes relay and hold inboxes for the users; they host no account and no client API
        if (name.startsWith("relay")) flags.put("node.role", NodeConfig.ROLE_RELAY);
        if (bootstrap != null) flags.put("discovery.bootstrap", bootstrap);
        return flags;
    }

    private Node start(NodeConfig cfg) throws Exception {
        Node n = await(Node.start(cfg), 120);
        started.add(n);
        return n;
    }

    static <T> T await(Future<T> f, int seconds) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ParleyException pe) throw pe;
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "a demo node failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    static void awaitReady(String name, Node n, long deadline, PrintStream err) throws Exception {
        awaitReady(name, n.gatewayPort(), deadline);
    }

    static void awaitReady(String name, int gatewayPort, long deadline) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        URI ready = URI.create("http://127.0.0.1:" + gatewayPort + "/ready");
        String last = "no answer";
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
                last = r.body();
            } catch (java.io.IOException e) {
                last = e.getMessage();
            }
            Thread.sleep(250);
        }
        throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "node " + name + " was not ready within "
                + READY_TIMEOUT_MS / 1000 + " s: " + last);
    }

    private static void introduce(Node on, String name, String invite, PrintStream err) throws Exception {
        Contacts contacts = ask(on, new ListContacts(), Contacts.class);
        for (ContactView c : contacts.contacts()) {
            if (c.name().equals(name)) {
                err.println("parley demo: " + name + " is already a contact");
                return;
            }
        }
        ask(on, new AddContact(invite, name), DeliveryMessage.ContactReply.class);
        err.println("parley demo: added " + name + " as a contact");
    }

    /** Asks again while delivery answers 503 (its account waits for inbox relays), until {@code deadline}. */
    private static <R> R askWhenReady(Node on, DeliveryMessage request, Class<R> type, long deadline) throws Exception {
        while (true) {
            try {
                return ask(on, request, type);
            } catch (ParleyException e) {
                if (System.currentTimeMillis() > deadline) throw e;
                Thread.sleep(500);
            }
        }
    }

    private static <R> R ask(Node on, DeliveryMessage request, Class<R> type) throws Exception {
        Object body = await(on.vertx().eventBus().request(Addresses.DELIVERY_API, request, BUS_TIMEOUT).map(m -> m.body()), 40);
        if (!type.isInstance(body)) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "delivery answered " + request.getClass().getSimpleName()
                    + " with " + (body == null ? "nothing" : body.getClass().getSimpleName()));
        }
        return type.cast(body);
    }
}
