package org.parley.bench.load;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Entry point of {@code bin/parley bench}: parses the options and runs one load mode. Exit codes:
 * 0 done, 1 the run failed, 2 bad usage (or an option this build cannot do).
 *
 * <pre>
 * bin/parley bench [--mode e2e] [--nodes 20] [--users 10] [--messages 3000] [--rate 1000] [--hops 4] [--cover [N]]
 *                  [--size 100] [--warmup 5] [--json FILE] [--html FILE]
 * bin/parley bench --processes [--nodes 6] [--users 4] [--messages 200] [--rate 20] [--timeout 600] ...
 * bin/parley bench --mode routing [--nodes 6] [--circuits 8] [--hops 3] [--duration 10]
 *                  [--builds 1000] [--sends 20] [--crypto cgo|tor1] [--json FILE]
 * </pre>
 */
public final class BenchMain {
    static final String USAGE = String.join("\n",
            "usage: parley bench [--mode e2e|routing] [options]",
            "  --mode e2e (default)  relays + user nodes in this JVM, users paired at random, text messages through the",
            "                        delivery API on each user node's event bus: ratchet, circuits, inbox relay, recipient,",
            "                        receipt back; latency from the intended send time (open loop)",
            "    --nodes N           relay nodes (default 20)",
            "    --users U           user nodes (default 10)",
            "    --messages M        measured messages (default 3000)",
            "    --rate R            offered msgs/s, open loop (default 1000; 0 = as fast as the API accepts)",
            "    --hops H            relays between two users, 3..5 (default 4: the sender's 2-hop circuit to the",
            "                        recipient's inbox relay, the recipient's 3-hop circuit from it)",
            "    --size B            message text bytes (default 100)",
            "    --warmup W          unrecorded messages per sender after each pair's first (default 5)",
            "    --warmup-timeout S  bound on each warm-up wait (default 60 s); pairs not through by then are left out",
            "    --drain S           bound on the wait for deliveries and receipts after the last send (default 60 s);",
            "                        what is not delivered by then counts as lost",
            "    --seed N            pairing and text seed",
            "    --json FILE         write the numbers, parameters and versions as JSON",
            "    --html FILE         write a self-contained page: latency histogram, percentiles, throughput over time",
            "    --processes         one JVM per node, started by `parley testnet --processes` (-Xmx256m, C1, serial GC);",
            "                        users driven through their gateways' /v1 REST API and /v1/events WebSocket, lost and",
            "                        duplicates also checked in the recipients' message lists. Sizes not given default to",
            "                        --nodes 6 --users 4 --messages 200 --rate 20 (a 2-core machine)",
            "    --timeout S         with --processes: hard bound on the whole run (default 600 s); every node JVM is killed",
            "                        at the end, on failure, on timeout and on Ctrl-C",
            "    --cover [N]         cover traffic on every user node: N dummy-cell slots a minute and N loop messages a",
            "                        minute through its own inbox (at most 100,000 a day) (default 60)",
            "  --mode routing        relays in this JVM (TLS links on loopback): circuit build latency,",
            "                        parallel-circuit throughput, one middle relay's rate, inbox sends",
            "    --nodes N           relay nodes to start (default 6, at least hops)",
            "    --circuits C        parallel circuits in the throughput phases (default 8)",
            "    --hops H            hops per circuit, 2..4 (default 3)",
            "    --duration S        seconds per throughput phase (default 10)",
            "    --builds B          circuit builds timed (default 1000, after 10 % more as JIT warm-up)",
            "    --sends N           envelopes sent to an inbox opened by a recipient node (default 20)",
            "    --crypto cgo|tor1   relay crypto the bench client asks for (default cgo, as nodes do)",
            "    --json FILE         also write the numbers and parameters as JSON",
            "  -h, --help            this text");

