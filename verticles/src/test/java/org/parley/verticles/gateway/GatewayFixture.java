package org.parley.verticles.gateway;

import io.vertx.core.json.JsonObject;
import org.parley.core.bus.Addresses.Concern;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A real node on port 0 running every concern but delivery, with {@link FakeDelivery} in its place. */
final class GatewayFixture implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final Node node;
    final FakeDelivery fake;
    final String base;
    final String token;

    private GatewayFixture(Node node, FakeDelivery fake, String token) {
        this.node = node;
        this.fake = fake;
        this.base = "http://127.0.0.1:" + node.gatewayPort();
        this.token = token;
    }

    static GatewayFixture start(Path dir, String name, boolean autoAdvance, long stepMs) throws Exception {
        return start(NodeConfig.defaults(), dir, name, autoAdvance, stepMs);
    }

    static GatewayFixture start(NodeConfig base, Path dir, String name, boolean autoAdvance, long stepMs) throws Exception {
        NodeConfig cfg = base.withDataDir(dir).withPorts(0, 0)
                .withCluster(false, 0, List.of(), EnumSet.complementOf(EnumSet.of(Concern.DELIVERY)));
        Node node = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        FakeDelivery fake = new FakeDelivery(name, autoAdvance, stepMs);
        try {
            node.vertx().deployVerticle(fake).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            node.stop();
            throw e;
        }
        String token = GatewayToken.read(dir.resolve(GatewayToken.FILE_NAME)).value();
        return new GatewayFixture(node, fake, token);
    }

    /** Runs {@code r} on the fake's context (its state is not thread-safe) and waits for it. */
    void onFake(Runnable r) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        fake.ctx().runOnContext(v -> {
            try {
                r.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        done.get(5, TimeUnit.SECONDS);
    }

    HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token).GET());
    }

    HttpResponse<String> post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject json(HttpResponse<String> r) {
        return new JsonObject(r.body());
    }

    /** A WebSocket client collecting whole text frames; {@code closeCode} is set when the server closes. */
    static final class Ws implements WebSocket.Listener {
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        final AtomicInteger closeCode = new AtomicInteger(-1);
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        WebSocket socket;

        static Ws open(String url, String bearer) throws Exception {
            Ws ws = new Ws();
            WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
            if (bearer != null) b.header("Authorization", "Bearer " + bearer);
            ws.socket = b.buildAsync(URI.create(url), ws).get(10, TimeUnit.SECONDS);
            return ws;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.set(statusCode);
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-2);
        }

        JsonObject next() throws InterruptedException {
            String f = frames.poll(10, TimeUnit.SECONDS);
            if (f == null) throw new AssertionError("no WebSocket frame within 10 s");
            return new JsonObject(f);
        }

        void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }

    @Override
    public void close() throws Exception {
        node.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
}
