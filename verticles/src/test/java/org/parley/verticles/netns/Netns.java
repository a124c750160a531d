package org.parley.verticles.netns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

/**
 * Test hosts on one Linux machine: one network namespace per host, each with a veth pair to a
 * Linux bridge inside a dedicated bridge namespace. Host {@code i} is namespace
 * {@code pnj<pid>-NN} with address {@code 10.77.X.(i+1)/24} on its {@code eth0}; its bridge port
 * is {@code pI} in {@code pnj<pid>-sw} (pid: this JVM's, so test runs of several worktrees at once
 * keep apart; X: the first 10.77.X.0/24 from 1 that no run holds). The /24 exists only inside
 * these namespaces, and a blackhole route for it in the root namespace (added before anything
 * else, metric = pid, removed last) drops anything a mistake would send to it from the root
 * namespace, so no test packet can leave the machine.
 *
 * <p>Every process of a test — nodes and clients alike — runs under {@code ip netns exec}
 * ({@link #command}). Faults: {@link #cut}/{@link #heal} a host's link, {@link #dropFrom} (one-way,
 * nftables inside the receiving namespace), {@link #partition} (two-way), {@link #loss} (random
 * loss on both directions of a host's link), latency through {@link DelayRelay}. The kernel here
 * has no {@code tc netem}.
 *
 * <p>{@link #close} kills every process left in the namespaces, deletes the namespaces and the
 * route; a shutdown hook does the same if the JVM ends early, and {@link #create} first removes
 * leftovers of runs that died ({@code pnj<pid>-*} namespaces and routes whose pid is gone).
 */
