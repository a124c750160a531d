package org.parley.verticles.hostile;

import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.Addresses.Concern;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.gateway.GatewayToken;
import org.parley.verticles.node.Node;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile clients against a real gateway (port 0, only the gateway concern running): slowloris
 * on headers and on a body, more requests than the rate, a body over the limit. Each is refused
 * or closed, counted in {@code parley_gateway_limit_hits_total{limit}}, and an honest request is
 * still answered; an event WebSocket is not cut by the request timeout.
 */
class GatewayHostileIT {
    private static final int TIMEOUT_MS = 500;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir
    static Path dir;
    static Node node;
    static String token;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0)
                .withCluster(false, 0, List.of(), EnumSet.of(Concern.GATEWAY))
                .withGatewayLimits(1, 4, 1024)
                .withGatewayRequestTimeout(TIMEOUT_MS);
        node = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        port = node.gatewayPort();
        token = GatewayToken.read(dir.resolve(GatewayToken.FILE_NAME)).value();
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) node.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    static double hits(String limit) {
        Counter c = node.registry().find("parley.gateway.limit.hits").tag("limit", limit).counter();
        return c == null ? -1 : c.count();
    }

    static int health() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Writes {@code head}, then one byte of {@code trickle} every 100 ms until the server closes; returns seconds taken. */
    static double slowloris(String head, String trickle) throws Exception {
        long start = System.nanoTime();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(100);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            byte[] t = trickle.getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 50; i++) {
                try {
                    out.write(t[i % t.length]);
                    out.flush();
                    byte[] buf = new byte[4096];
                    if (in.read(buf) == -1) return (System.nanoTime() - start) / 1e9;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // nothing to read yet: the connection is still open
                } catch (SocketException reset) {
                    return (System.nanoTime() - start) / 1e9;
                }
            }
        }
        throw new AssertionError("the gateway kept a slowloris connection open for 5 s");
    }

    @Test
    void slowHeadersAndSlowBodiesAreClosedAtTheRequestTimeoutAndCounted() throws Exception {
        double before = hits("request-timeout");
        double headers = slowloris("GET /health HTTP/1.1\r\nHost: x\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        double body = slowloris("POST /v1/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{\"invite\":\"", "aaaaaaaaaaaaaaaa");
        System.out.printf("[hostile] gateway slowloris closed after %.2f s (headers) and %.2f s (body) with a %d ms timeout%n",
                headers, body, TIMEOUT_MS);
        assertThat(headers).isBetween(TIMEOUT_MS / 1000.0 - 0.05, 3.0);
        assertThat(body).isBetween(TIMEOUT_MS / 1000.0 - 0.05, 3.0);
        assertThat(hits("request-timeout") - before).isEqualTo(2);
        assertThat(health()).isEqualTo(200); // honest clients are served meanwhile
    }

    @Test
    void anEventWebSocketOutlivesTheRequestTimeout() throws Exception {
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/events"),
                new WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                        closed.complete(code);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                        closed.complete(-2);
                    }
                }).get(10, TimeUnit.SECONDS);
        Thread.sleep(3L * TIMEOUT_MS);
        assertThat(closed).isNotDone();
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }

    @Test
    void aBodyOverTheLimitIs413AndCounted() throws Exception {
        double before = hits("body-size");
        String big = "{\"invite\":\"" + "a".repeat(4000) + "\"}";
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/contacts"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(hits("body-size") - before).isEqualTo(1);
    }

    @Test
    void unauthenticatedAttemptsPastTheBurstAre429AndEachIsCounted() throws Exception {
        double before = hits("rate");
        int tooMany = 0;
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/me"))
                    .header("Authorization", "Bearer wrong").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isIn(401, 429);
            if (r.statusCode() == 429) tooMany++;
        }
        assertThat(tooMany).isBetween(5, 6); // burst 4 (plus at most one refill at 1/s), then 429
        assertThat(hits("rate") - before).isEqualTo(tooMany);
        assertThat(health()).isEqualTo(200);
    }
}
