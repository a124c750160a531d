package org.parley.bench.load;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Entry point of {@code bin/parley bench}: parses the options and runs one load mode. Exit codes:
 * 0 done, 1 the run failed, 2 bad usage (or a mode not implemented yet).
 *
 * <pre>
 * bin/parley bench --mode routing [--nodes 6] [--circuits 8] [--hops 3] [--duration 10]
 *                  [--builds 200] [--sends 20] [--crypto cgo|tor1] [--json FILE]
 * </pre>
 */
public final class BenchMain {
    static final String USAGE = String.join("\n",
            "usage: parley bench --mode routing|e2e [options]",
            "  --mode routing     a network of real nodes in this JVM (TLS links on loopback): circuit build",
            "                     latency, parallel-circuit throughput, one middle relay's rate, inbox sends",
            "  --mode e2e         (not implemented yet)",
            "  --nodes N          relay nodes to start (default 6, at least hops)",
            "  --circuits C       parallel circuits in the throughput phases (default 8)",
            "  --hops H           hops per circuit, 2..4 (default 3)",
            "  --duration S       seconds per throughput phase (default 10)",
            "  --builds B         circuit builds timed (default 200)",
            "  --sends N          envelopes sent to an inbox opened by a recipient node (default 20)",
            "  --crypto cgo|tor1  relay crypto the bench client asks for (default cgo, as nodes do)",
            "  --json FILE        also write the numbers and parameters as JSON",
            "  -h, --help         this text");

    private BenchMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs with {@code args}; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String mode = null;
        RoutingBench.Params p = RoutingBench.Params.defaults();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    case "--mode" -> mode = value(args, ++i, a).toLowerCase(Locale.ROOT);
                    case "--nodes" -> p = p.withNodes(intValue(args, ++i, a));
                    case "--circuits" -> p = p.withCircuits(intValue(args, ++i, a));
                    case "--hops" -> p = p.withHops(intValue(args, ++i, a));
                    case "--duration" -> p = p.withDurationSeconds(intValue(args, ++i, a));
                    case "--builds" -> p = p.withBuilds(intValue(args, ++i, a));
                    case "--sends" -> p = p.withSends(intValue(args, ++i, a));
                    case "--json" -> p = p.withJson(Path.of(value(args, ++i, a)));
                    case "--crypto" -> p = p.withCrypto(crypto(value(args, ++i, a)));
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (mode == null) throw new IllegalArgumentException("--mode is required");
            p.validate();
        } catch (IllegalArgumentException e) {
            err.println("parley bench: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        switch (mode) {
            case "e2e" -> {
                err.println("e2e mode not implemented yet");
                return 2;
            }
            case "routing" -> {
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
            default -> {
                err.println("parley bench: unknown mode '" + mode + "' (routing or e2e)");
                return 2;
            }
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