public final class Netns implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Netns.class);
    public static final String PREFIX = "pnj";
    private static final long PID = ProcessHandle.current().pid();
    private static final Pattern OURS = Pattern.compile("^" + PREFIX + "(\\d+)-\\S+$");
    private static final Pattern ROUTE = Pattern.compile("^blackhole (10\\.77\\.(\\d+)\\.0/24)(?: .*metric (\\d+))?.*$");

    /** Namespaces of this run: {@code pnj<pid>-NN}, so runs of several worktrees at once do not touch each other's. */
    private final String prefix = PREFIX + PID;
    private final String subnet;
    private final String sw = prefix + "-sw";

    private final int hosts;
    private final Thread hook;
    private volatile boolean closed;

    private Netns(int hosts, String subnet) {
        this.hosts = hosts;
        this.subnet = subnet;
        this.hook = new Thread(this::teardown, "netns-cleanup");
    }

    /** Why namespace tests cannot run here, or empty when they can (Linux, root, iproute2 that can add a namespace). */
    public static Optional<String> unavailable() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) return Optional.of("network namespaces need Linux");
        if (!isRoot()) return Optional.of("network namespaces need root (run the tests as root)");
        if (which("ip").isEmpty()) return Optional.of("iproute2 'ip' is not installed");
        if (which("curl").isEmpty()) return Optional.of("curl is not installed (the test's clients run as 'ip netns exec NS curl')");
        try {
            run(List.of("ip", "netns", "del", PREFIX + "-probe"), 10);
            Result add = run(List.of("ip", "netns", "add", PREFIX + "-probe"), 10);
            run(List.of("ip", "netns", "del", PREFIX + "-probe"), 10);
            if (add.code != 0) return Optional.of("'ip netns add' fails here: " + add.err.strip());
        } catch (IOException e) {
            return Optional.of("cannot run ip: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Why nftables faults (one-way partitions, loss) cannot run here, or empty. */
    public static Optional<String> nftUnavailable() {
        return which("nft").isEmpty() ? Optional.of("nftables 'nft' is not installed (apt-get install nftables)") : Optional.empty();
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[1].equals("0");
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static Optional<Path> which(String tool) {
        List<String> dirs = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** Removes leftovers, adds the blackhole route, then the bridge namespace and {@code hosts} host namespaces. */
    public static Netns create(int hosts) throws IOException {
        if (hosts < 1 || hosts > 200) throw new IllegalArgumentException("hosts must be 1..200");
        cleanupLeftovers();
        Netns n = new Netns(hosts, freeSubnet());
        Runtime.getRuntime().addShutdownHook(n.hook);
        try {
            // the route's metric is our pid: a later run knows whose it is, and removes it once we are gone
            sh("ip", "route", "add", "blackhole", n.subnet + ".0/24", "metric", String.valueOf(PID));
            sh("ip", "netns", "add", n.sw);
            sh("ip", "-n", n.sw, "link", "add", "br0", "type", "bridge");
            sh("ip", "-n", n.sw, "link", "set", "br0", "up");
            sh("ip", "-n", n.sw, "link", "set", "lo", "up");
            for (int i = 0; i < hosts; i++) {
                String ns = n.ns(i);
                sh("ip", "netns", "add", ns);
                sh("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", "p" + i, "netns", n.sw);
                sh("ip", "-n", n.sw, "link", "set", "p" + i, "master", "br0");
                sh("ip", "-n", n.sw, "link", "set", "p" + i, "up");
                sh("ip", "-n", ns, "addr", "add", n.address(i) + "/24", "dev", "eth0");
                sh("ip", "-n", ns, "link", "set", "eth0", "up");
                sh("ip", "-n", ns, "link", "set", "lo", "up");
            }
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
        LOG.info("netns: {} hosts {}.1-{} behind bridge namespace {}", hosts, n.subnet, hosts, n.sw);
        return n;
    }

    /** 10.77.X (X from 1; 10.77.0 is testnet/netns.sh's) with no blackhole route yet, i.e. no other run on it. */
    private static String freeSubnet() throws IOException {
        java.util.Set<Integer> used = new java.util.HashSet<>();
        for (String line : run(List.of("ip", "route", "show", "type", "blackhole"), 10).out.split("\n")) {
            Matcher m = ROUTE.matcher(line.strip());
            if (m.matches()) used.add(Integer.parseInt(m.group(2)));
        }
        for (int x = 1; x < 255; x++) if (!used.contains(x)) return "10.77." + x;
        throw new IOException("no free 10.77.X.0/24 for a test network");
    }

    /**
     * Removes what runs that died left behind: namespaces {@code pnj<pid>-*} and blackhole routes
     * for 10.77.X.0/24 with metric {@code pid}, where that pid is no longer a live process (or is us).
     */
    public static void cleanupLeftovers() throws IOException {
        for (String name : listNamespaces()) {
            Matcher m = OURS.matcher(name);
            if (m.matches() && deadOrUs(Long.parseLong(m.group(1)))) deleteNamespace(name);
        }
        for (String line : run(List.of("ip", "route", "show", "type", "blackhole"), 10).out.split("\n")) {
            Matcher m = ROUTE.matcher(line.strip());
            if (m.matches() && m.group(3) != null && deadOrUs(Long.parseLong(m.group(3)))) {
                run(List.of("ip", "route", "del", "blackhole", m.group(1), "metric", m.group(3)), 10);
            }
        }
    }

    private static boolean deadOrUs(long pid) {
        return pid == PID || ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }

    private static List<String> listNamespaces() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : run(List.of("ip", "netns", "list"), 10).out.split("\n")) {
            String name = line.strip().split("\\s+")[0];
            if (!name.isEmpty()) out.add(name);
        }
        return out;
    }

    private static void deleteNamespace(String name) throws IOException {
        Result pids = run(List.of("ip", "netns", "pids", name), 10);
        for (String pid : pids.out.split("\\s+")) {
            if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (String pid : pids.out.split("\\s+")) {
            if (pid.isBlank()) continue;
            ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(h -> {
                try {
                    h.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.warn("netns: process {} in {} did not exit after SIGKILL", h.pid(), name);
                }
            });
        }
        run(List.of("ip", "netns", "del", name), 10);
    }

    public int hosts() {
        return hosts;
    }

    public String ns(int i) {
        return String.format("%s-%02d", prefix, i);
    }

    public String address(int i) {
        return subnet + "." + (i + 1);
    }

    /** {@code ip netns exec <ns of host i> cmd...}: {@code ip} enters the namespace and execs the command, so the pid is the command's. */
    public ProcessBuilder command(int i, List<String> cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns(i)));
        full.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(full);
        pb.environment().keySet().removeIf(k -> k.startsWith("PARLEY_"));
        return pb;
    }

    /** Runs a command in host i to completion (bounded), returning its exit code and output. */
    public Result exec(int i, int timeoutSeconds, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns(i)));
        full.addAll(List.of(cmd));
        return run(full, timeoutSeconds);
    }

    /** Takes host i's link down at its bridge port: nothing in or out until {@link #heal}. */
    public void cut(int i) throws IOException {
        sh("ip", "-n", sw, "link", "set", "p" + i, "down");
    }

    public void heal(int i) throws IOException {
        sh("ip", "-n", sw, "link", "set", "p" + i, "up");
    }

    /** One-way: host i drops every packet arriving from the given hosts (they still receive what i sends). */
    public void dropFrom(int i, Collection<Integer> sources) throws IOException {
        StringBuilder rules = new StringBuilder(chaosTable());
        for (int s : sources) rules.append("add rule inet chaos input ip saddr ").append(address(s)).append(" drop\n");
        nft(i, rules.toString());
    }

    /** Two-way partition: no packet between a host of {@code a} and a host of {@code b}. */
    public void partition(Collection<Integer> a, Collection<Integer> b) throws IOException {
        for (int i : a) dropFrom(i, b);
        for (int i : b) dropFrom(i, a);
    }

    /** Host i drops {@code percent} % of the packets on its link ({@code eth0}, not loopback) at random, both directions (nftables numgen). */
    public void loss(int i, int percent) throws IOException {
        if (percent < 0 || percent > 100) throw new IllegalArgumentException("percent");
        String match = percent == 100 ? "" : "numgen random mod 100 < " + percent + " ";
        nft(i, chaosTable()
                + "add rule inet chaos input iifname \"eth0\" " + match + "drop\n"
                + "add rule inet chaos output oifname \"eth0\" " + match + "drop\n");
    }

    /** Removes every nftables fault of host i. */
    public void clearRules(int i) throws IOException {
        run(List.of("ip", "netns", "exec", ns(i), "nft", "delete", "table", "inet", "chaos"), 10);
    }

    /** The rules of host i, as {@code nft list ruleset} prints them. */
    public String rules(int i) throws IOException {
        return run(List.of("ip", "netns", "exec", ns(i), "nft", "list", "ruleset"), 10).out;
    }

    private static String chaosTable() {
        return "add table inet chaos\n"
                + "add chain inet chaos input { type filter hook input priority 0; policy accept; }\n"
                + "add chain inet chaos output { type filter hook output priority 0; policy accept; }\n";
    }

    private void nft(int i, String script) throws IOException {
        Path f = Files.createTempFile("pnj-nft", ".nft");
        try {
            Files.writeString(f, script);
            sh("ip", "netns", "exec", ns(i), "nft", "-f", f.toString());
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** This run's subnet, e.g. {@code 10.77.1} (hosts are .1, .2, ...). */
    public String subnet() {
        return subnet;
    }

    /** Whether the root namespace has this run's blackhole route. */
    public boolean blackholeRoutePresent() throws IOException {
        return run(List.of("ip", "route", "show", "type", "blackhole"), 10).out.contains(subnet + ".0/24 metric " + PID);
    }

    /** This run's namespaces that exist now. */
    public List<String> namespaces() throws IOException {
        List<String> out = new ArrayList<>();
        for (String name : listNamespaces()) if (name.startsWith(prefix + "-")) out.add(name);
        return out;
    }

    /** The bridge namespace's name. */
    public String bridgeNamespace() {
        return sw;
    }

    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void teardown() {
        if (closed) return;
        closed = true;
        try {
            for (int i = 0; i < hosts; i++) deleteNamespace(ns(i));
            deleteNamespace(sw);
            run(List.of("ip", "route", "del", "blackhole", subnet + ".0/24", "metric", String.valueOf(PID)), 10);
            LOG.info("netns: removed {} hosts, the bridge namespace and the blackhole route", hosts);
        } catch (IOException e) {
            LOG.warn("netns: cleanup failed: {}", e.getMessage());
        }
    }

    /** Exit code and output of a finished command. */
    public record Result(int code, String out, String err) {}

    static void sh(String... cmd) throws IOException {
        Result r = run(List.of(cmd), 30);
        if (r.code != 0) throw new IOException(String.join(" ", cmd) + " failed (" + r.code + "): " + r.err.strip());
    }

    static Result run(List<String> cmd, int timeoutSeconds) throws IOException {
        Process p = new ProcessBuilder(cmd).start();
        try {
            p.getOutputStream().close();
            var out = p.getInputStream();
            var err = p.getErrorStream();
            var outF = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(out));
            var errF = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(err));
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": no exit within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), outF.get(5, TimeUnit.SECONDS), errF.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException(String.join(" ", cmd) + ": output not read: " + e, e);
        }
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