    private BenchMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs with {@code args}; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String mode = "e2e";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-h") || args[i].equals("--help")) {
                out.println(USAGE);
                return 0;
            }
            if (args[i].equals("--mode") && i + 1 < args.length) mode = args[i + 1].toLowerCase(Locale.ROOT);
        }
        return switch (mode) {
            case "e2e" -> e2e(args, out, err);
            case "routing" -> routing(args, out, err);
            default -> {
                err.println("parley bench: unknown mode '" + mode + "' (e2e or routing)");
                yield 2;
            }
        };
    }

    private static int e2e(String[] args, PrintStream out, PrintStream err) {
        E2eBench.Params p = E2eBench.Params.defaults();
        boolean processes = java.util.Arrays.asList(args).contains("--processes");
        int timeout = ProcessE2eBench.DEFAULT_TIMEOUT_SECONDS;
        if (processes) {
            // sizes for one JVM per node on a small machine; the command line overrides each of them below
            p = p.with("--nodes", String.valueOf(ProcessE2eBench.DEFAULT_NODES)).with("--users", String.valueOf(ProcessE2eBench.DEFAULT_USERS))
                    .with("--messages", String.valueOf(ProcessE2eBench.DEFAULT_MESSAGES)).with("--rate", String.valueOf(ProcessE2eBench.DEFAULT_RATE));
        }
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--mode" -> i++;
                    case "--processes" -> {
                    }
                    case "--timeout" -> {
                        if (!processes) throw new IllegalArgumentException("--timeout is for --processes runs");
                        timeout = intValue(args, ++i, a);
                        if (timeout < 10 || timeout > 86_400) throw new IllegalArgumentException("--timeout must be 10..86400 s");
                    }
                    case "--cover" -> {
                        // optional value: cell slots a minute per user (default 60)
                        String v = i + 1 < args.length && args[i + 1].matches("\\d+") ? args[++i] : "60";
                        p = p.with("--cover", v);
                    }
                    default -> p = p.with(a, value(args, ++i, a));
                }
            }
            p.validate();
        } catch (IllegalArgumentException e) {
            err.println("parley bench: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            E2eResult r = processes ? new ProcessE2eBench(p, timeout, err).run() : new E2eBench(p, err).run();
            out.print(r.summary());
            if (p.json() != null) {
                r.writeJson(p.json());
                out.println("JSON written to " + p.json());
            }
            if (p.html() != null) {
                r.writeHtml(p.html());
                out.println("HTML written to " + p.html());
            }
            return 0;
        } catch (Exception e) {
            err.println("parley bench: the e2e run failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static int routing(String[] args, PrintStream out, PrintStream err) {
        RoutingBench.Params p = RoutingBench.Params.defaults();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--mode" -> i++;
                    case "--nodes" -> p = p.withNodes(intValue(args, ++i, a));
                    case "--circuits" -> p = p.withCircuits(intValue(args, ++i, a));
                    case "--hops" -> p = p.withHops(intValue(args, ++i, a));
                    case "--duration" -> p = p.withDurationSeconds(intValue(args, ++i, a));
                    case "--builds" -> p = p.withBuilds(intValue(args, ++i, a));
                    case "--sends" -> p = p.withSends(intValue(args, ++i, a));
                    case "--json" -> p = p.withJson(Path.of(value(args, ++i, a)));
                    case "--crypto" -> p = p.withCrypto(crypto(value(args, ++i, a)));
                    default -> throw new IllegalArgumentException("unknown option '" + a + "' for --mode routing");
                }
            }
            p.validate();
        } catch (IllegalArgumentException e) {
            err.println("parley bench: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            RoutingBench.Result r = new RoutingBench(p, err).run();
            out.print(r.summary());
            if (p.json() != null) {
                r.writeJson(p.json());
                out.println("JSON written to " + p.json());
            }
            return 0;
        } catch (Exception e) {
            err.println("parley bench: the routing run failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }

    private static org.parley.routing.circuit.RelayCryptoKind crypto(String v) {
        for (org.parley.routing.circuit.RelayCryptoKind k : org.parley.routing.circuit.RelayCryptoKind.values()) {
            if (k.name().equalsIgnoreCase(v)) return k;
        }
        throw new IllegalArgumentException("--crypto must be cgo or tor1, got '" + v + "'");
    }

    private static int intValue(String[] args, int i, String option) {
        String v = value(args, i, option);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + v + "'");
        }
    }
}
