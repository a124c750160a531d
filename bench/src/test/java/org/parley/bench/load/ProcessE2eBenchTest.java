package org.parley.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --processes}: one JVM per node (started by {@code parley testnet --processes}), users driven
 * through their gateways. Tagged like the other multi-JVM network tests ({@code testnet}); the
 * small run takes about a minute on a 2-core machine.
 */
@Tag("testnet")
class ProcessE2eBenchTest {
    /** Node JVMs (and the testnet launcher) this JVM started, still alive. */
    private static List<ProcessHandle> parleyChildren() {
        return ProcessHandle.current().descendants()
                .filter(h -> h.info().commandLine().orElse("").contains("org.parley.verticles.cli.ParleyCli")).toList();
    }

    @Test
    void aSmallRunWithOneJvmPerNodeDeliversEveryMessageOnceAndKillsItsChildren(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("p.json");
        Path html = dir.resolve("p.html");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int code = BenchMain.run(new String[]{"--processes", "--nodes", "3", "--users", "2", "--messages", "20", "--rate", "10",
                        "--hops", "3", "--warmup", "1", "--warmup-timeout", "30", "--drain", "20", "--size", "64", "--seed", "11",
                        "--timeout", "85", "--json", json.toString(), "--html", html.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(printed).isZero();
        assertThat(seconds).isLessThan(90);
        assertThat(printed).contains("--processes (one JVM per node)").contains("lost 0");
        assertThat(parleyChildren()).as("every node JVM is gone after the run").isEmpty();

        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("mode").asText()).isEqualTo("e2e");
        assertThat(j.path("processes").asBoolean()).isTrue();
        assertThat(j.path("parameters").path("processes").asBoolean()).isTrue();
        assertThat(j.path("parameters").path("nodes").asInt()).isEqualTo(3);
        assertThat(j.path("parameters").path("users").asInt()).isEqualTo(2);
        assertThat(j.path("parameters").path("channels").asInt()).isEqualTo(2);
        assertThat(j.path("sent").asLong()).isEqualTo(20);
        assertThat(j.path("stored").asLong()).isEqualTo(20);
        assertThat(j.path("delivered").asLong()).isEqualTo(20);
        assertThat(j.path("receipts").asLong()).isEqualTo(20);
        assertThat(j.path("lost").asLong()).isZero();
        assertThat(j.path("duplicates").asLong()).isZero();
        assertThat(j.path("duplicates_in_lists").asLong()).isZero();
        assertThat(j.path("failed").asLong()).isZero();
        assertThat(j.path("throughput_msgs_per_s").asDouble()).isPositive();
        for (String h : new String[]{"latency_ms", "receipt_latency_ms"}) {
            JsonNode l = j.path(h);
            assertThat(l.path("count").asLong()).as(h).isEqualTo(20);
            assertThat(l.path("p50").asDouble()).as(h).isPositive();
            assertThat(l.path("p50").asDouble()).as(h).isLessThanOrEqualTo(l.path("p90").asDouble());
            assertThat(l.path("p90").asDouble()).as(h).isLessThanOrEqualTo(l.path("p99").asDouble());
            assertThat(l.path("p99").asDouble()).as(h).isLessThanOrEqualTo(l.path("p999").asDouble());
            assertThat(l.path("p999").asDouble()).as(h).isLessThanOrEqualTo(l.path("max").asDouble());
        }
        assertThat(j.path("receipt_latency_ms").path("p50").asDouble()).isGreaterThanOrEqualTo(j.path("latency_ms").path("p50").asDouble());
        assertThat(j.path("circuit_build_ms").path("count").asLong()).isPositive();
        assertThat(j.path("cpu_ms_per_msg").asDouble()).isPositive();
        assertThat(j.path("wire_bytes_per_msg").asLong()).isGreaterThan(64);
        assertThat(j.path("heap_max_mb").asDouble()).isPositive();
        assertThat(j.path("relays_between_users").asDouble()).isEqualTo(3.0);
        assertThat(j.path("list_read_back").path("read_errors").asInt()).isZero();
        assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains("<svg").doesNotContain("<script");
    }

    @Test
    void theOverallTimeoutEndsTheRunAndKillsEveryNodeJvm() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        // 2,000 messages at 20/s take 100 s to send: no machine finishes this within 10 s
        int code = BenchMain.run(new String[]{"--processes", "--nodes", "3", "--users", "2", "--messages", "2000", "--rate", "20", "--timeout", "10"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--timeout");
        assertThat(seconds).isLessThan(40); // 10 s + at most 15 s of SIGTERM grace
        assertThat(parleyChildren()).as("every node JVM is gone after a timeout").isEmpty();
    }
}
