package org.parley.verticles.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.parley.core.ParleyException;
import org.parley.core.vectors.VectorResult;
import org.parley.core.vectors.VectorSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "vectors", mixinStandardHelpOptions = true,
        description = {"Runs conformance vector files (the layout of shared/vectors/*.json) against Parley's implementation.",
                "Dispatches on each file's 'kind'; prints one line per vector and a final 'N passed, M failed'.",
                "Exit 0 if all passed, 1 if any failed, 2 if a file cannot be read or its kind is not implemented."})
public final class VectorsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "vector files (JSON)")
    List<Path> files;

    /** Every kind some module implements, with its suite. */
    public static Map<String, VectorSuite> suites() {
        Map<String, VectorSuite> m = new TreeMap<>();
        for (VectorSuite s : ServiceLoader.load(VectorSuite.class)) {
            for (String k : s.kinds()) m.put(k, s);
        }
        return m;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, VectorSuite> suites = suites();
        int passed = 0;
        int failed = 0;
        boolean unusable = false;
        for (Path f : files) {
            JsonNode root;
            try {
                root = JSON.readTree(f.toFile());
            } catch (IOException e) {
                err.println("parley vectors: cannot read " + f + ": " + e.getMessage().split("\n")[0]);
                unusable = true;
                continue;
            }
            String kind = root == null || root.get("kind") == null ? null : root.get("kind").asText();
            if (kind == null) {
                err.println("parley vectors: " + f + " has no 'kind' field");
                unusable = true;
                continue;
            }
            VectorSuite suite = suites.get(kind);
            if (suite == null) {
                err.println("parley vectors: " + f + ": kind '" + kind + "' is not implemented (implemented: "
                        + String.join(", ", suites.keySet()) + ")");
                unusable = true;
                continue;
            }
            List<VectorResult> results;
            try {
                results = suite.run(kind, root);
            } catch (ParleyException e) {
                err.println("parley vectors: " + f + ": " + e.getMessage());
                unusable = true;
                continue;
            }
            for (VectorResult r : results) {
                if (r.passed()) {
                    passed++;
                    out.println("PASS " + kind + " " + r.name());
                } else {
                    failed++;
                    out.println("FAIL " + kind + " " + r.name() + ": " + r.detail());
                }
            }
        }
        out.println(passed + " passed, " + failed + " failed");
        out.flush();
        if (unusable) return ParleyCli.EXIT_USAGE;
        return failed > 0 ? ParleyCli.EXIT_FAILURE : ParleyCli.EXIT_OK;
    }
}
