package org.parley.verticles.testing;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user's client of one node's gateway in network tests: its base URL and bearer token, and the
 * few authenticated calls the tests make (JSON GET/POST, attachment upload and download). Tests
 * subclass it to add their own reads of the API.
 */
public class GatewayClient {
    public static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String token;

    public GatewayClient(String base, String token) {
        this.base = base;
        this.token = token;
    }

    public String base() {
        return base;
    }

    public HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
    }

    public HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(req(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET that must answer 200, as JSON. */
    public JsonObject ok(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    /** POST of a JSON body (none if null). */
    public HttpResponse<String> post(String path, JsonObject body) throws Exception {
        HttpRequest.Builder b = req(path).header("content-type", "application/json");
        return HTTP.send(b.POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> upload(String name, String type, byte[] data) throws Exception {
        return HTTP.send(req("/v1/attachments?name=" + name).header("content-type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<byte[]> download(String id) throws Exception {
        return HTTP.send(req("/v1/attachments/" + id).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
