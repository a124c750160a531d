package org.parley.verticles.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.parley.core.ParleyException;
import org.parley.verticles.config.ConfigLoader;
import org.parley.verticles.gateway.GatewayToken;
import org.parley.verticles.node.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code parley testnet}: N relay nodes (+ U user nodes) on this host, in this JVM or one JVM per
 * node ({@code --processes}), the first relay as the seed. Prints a table of nodes, writes it as
 * JSON with {@code --json}, and serves until SIGTERM or Ctrl-C, which stops every node.
 */
@Command(name = "testnet", mixinStandardHelpOptions = true,
        description = {"Starts a test network on this host: N relays (+ U user nodes), in one JVM or one JVM per node.",
                "Prints a table of nodes (name, id, role, ports, data dir); --json FILE writes it for scripts once all nodes are up.",
                "Every node serves /health, /ready and /metrics on its gateway port. Ctrl-C or SIGTERM stops all of them."})
public final class TestnetCommand implements Callable<Integer> {
    static final Pattern START = Pattern.compile("^node ([0-9a-f]{64}) gateway http://[^:]+:(\\d+) peer [^ ]+:(\\d+) .*");

    @Spec
    CommandSpec spec;
    @Option(names = "--nodes", paramLabel = "N", defaultValue = "5", description = "relay nodes (default ${DEFAULT-VALUE})")
    int nodes;
    @Option(names = "--users", paramLabel = "U", defaultValue = "0", description = "user nodes besides the relays (default ${DEFAULT-VALUE})")
    int users;
    @Option(names = "--processes", description = "one JVM per node instead of all in this JVM")
    boolean processes;
    @Option(names = "--base-port", paramLabel = "P", defaultValue = "0",
            description = "node k gets gateway port P+2k and peer port P+2k+1 (default ${DEFAULT-VALUE} = any free ports)")
    int basePort;
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./testnet-data", description = "one sub-directory per node (default ${DEFAULT-VALUE})")
    Path dataDir;
    @Option(names = "--json", paramLabel = "FILE", description = "write the node table as a JSON array once all nodes are started")
    Path json;

    /** One started node, as the table and the JSON show it. */
    public record Entry(String name, String id, String role, int peerPort, int gatewayPort, String dataDir, String token) {}

