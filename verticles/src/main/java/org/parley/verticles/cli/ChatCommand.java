package org.parley.verticles.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.parley.core.ParleyException;
import org.parley.verticles.gateway.GatewayToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@code parley chat}: a line-based terminal client of a node's gateway. Lines starting with
 * {@code /} are commands; any other line is sent to the open conversation. Live messages and
 * ticks arrive over the /v1/events WebSocket.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat in the terminal through a node's gateway.",
                "Commands: /list (conversations), /open N, /history, /contacts, /add NAME INVITE, /me, /quit. Other lines are sent."})
public final class ChatCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;
    @Option(names = "--gateway", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080", description = "the node's gateway (default ${DEFAULT-VALUE})")
    String gateway;
    @Option(names = "--token-file", paramLabel = "FILE", description = "the node's <data-dir>/gateway.token (default ./data/gateway.token)")
    Path tokenFile;
    @Option(names = "--token", paramLabel = "T", description = "the token itself (visible to other local users in the process list; prefer --token-file)")
    String token;

    // built in call(), not here: picocli makes an instance of every subcommand for every command
    // line, and an HttpClient starts a thread and loads the default SSL context (CA certificates)
    private HttpClient http;
    private PrintWriter out;
    private final List<JsonNode> conversations = new ArrayList<>();
    private volatile String open;
    private volatile String openTitle;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = gateway.endsWith("/") ? gateway.substring(0, gateway.length() - 1) : gateway;
        if (!base.startsWith("http://") && !base.startsWith("https://")) throw ParleyException.malformed("--gateway must be an http:// or https:// URL");
        if (token == null) token = GatewayToken.read(tokenFile != null ? tokenFile : Path.of("data", GatewayToken.FILE_NAME)).value();
        JsonNode me = get(base, "/v1/me");
        out.println("parley chat as " + me.path("displayName").asText() + " — /list, /open N, /quit");
        WebSocket ws = http.newWebSocketBuilder().header("Authorization", "Bearer " + token).connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(base.replaceFirst("^http", "ws") + "/v1/events"), new Listener()).get(10, TimeUnit.SECONDS);
        list(base);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line; (line = in.readLine()) != null; ) {
                line = line.strip();
                if (line.isEmpty()) continue;
                try {
                    if (!command(base, line)) break;
                } catch (ParleyException e) {
                    out.println("! " + e.getMessage());
                }
                out.flush();
            }
        } finally {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        return 0;
    }

    /** Returns false on /quit. */
    private boolean command(String base, String line) throws Exception {
        if (line.equals("/quit") || line.equals("/q")) return false;
        if (line.equals("/list") || line.equals("/l")) {
            list(base);
        } else if (line.startsWith("/open ")) {
            int n;
            try {
                n = Integer.parseInt(line.substring(6).trim());
            } catch (NumberFormatException e) {
                throw ParleyException.malformed("usage: /open N (a number from /list)");
            }
            if (conversations.isEmpty()) list(base);
            if (n < 1 || n > conversations.size()) throw ParleyException.malformed("no conversation " + n + "; /list shows 1.." + conversations.size());
            JsonNode c = conversations.get(n - 1);
            open = c.path("id").asText();
            openTitle = c.path("title").asText();
            out.println("-- " + openTitle + " --");
            history(base);
        } else if (line.equals("/history")) {
            history(base);
        } else if (line.equals("/contacts")) {
            for (JsonNode c : get(base, "/v1/contacts").path("contacts")) out.println("  " + c.path("name").asText() + "  safety " + c.path("safetyNumber").asText());
        } else if (line.startsWith("/add ")) {
            String[] p = line.substring(5).trim().split("\\s+", 2);
            if (p.length < 2) throw ParleyException.malformed("usage: /add NAME INVITE");
            ObjectNode body = JSON.createObjectNode().put("name", p[0]).put("invite", p[1]);
            out.println("added " + post(base, "/v1/contacts", body).path("name").asText());
            list(base);
        } else if (line.equals("/me")) {
            out.println(get(base, "/v1/me").path("invite").asText());
        } else if (line.startsWith("/")) {
            out.println("commands: /list, /open N, /history, /contacts, /add NAME INVITE, /me, /quit");
        } else {
            if (open == null) throw ParleyException.malformed("open a conversation first: /list, then /open N");
            JsonNode m = post(base, "/v1/conversations/" + open + "/messages", JSON.createObjectNode().put("text", line));
            out.println(format(m));
        }
        return true;
    }

    private void list(String base) throws Exception {
        conversations.clear();
        for (JsonNode c : get(base, "/v1/conversations").path("conversations")) conversations.add(c);
        if (conversations.isEmpty()) out.println("no conversations yet; /add NAME INVITE");
        for (int i = 0; i < conversations.size(); i++) {
            JsonNode c = conversations.get(i);
            int unread = c.path("unread").asInt();
            out.println(String.format("%3d  %s%s%s", i + 1, c.path("title").asText(), c.path("kind").asText().equals("group") ? " (group)" : "",
                    unread > 0 ? "  [" + unread + " new]" : ""));
        }
        out.flush();
    }

    private void history(String base) throws Exception {
        if (open == null) throw ParleyException.malformed("open a conversation first");
        List<JsonNode> ms = new ArrayList<>();
        for (JsonNode m : get(base, "/v1/conversations/" + open + "/messages?limit=20").path("messages")) ms.add(0, m);
        String lastIn = null;
        for (JsonNode m : ms) {
            out.println(format(m));
            if ("in".equals(m.path("direction").asText())) lastIn = m.path("id").asText();
        }
        if (lastIn != null) post(base, "/v1/conversations/" + open + "/read", JSON.createObjectNode().put("upTo", lastIn));
    }

    static String format(JsonNode m) {
        String t = new SimpleDateFormat("HH:mm").format(new Date(m.path("sentAt").asLong()));
        boolean outgoing = "out".equals(m.path("direction").asText());
        String who = outgoing ? "me" : m.path("senderName").asText("?");
        String tick = outgoing ? " " + tick(m.path("status").asText()) : "";
        String why = m.hasNonNull("failureReason") ? " (" + m.path("failureReason").asText() + ")" : "";
        return "[" + t + "] " + who + ": " + m.path("text").asText() + tick + why;
    }

    static String tick(String status) {
        return switch (status) {
            case "pending" -> "(clock)";
            case "sent" -> "✓";
            case "delivered" -> "✓✓";
            case "read" -> "✓✓ read";
            case "failed" -> "! failed";
            default -> "";
        };
    }

    private JsonNode get(String base, String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    private JsonNode post(String base, String path, JsonNode body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    private JsonNode send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r;
        try {
            r = http.send(b.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "cannot reach the gateway " + gateway + ": " + e.getMessage(), e);
        }
        if (r.statusCode() == 204) return JSON.createObjectNode();
        JsonNode body = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        if (r.statusCode() >= 400) {
            throw new ParleyException(r.statusCode() == 401 ? ParleyException.Kind.CONFIG : ParleyException.Kind.UNAVAILABLE,
                    r.statusCode() + " " + body.path("detail").asText(body.path("title").asText()));
        }
        return body;
    }

    /** Prints live messages of the open conversation, ticks of own messages, and a note for others. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                try {
                    event(JSON.readTree(frame));
                } catch (Exception e) {
                    out.println("! bad event: " + e.getMessage());
                }
                out.flush();
            }
            ws.request(1);
            return null;
        }

        private void event(JsonNode e) {
            String type = e.path("type").asText();
            JsonNode m = e.path("message");
            switch (type) {
                case "message" -> {
                    if (!"in".equals(m.path("direction").asText())) return;
                    if (m.path("conversationId").asText().equals(open)) out.println(format(m));
                    else out.println("* new message from " + m.path("senderName").asText("?") + " (/list)");
                }
                case "status" -> {
                    if (m.path("conversationId").asText().equals(open)) {
                        String text = m.path("text").asText();
                        out.println("  " + tick(m.path("status").asText()) + "  " + (text.length() > 40 ? text.substring(0, 40) + "…" : text));
                    }
                }
                case "contact" -> out.println("* contact " + e.path("contact").path("name").asText() + " added");
                case "identity-changed" -> out.println("* the safety number of " + e.path("contact").path("name").asText() + " changed: verify it");
                case "group" -> out.println("* group " + e.path("conversation").path("title").asText() + " changed");
                default -> { }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            out.println("* disconnected from the node (" + code + " " + reason + ")");
            out.flush();
            return null;
        }
    }
}
