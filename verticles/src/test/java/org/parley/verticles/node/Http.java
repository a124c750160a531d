package org.parley.verticles.node;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Tiny blocking HTTP helper for tests (real sockets). */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private Http() {}

    public static HttpResponse<String> get(String url) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code url} until it answers 200 or {@code timeoutMs} passes; returns the last response (or null). */
    public static HttpResponse<String> awaitOk(String url, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        HttpResponse<String> last = null;
        while (System.currentTimeMillis() < end) {
            try {
                last = get(url);
                if (last.statusCode() == 200) return last;
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return last;
    }
}
