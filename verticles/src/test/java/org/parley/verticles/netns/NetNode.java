package org.parley.verticles.netns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.parley.verticles.cli.ParleyCli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Parley node as its own JVM inside host {@code host} of a {@link Netns}:
 * {@code ip netns exec NS java ... ParleyCli node}, settings as {@code PARLEY_*} environment
 * variables (the node's config layering), stderr appended to {@code <data-dir>/node.log}. Every node
 * listens on the same ports (peer 9000 on its host's address, gateway 8080 on its own loopback):
 * each namespace has its own port space. The gateway is reached only from inside the namespace,
 * with {@code ip netns exec NS curl} ({@link #call}).
 */
public final class NetNode {
    public static final int PEER_PORT = 9000;
    public static final int GATEWAY_PORT = 8080;
    static final Pattern START = Pattern.compile("^node ([0-9a-f]{64}) gateway \\S+ peer \\S+ .*");
    static final ObjectMapper JSON = new ObjectMapper();

    private final Netns net;
    private final int host;
    private final String name;
    private final Path dataDir;
    private final Map<String, String> settings;
    private final List<String> jvmFlags;
    private final String classpath;
    private volatile Process process;
    private volatile CompletableFuture<String> started = new CompletableFuture<>();
    private volatile String nodeId;

    /**
     * @param settings  config keys (e.g. {@code discovery.bootstrap}) → values; data-dir, ports and peer host are set here
     * @param classpath the node JVM's class path ({@link #nodeClasspath} for one that class-data sharing accepts)
     */
    public NetNode(Netns net, int host, String name, Path dataDir, Map<String, String> settings, List<String> jvmFlags, String classpath) {
        this.net = net;
        this.host = host;
        this.name = name;
        this.dataDir = dataDir;
        this.settings = new LinkedHashMap<>(settings);
        this.settings.put("data-dir", dataDir.toString());
        this.settings.put("peer.host", net.address(host));
        this.settings.put("peer.port", String.valueOf(PEER_PORT));
        this.settings.put("gateway.port", String.valueOf(GATEWAY_PORT));
        this.jvmFlags = List.copyOf(jvmFlags);
        this.classpath = classpath;
    }

    /**
     * This JVM's class path with every directory but test-classes packed into a jar under
     * {@code dir}: the JVM's class-data sharing archives (which cut a node's start time by about
     * 40 % here) refuse non-empty directories on the class path.
     */
    public static String nodeClasspath(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> out = new ArrayList<>();
        int k = 0;
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (e.isBlank()) continue;
            Path p = Path.of(e);
            if (Files.isDirectory(p)) {
                if (p.endsWith("test-classes")) continue;
                Path jar = dir.resolve("classes-" + k++ + ".jar");
                jarDirectory(p, jar);
                out.add(jar.toString());
            } else if (Files.exists(p)) {
                out.add(e);
            }
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    private static void jarDirectory(Path root, Path jar) throws IOException {
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(jar));
             var files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new java.util.zip.ZipEntry(root.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
    }

    public String name() {
        return name;
    }

    public int host() {
        return host;
    }

    public String nodeId() {
        return nodeId;
    }

    /** {@code host:port@nodeid}, as bootstrap and inbox-relay settings take it. */
    public String peerAddress() {
        return net.address(host) + ":" + PEER_PORT + "@" + nodeId;
    }

    public boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Launches the JVM (does not wait for it); {@link #awaitStarted} reads its start line. */
    public synchronized void start() throws IOException {
        if (alive()) throw new IllegalStateException(name + " is running");
        Files.createDirectories(dataDir);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", classpath, ParleyCli.class.getName(), "node"));
        ProcessBuilder pb = net.command(host, cmd);
        for (Map.Entry<String, String> e : settings.entrySet()) {
            pb.environment().put("PARLEY_" + e.getKey().toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'), e.getValue());
        }
        pb.redirectError(ProcessBuilder.Redirect.appendTo(dataDir.resolve("node.log").toFile()));
        CompletableFuture<String> line = new CompletableFuture<>();
        started = line;
        Process p = pb.start();
        process = p;
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = out.readLine()) != null) {
                    Matcher m = START.matcher(l);
                    if (m.matches()) line.complete(m.group(1));
                }
            } catch (IOException e) {
                // process gone
            }
            line.completeExceptionally(new IOException(name + " exited before its start line (see " + dataDir.resolve("node.log") + ")"));
        }, "netnode-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits for the start line ({@code node <id> gateway ... peer ...}) and returns the node id. */
    public String awaitStarted(long timeoutMs) throws Exception {
        nodeId = started.get(timeoutMs, TimeUnit.MILLISECONDS);
        return nodeId;
    }

    /** SIGKILL: the node gets no chance to flush or say goodbye. */
    public void kill9() throws InterruptedException {
        Process p = process;
        if (p == null) return;
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM (a clean stop), SIGKILL after 10 s. */
    public void stop() throws InterruptedException {
        stop(10);
    }

    /** SIGTERM (a clean stop), SIGKILL after {@code seconds}. */
    public void stop(int seconds) throws InterruptedException {
        Process p = process;
        if (p == null) return;
        p.destroy();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    public String token() throws IOException {
        return Files.readString(dataDir.resolve("gateway.token")).strip();
    }

    /** A gateway reply: HTTP status (0 when curl got none) and body. */
    public record Reply(int status, String body) {
        public JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    /**
     * One gateway request from inside this node's namespace: {@code ip netns exec NS curl}, the bearer
     * token read from a header file (so it is not on a command line), the body on stdin.
     */
    public Reply call(String method, String path, String jsonBody, int timeoutSeconds) throws IOException {
        Path auth = dataDir.resolve("curl-auth.txt");
        if (!Files.exists(auth) && Files.exists(dataDir.resolve("gateway.token"))) {
            Files.writeString(auth, "Authorization: Bearer " + token() + "\n");
        }
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-m", String.valueOf(timeoutSeconds), "-X", method,
                "-o", "-", "-w", "\n%{http_code}"));
        if (Files.exists(auth)) cmd.addAll(List.of("-H", "@" + auth));
        if (jsonBody != null) cmd.addAll(List.of("-H", "content-type: application/json", "--data-binary", "@-"));
        cmd.add("http://127.0.0.1:" + GATEWAY_PORT + path);
        Process p = net.command(host, cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            try (OutputStream in = p.getOutputStream()) {
                if (jsonBody != null) in.write(jsonBody.getBytes(StandardCharsets.UTF_8));
            }
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            if (!p.waitFor(timeoutSeconds + 5L, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Reply(0, "curl did not finish");
            }
            String all = new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            int nl = all.lastIndexOf('\n');
            int status = Integer.parseInt(all.substring(nl + 1).strip().isEmpty() ? "0" : all.substring(nl + 1).strip());
            return new Reply(status, nl < 0 ? "" : all.substring(0, nl));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException("curl in " + net.ns(host) + ": " + e, e);
        }
    }

    public Reply get(String path) throws IOException {
        return call("GET", path, null, 15);
    }

    public Reply post(String path, String jsonBody) throws IOException {
        return call("POST", path, jsonBody, 15);
    }

    /** A metric's value from /metrics (the first sample whose name and labels start with {@code sample}), or NaN. */
    public double metric(String sample) throws IOException {
        Reply r = get("/metrics");
        if (r.status() != 200) return Double.NaN;
        for (String line : r.body().split("\n")) {
            if (line.startsWith(sample + " ") || line.startsWith(sample + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    @Override
    public String toString() {
        return name + "@" + net.address(host);
    }
}
