package org.parley.verticles.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.verticles.node.Http;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** `parley node` as a real process: start line, /ready, SIGTERM exits 0 within 10 s, same id on restart. */
class NodeProcessIT {
    static final Pattern START = Pattern.compile("^node ([0-9a-f]{64}) gateway http://127\\.0\\.0\\.1:(\\d+) peer 127\\.0\\.0\\.1:(\\d+) .*");

    record Started(Process process, String nodeId, int gatewayPort) {}

    static Started start(Path dataDir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ParleyCli.class.getName(), "node", "--data-dir", dataDir.toString(), "--gateway-port", "0", "--peer-port", "0");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (Exception e) {
                return null;
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(line).isNotNull();
        Matcher m = START.matcher(line);
        assertThat(m.matches()).as(line).isTrue();
        return new Started(p, m.group(1), Integer.parseInt(m.group(2)));
    }

    @Test
    void startsBecomesReadyStopsOnSigtermAndKeepsItsId(@TempDir Path dir) throws Exception {
        Started first = start(dir);
        try {
            HttpResponse<String> ready = Http.awaitOk("http://127.0.0.1:" + first.gatewayPort() + "/ready", 30_000);
            assertThat(ready.statusCode()).isEqualTo(200);
            String metrics = Http.get("http://127.0.0.1:" + first.gatewayPort() + "/metrics").body();
            for (String c : List.of("storage", "routing", "discovery", "delivery", "gateway")) {
                assertThat(metrics).contains("parley_" + c + "_up 1.0");
            }
            first.process().destroy(); // SIGTERM
            assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).as("exited within 10 s").isTrue();
            assertThat(first.process().exitValue()).isZero();
        } finally {
            first.process().destroyForcibly();
        }
        Started second = start(dir);
        try {
            assertThat(second.nodeId()).isEqualTo(first.nodeId());
        } finally {
            second.process().destroy();
            second.process().waitFor(10, TimeUnit.SECONDS);
            second.process().destroyForcibly();
        }
    }
}
