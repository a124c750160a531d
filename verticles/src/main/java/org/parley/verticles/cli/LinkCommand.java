package org.parley.verticles.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.parley.core.ParleyException;
import org.parley.verticles.gateway.GatewayToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code parley link}: on a new node (running {@code parley node}), prints a one-time link code
 * and waits until the account's primary approves it (web page "Devices", {@code POST /v1/devices},
 * or {@code parley link --approve CODE} against the primary's gateway). Exit 0 once linked, 1 if
 * the wait ran out.
 */
@Command(name = "link", mixinStandardHelpOptions = true,
        description = {"Link this node as another device of an account (prints a one-time code, waits for the primary),",
                "or, with --approve CODE, approve a new device on the primary."})
public final class LinkCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;
    @Option(names = "--name", paramLabel = "NAME", defaultValue = "new device", description = "this device's name, shown to contacts (default ${DEFAULT-VALUE})")
    String name;
    @Option(names = "--approve", paramLabel = "CODE", description = "on the primary: approve the device that shows CODE")
    String approve;
    @Option(names = "--history", paramLabel = "N", defaultValue = "0",
            description = "with --approve: the last N messages of each conversation go to the new device, 0..200 (default ${DEFAULT-VALUE})")
    int history;
    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "600", description = "how long to wait for approval (default ${DEFAULT-VALUE})")
    int waitSeconds;
    @Option(names = "--gateway", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080", description = "the node's gateway (default ${DEFAULT-VALUE})")
    String gateway;
    @Option(names = "--token-file", paramLabel = "FILE", description = "the node's <data-dir>/gateway.token (default ./data/gateway.token)")
    Path tokenFile;

    // built in call(), not here: picocli makes an instance of every subcommand for every command
    // line, and an HttpClient starts a thread and loads the default SSL context (CA certificates)
    private HttpClient http;
    private String token;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = gateway.endsWith("/") ? gateway.substring(0, gateway.length() - 1) : gateway;
        if (!base.startsWith("http://") && !base.startsWith("https://")) throw ParleyException.malformed("--gateway must be an http:// or https:// URL");
        if (waitSeconds < 1 || waitSeconds > 86_400) throw ParleyException.malformed("--wait must be 1..86400 seconds");
        if (history < 0 || history > 200) throw ParleyException.malformed("--history must be 0..200");
        token = GatewayToken.read(tokenFile != null ? tokenFile : Path.of("data", GatewayToken.FILE_NAME)).value();
        if (approve != null) {
            JsonNode d = send(HttpRequest.newBuilder(URI.create(base + "/v1/devices")).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(JSON.createObjectNode().put("code", approve.strip()).put("history", history)))));
            out.println("approved; this account's devices:");
            print(out, d);
            return ParleyCli.EXIT_OK;
        }
        JsonNode code = send(HttpRequest.newBuilder(URI.create(base + "/v1/devices/link")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(JSON.createObjectNode().put("name", name)))));
        out.println("Link code for \"" + name + "\" (approve it on your primary device: web page > Devices, or parley link --approve CODE):");
        out.println();
        out.println(code.path("code").asText());
        out.println();
        out.println("waiting for approval (up to " + waitSeconds + " s)...");
        out.flush();
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode d = send(HttpRequest.newBuilder(URI.create(base + "/v1/devices")).GET());
            if (d.path("role").asText().equals("linked")) {
                out.println("linked; this account's devices:");
                print(out, d);
                return ParleyCli.EXIT_OK;
            }
            Thread.sleep(1_000);
        }
        spec.commandLine().getErr().println("parley: not approved within " + waitSeconds + " s; run parley link again for a new code");
        return ParleyCli.EXIT_FAILURE;
    }

    private static void print(PrintWriter out, JsonNode d) {
        for (JsonNode dev : d.path("devices")) {
            out.println(String.format("  %s%s%s%s", dev.path("name").asText(), dev.path("primary").asBoolean() ? " (primary)" : "",
                    dev.path("current").asBoolean() ? " (this device)" : "", dev.path("removedAt").asLong() > 0 ? " (unlinked)" : ""));
        }
        out.flush();
    }

    private JsonNode send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r;
        try {
            r = http.send(b.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "cannot reach the gateway " + gateway + ": " + e.getMessage(), e);
        }
        JsonNode body = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        if (r.statusCode() >= 400) {
            ParleyException.Kind kind = r.statusCode() == 401 ? ParleyException.Kind.CONFIG
                    : r.statusCode() == 400 || r.statusCode() == 403 ? ParleyException.Kind.MALFORMED_INPUT : ParleyException.Kind.UNAVAILABLE;
            throw new ParleyException(kind, r.statusCode() + " " + body.path("detail").asText(body.path("title").asText()));
        }
        return body;
    }
}
