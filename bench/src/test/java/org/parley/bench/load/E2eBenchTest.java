package org.parley.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A tiny e2e run (6 relays, 2 users, 20 messages) through the command line, checked through its JSON and HTML. */
class E2eBenchTest {
    @Test
    void aTinyEndToEndRunDeliversEveryMessageOnceAndReportsIt(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out/e2e.json");
        Path html = dir.resolve("out/e2e.html");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = BenchMain.run(new String[]{"--nodes", "6", "--users", "2", "--messages", "20", "--rate", "100",
                        "--warmup", "1", "--warmup-timeout", "40", "--drain", "20", "--size", "64", "--seed", "7",
                        "--hops", "3", "--cover", "30", "--json", json.toString(), "--html", html.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(printed).isZero();
        assertThat(printed).contains("parley bench --mode e2e").contains("lost 0").contains("send -> delivered at recipient");

        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("mode").asText()).isEqualTo("e2e");
        JsonNode p = j.path("parameters");
        assertThat(p.path("nodes").asInt()).isEqualTo(6);
        assertThat(p.path("users").asInt()).isEqualTo(2);
        assertThat(p.path("messages").asInt()).isEqualTo(20);
        assertThat(p.path("rate").asInt()).isEqualTo(100);
        assertThat(p.path("size").asInt()).isEqualTo(64);
        assertThat(p.path("channels").asInt()).isEqualTo(2); // one pair, both directions
        assertThat(p.path("hops").asInt()).isEqualTo(3);
        assertThat(p.path("cover_cells_per_minute").asInt()).isEqualTo(30);
        assertThat(p.path("cover_loops_per_day").asInt()).isEqualTo(30 * 1440); // --cover 30: 30 loops a minute per user too
        JsonNode userCounters = j.path("parley_counters").path("users");
        long loopsSent = userCounters.path("parley.delivery.cover.loops,outcome=sent").asLong();
        long loopsReturned = userCounters.path("parley.delivery.cover.loops,outcome=returned").asLong();
        assertThat(loopsSent).as(printed).isPositive();
        assertThat(loopsReturned).as(printed).isPositive().isLessThanOrEqualTo(loopsSent);
        assertThat(printed).contains("cover loops (all users, 43200 a day each): " + loopsSent + " sent, " + loopsReturned + " returned");
        assertThat(j.path("versions").path("java").asText()).isNotBlank();
        assertThat(j.path("sent").asLong()).isEqualTo(20);
        assertThat(j.path("stored").asLong()).isEqualTo(20);
        assertThat(j.path("delivered").asLong()).isEqualTo(20);
        assertThat(j.path("receipts").asLong()).isEqualTo(20);
        assertThat(j.path("lost").asLong()).isZero();
        assertThat(j.path("duplicates").asLong()).isZero();
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
        // a receipt comes back after the delivery it acknowledges
        assertThat(j.path("receipt_latency_ms").path("p50").asDouble()).isGreaterThanOrEqualTo(j.path("latency_ms").path("p50").asDouble());
        JsonNode c = j.path("circuit_build_ms");
        assertThat(c.path("count").asLong()).isPositive();
        assertThat(c.path("p50").asDouble()).isPositive().isLessThanOrEqualTo(c.path("max").asDouble());
        assertThat(j.path("cpu_ms_per_msg").asDouble()).isPositive();
        assertThat(j.path("wire_bytes_per_msg").asLong()).isGreaterThan(64);
        assertThat(j.path("heap_max_mb").asDouble()).isPositive();
        assertThat(j.path("relays_between_users").asDouble()).isEqualTo(3.0); // --hops 3: 2-hop circuits on both sides
        long timelineDelivered = 0;
        for (JsonNode t : j.path("timeline")) timelineDelivered += t.path("delivered").asLong();
        assertThat(timelineDelivered).isEqualTo(20);

        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>").contains("<svg").contains("<polyline").contains("<rect")
                .doesNotContain("<script", "src=", "href=", "@import"); // nothing fetched from anywhere
        assertThat(page.split("<svg", -1)).hasSize(4); // three charts
    }

    @Test
    void badOptionsExitWithTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(BenchMain.run(new String[]{"--cover", "9000"}, o, e)).isEqualTo(2);
        assertThat(BenchMain.run(new String[]{"--mode", "e2e", "--processes", "--timeout", "5"}, o, e)).isEqualTo(2);
        assertThat(BenchMain.run(new String[]{"--timeout", "60"}, o, e)).isEqualTo(2);
        assertThat(BenchMain.run(new String[]{"--hops", "6"}, o, e)).isEqualTo(2);
        assertThat(BenchMain.run(new String[]{"--users", "1"}, o, e)).isEqualTo(2);
        assertThat(BenchMain.run(new String[]{"--builds", "3"}, o, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--cover must be 0..6000").contains("--timeout must be 10..86400 s").contains("--timeout is for --processes runs")
                .contains("--hops must be 3..5").contains("--users must be 2..50")
                .contains("unknown option '--builds' for --mode e2e");
    }
}
