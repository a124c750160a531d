package org.parley.verticles.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.verticles.node.Http;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** `parley testnet --processes --json` as a real process: one JVM per node, a JSON table, clean stop on SIGTERM. */
@Tag("testnet")
class TestnetCommandIT {
    @Test
    void startsOneJvmPerNodeWritesTheTableAndStopsThemAll(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("net.json");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), ParleyCli.class.getName(),
                "testnet", "--nodes", "3", "--users", "1", "--processes", "--data-dir", dir.resolve("net").toString(),
                "--json", json.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(dir.resolve("out.txt").toFile()).start();
        try {
            long end = System.currentTimeMillis() + 150_000;
            while (!Files.exists(json) && p.isAlive() && System.currentTimeMillis() < end) Thread.sleep(200);
            assertThat(json).exists();
            JsonNode table = new ObjectMapper().readTree(json.toFile());
            assertThat(table.size()).isEqualTo(4);
            List<String> roles = new ArrayList<>();
            for (JsonNode n : table) {
                roles.add(n.get("role").asText());
                assertThat(n.get("id").asText()).matches("[0-9a-f]{64}");
                assertThat(n.get("peerPort").asInt()).isPositive();
                assertThat(Http.get("http://127.0.0.1:" + n.get("gatewayPort").asInt() + "/ready").statusCode()).isEqualTo(200);
                assertThat(Http.get("http://127.0.0.1:" + n.get("gatewayPort").asInt() + "/metrics").body()).contains("parley_");
                String me = "http://127.0.0.1:" + n.get("gatewayPort").asInt() + "/v1/me";
                if (n.get("role").asText().equals("user")) {
                    assertThat(n.get("token").asText()).isNotBlank();
                    assertThat(Http.get(me).statusCode()).isEqualTo(401); // the client API, behind its token
                } else {
                    assertThat(n.has("token") && !n.get("token").isNull()).isFalse();
                    assertThat(Http.get(me).statusCode()).isEqualTo(404); // relay-only: no account, no client API
                    assertThat(Http.get("http://127.0.0.1:" + n.get("gatewayPort").asInt() + "/ready").body())
                            .contains("routing", "discovery", "storage").doesNotContain("delivery");
                }
            }
            assertThat(roles).containsExactly("relay", "relay", "relay", "user");
            assertThat(Files.readString(dir.resolve("out.txt"))).contains("NAME", "relay-00", "user-01");
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            for (JsonNode n : table) {
                int port = n.get("gatewayPort").asInt();
                assertThat(portClosed(port)).as("node %s stopped", n.get("name").asText()).isTrue();
            }
        } finally {
            p.destroyForcibly();
        }
    }

    static boolean portClosed(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }
}
