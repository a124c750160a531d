package org.parley.verticles.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line in-process: exit codes and messages for bad input. */
class CliTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ParleyCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpDescribesEveryCommand() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("node", "vectors", "decentralized");
        Result node = run("node", "--help");
        assertThat(node.code()).isZero();
        assertThat(node.out()).contains("--data-dir", "--gateway-port", "--peer-port", "--bootstrap", "--cluster", "--cluster-members", "--only");
    }

    @Test
    void unknownFlagIsExit2NamingTheFlag() {
        Result r = run("node", "--gatway-port", "1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--gatway-port");
    }

    @Test
    void badPortIsExit2NamingTheKeyAndExpectedForm(@TempDir Path dir) {
        Result r = run("node", "--data-dir", dir.toString(), "--gateway-port", "99999");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("gateway.port").contains("an integer from 0 to 65535");
        Result only = run("node", "--data-dir", dir.toString(), "--only", "routing,warp");
        assertThat(only.code()).isEqualTo(2);
        assertThat(only.err()).contains("warp");
    }

    @Test
    void badConfigFileIsExit2(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "gateway:\n  port: [1, 2]\n");
        Result r = run("node", "--config", f.toString(), "--data-dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("gateway.port");
    }

    @Test
    void portInUseIsExit1SayingWhichPortAndWhatToDo(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Result r = run("node", "--data-dir", dir.toString(), "--gateway-port", String.valueOf(taken.getLocalPort()), "--peer-port", "0");
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains(String.valueOf(taken.getLocalPort())).contains("--gateway-port");
        }
    }

    @Test
    void vectorsOfAnUnknownKindIsExit2NamingTheKind(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("v.json");
        Files.writeString(f, "{\"kind\": \"teleport-v9\", \"vectors\": []}");
        Result r = run("vectors", f.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("teleport-v9");
        assertThat(r.out()).contains("0 passed, 0 failed");
        Files.writeString(f, "{not json");
        assertThat(run("vectors", f.toString()).code()).isEqualTo(2);
    }
}