    private final List<Node> inJvm = Collections.synchronizedList(new ArrayList<>());
    private final List<Process> children = Collections.synchronizedList(new ArrayList<>());
    /** The class-data sharing archive children start with, once written (null: none). */
    private volatile Path sharedArchive;

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || nodes > 200) throw ParleyException.malformed("--nodes must be from 1 to 200");
        if (users < 0 || users > 50) throw ParleyException.malformed("--users must be from 0 to 50");
        if (basePort != 0 && (basePort < 1024 || basePort + 2 * (nodes + users) > 65535)) {
            throw ParleyException.malformed("--base-port must be 0 or leave room for " + 2 * (nodes + users) + " ports below 65536");
        }
        PrintStream err = System.err;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < nodes; i++) names.add(String.format("relay-%02d", i));
        for (int i = 1; i <= users; i++) names.add(String.format("user-%02d", i));
        CountDownLatch stopped = new CountDownLatch(1);
        Signals.onTermination(() -> {
            err.println("parley testnet: stopping " + (inJvm.size() + children.size()) + " nodes");
            stopAll(err);
            stopped.countDown();
            System.exit(0);
        });
        List<Entry> table = new ArrayList<>();
        try {
            // one JVM per node: N JVMs start at once on this host's cores, which takes a while
            long deadline = System.currentTimeMillis() + (processes ? 300_000 : 120_000);
            // with the shaded jar, node JVMs map their classes from an archive (written by a throw-away
            // node while the seed starts, kept in the data dir for later runs): ~1 s less CPU each
            Path jsa = processes ? NodeJvmArchive.path(dataDir.toAbsolutePath(), System.getProperty("java.class.path"),
                    System.getProperty("java.home"), System.getProperty("java.version")) : null;
            CompletableFuture<Boolean> archive = CompletableFuture.completedFuture(jsa != null && Files.isRegularFile(jsa));
            if (jsa != null && !Files.isRegularFile(jsa)) {
                Files.createDirectories(jsa.getParent());
                Map<String, Object> dumpFlags = DemoCommand.localFlags(jsa.getParent(), "dump", 0, 0, null);
                // the archive holds what the throw-away node loaded: a relay's classes when only relays
                // will use it (a relay starts in less CPU), a user node's (a superset) otherwise
                if (users == 0) dumpFlags.put("node.role", org.parley.verticles.config.NodeConfig.ROLE_RELAY);
                Map<String, String> env = childEnv(dumpFlags);
                archive = CompletableFuture.supplyAsync(() -> NodeJvmArchive.write(jsa, childJvm(), childMain(), env,
                        jsa.getParent().resolve("dump"), 120_000));
            }
            Entry seed = start(names.get(0), 0, null, deadline);
            table.add(seed);
            sharedArchive = archive.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS) ? jsa : null;
            String bootstrap = "127.0.1.1:" + seed.peerPort() + "@" + seed.id();
            List<CompletableFuture<Entry>> rest = new ArrayList<>();
            for (int k = 1; k < names.size(); k++) {
                String name = names.get(k);
                int kk = k;
                rest.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return start(name, kk, bootstrap, deadline);
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }));
            }
            for (CompletableFuture<Entry> f : rest) table.add(f.get(Math.max(1, deadline - System.currentTimeMillis()) + 30_000, TimeUnit.MILLISECONDS));
            for (Entry e : table) DemoCommand.awaitReady(e.name(), e.gatewayPort(), deadline);
            print(table);
            if (json != null) {
                Path tmp = json.resolveSibling(json.getFileName() + ".tmp");
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), table);
                Files.move(tmp, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            err.println("parley testnet: " + table.size() + " nodes ready; Ctrl-C stops them");
        } catch (Exception | Error e) {
            stopAll(err);
            throw e;
        }
        stopped.await();
        return 0;
    }

    private Entry start(String name, int k, String bootstrap, long deadline) throws Exception {
        Map<String, Object> flags = DemoCommand.localFlags(dataDir, name, k, basePort, bootstrap);
        String role = name.startsWith("user") ? "user" : "relay";
        Path dir = dataDir.resolve(name);
        if (!processes) {
            Node n = DemoCommand.await(Node.start(ConfigLoader.load(null, Map.of(), flags)), 120);
            inJvm.add(n);
            return new Entry(name, n.nodeId().hex(), role, n.peerPort(), n.gatewayPort(), dir.toString(), token(role, dir));
        }
        Files.createDirectories(dir);
        List<String> cmd = childJvm();
        Path jsa = sharedArchive;
        if (jsa != null) {
            cmd.addAll(NodeJvmArchive.quietStdout());
            cmd.add("-XX:SharedArchiveFile=" + jsa);
        }
        cmd.addAll(childMain());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve("node.log").toFile());
        pb.environment().putAll(childEnv(flags));
        Process p = pb.start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (Exception e) {
                return null;
            }
        }).get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        Matcher m = line == null ? null : START.matcher(line);
        if (m == null || !m.matches()) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "node " + name + " did not start (see " + dir.resolve("node.log") + ")");
        }
        return new Entry(name, m.group(1), role, Integer.parseInt(m.group(3)), Integer.parseInt(m.group(2)), dir.toString(), token(role, dir));
    }

    /** The JVM of a child node: small heap, C1 only and the serial collector (see {@link #start}). */
    private static List<String> childJvm() {
        // small heap, C1 only and the serial collector: a node starts in about half the CPU, which is
        // what bounds starting many JVMs at once on a small machine (a testnet node is no benchmark)
        return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
    }

    private static List<String> childMain() {
        return List.of("-cp", System.getProperty("java.class.path"), ParleyCli.class.getName(), "node");
    }

    /** A child reads its settings as PARLEY_* environment variables (the config layering of every node). */
    private static Map<String, String> childEnv(Map<String, Object> flags) {
        Map<String, org.parley.verticles.config.ConfigKey> keys = org.parley.verticles.config.NodeSchema.byName();
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, Object> f : flags.entrySet()) env.put(keys.get(f.getKey()).envName(), String.valueOf(f.getValue()));
        return env;
    }

    private static String token(String role, Path dir) {
        return role.equals("user") ? GatewayToken.read(dir.resolve(GatewayToken.FILE_NAME)).value() : null;
    }

    private void print(List<Entry> table) {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-10s %-16s %-6s %-9s %-12s %s%n", "NAME", "ID", "ROLE", "PEER", "GATEWAY", "DATA DIR");
        for (Entry e : table) {
            out.printf("%-10s %-16s %-6s %-9d %-12d %s%n", e.name(), e.id().substring(0, 16), e.role(), e.peerPort(), e.gatewayPort(), e.dataDir());
        }
        out.flush();
    }

    private void stopAll(PrintStream err) {
        for (Process p : children) p.destroy();
        for (Process p : children) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        List<Node> reversed = new ArrayList<>(inJvm);
        Collections.reverse(reversed);
        for (Node n : reversed) {
            try {
                n.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                err.println("parley testnet: a node did not stop cleanly: " + e.getMessage());
            }
        }
    }
}
