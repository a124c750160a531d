package org.parley.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A short routing run (4 relays, 2 s phases) through the command line, checked through its JSON. */
class RoutingBenchTest {
    @Test
    void aShortRoutingRunWritesPositiveNumbersToItsJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out/routing.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = BenchMain.run(new String[]{"--mode", "routing", "--nodes", "4", "--circuits", "2", "--hops", "3",
                "--duration", "2", "--builds", "20", "--sends", "3", "--json", json.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(printed).isZero();
        assertThat(printed).contains("circuit build (20 builds)").contains("cells/s");

        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("mode").asText()).isEqualTo("routing");
        assertThat(j.path("parameters").path("nodes").asInt()).isEqualTo(4);
        assertThat(j.path("parameters").path("hops").asInt()).isEqualTo(3);
        assertThat(j.path("circuitBuild").path("count").asLong()).isEqualTo(20);
        for (String f : new String[]{"p50Ms", "p90Ms", "p99Ms", "maxMs"}) {
            assertThat(j.path("circuitBuild").path(f).asDouble()).as(f).isPositive();
        }
        assertThat(j.path("circuitBuild").path("p50Ms").asDouble()).isLessThanOrEqualTo(j.path("circuitBuild").path("p99Ms").asDouble());
        for (String phase : new String[]{"throughput", "middleRelay"}) {
            JsonNode t = j.path(phase);
            assertThat(t.path("cellsSent").asLong()).as(phase).isPositive();
            assertThat(t.path("busiestRelayCellsPerSecond").asLong()).as(phase).isPositive();
            assertThat(t.path("payloadMBPerSecond").asDouble()).as(phase).isPositive();
            assertThat(t.path("circuitsStillOpenAtEnd").asLong()).as(phase).isEqualTo(2);
        }
        assertThat(j.path("middleRelay").path("middleCellsPerSecond").asLong()).isPositive();
        assertThat(j.path("inboxSends").path("stored").asInt()).isEqualTo(3);
        assertThat(j.path("inboxSends").path("received").asInt()).isEqualTo(3);
        assertThat(j.path("inboxSends").path("p50Ms").asDouble()).isPositive();
    }

    @Test
    void usageErrorsExitWithTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(BenchMain.run(new String[]{"--mode", "routing", "--hops", "1"}, o, e)).isEqualTo(2);
        assertThat(BenchMain.run(new String[]{"--mode", "routing", "--nodes", "x"}, o, e)).isEqualTo(2);
        assertThat(BenchMain.run(new String[]{"--mode", "routing", "--users", "2"}, o, e)).isEqualTo(2);
        assertThat(BenchMain.run(new String[]{"--mode", "nope"}, o, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--hops must be 2..4").contains("needs a whole number, got 'x'")
                .contains("unknown option '--users' for --mode routing").contains("unknown mode 'nope'");
    }
}
