package org.parley.verticles.netns;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The messages two users exchange during a fault test, as their clients see them through the
 * gateway REST API: every post, every status the sender was shown, and how often each text
 * arrived at the recipient. The checks of the fault tests are made on this ledger.
 */
final class Chat {
    static final Set<String> FINAL = Set.of("delivered", "read", "failed");
    static final Set<String> SENT_OR_LATER = Set.of("sent", "delivered", "read");

    /** One direction of a conversation: sender, recipient and each one's conversation id for the other. */
    record Pair(NetNode from, NetNode to, String fromConv, String toConv) {}

    /** A posted message. {@code id} is null when the gateway did not accept the post (no 202). */
    static final class Msg {
        final String scenario;
        final Pair pair;
        final String text;
        final long postedAt;
        volatile String id;
        volatile String status = "";
        volatile long sentAt;
        volatile long updatedAt;
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        volatile int received;

        Msg(String scenario, Pair pair, String text, long postedAt) {
            this.scenario = scenario;
            this.pair = pair;
            this.text = text;
            this.postedAt = postedAt;
        }

        boolean accepted() {
            return id != null;
        }

        boolean isFinal() {
            return FINAL.contains(status);
        }

        boolean sawSent() {
            return seen.stream().anyMatch(SENT_OR_LATER::contains);
        }
    }

    final List<Msg> all = new CopyOnWriteArrayList<>();

    /** Posts one message; returns it (accepted or not). */
    Msg post(String scenario, Pair pair, String text) {
        Msg m = new Msg(scenario, pair, text, System.currentTimeMillis());
        all.add(m);
        try {
            NetNode.Reply r = pair.from().post("/v1/conversations/" + pair.fromConv() + "/messages",
                    NetNode.JSON.createObjectNode().put("text", text).toString());
            if (r.status() == 202) {
                JsonNode j = r.json();
                m.status = j.get("status").asText();
                m.seen.add(m.status);
                m.id = j.get("id").asText();
            }
        } catch (IOException e) {
            // not accepted: the sender's client saw no message
        }
        return m;
    }

    List<Msg> of(String scenario) {
        List<Msg> out = new ArrayList<>();
        for (Msg m : all) if (m.scenario.equals(scenario)) out.add(m);
        return out;
    }

    /** All messages of one of {@code node}'s conversations (newest first, paged by {@code before}). */
    static List<JsonNode> conversation(NetNode node, String conv) throws IOException {
        Map<String, JsonNode> byId = new java.util.LinkedHashMap<>();
        long before = 0;
        for (int page = 0; page < 50; page++) {
            NetNode.Reply r = node.get("/v1/conversations/" + conv + "/messages?limit=200" + (before > 0 ? "&before=" + before : ""));
            if (r.status() != 200) throw new IOException(node.name() + " listing " + conv + ": " + r.status() + " " + r.body());
            JsonNode list = r.json().get("messages");
            long oldest = Long.MAX_VALUE;
            int fresh = 0;
            for (JsonNode m : list) {
                if (byId.putIfAbsent(m.get("id").asText(), m) == null) fresh++;
                oldest = Math.min(oldest, m.get("sentAt").asLong());
            }
            if (list.size() < 200 || fresh == 0) break;
            before = oldest + 1; // the boundary millisecond again: duplicates are dropped by id
        }
        return new ArrayList<>(byId.values());
    }

    /** Reads the statuses the senders show now into every message of {@code msgs}. */
    static void refreshStatuses(List<Msg> msgs) {
        Map<String, Map<String, JsonNode>> bySenderConv = new HashMap<>();
        for (Msg m : msgs) {
            if (!m.accepted() || !m.pair.from().alive()) continue;
            String key = m.pair.from().name() + "/" + m.pair.fromConv();
            Map<String, JsonNode> list = bySenderConv.computeIfAbsent(key, k -> {
                Map<String, JsonNode> ids = new HashMap<>();
                try {
                    for (JsonNode j : conversation(m.pair.from(), m.pair.fromConv())) ids.put(j.get("id").asText(), j);
                } catch (IOException e) {
                    // the sender is unreachable right now; try again next round
                }
                return ids;
            });
            JsonNode j = list.get(m.id);
            if (j == null) continue;
            m.status = j.get("status").asText();
            m.seen.add(m.status);
            m.sentAt = j.get("sentAt").asLong();
            m.updatedAt = j.path("updatedAt").asLong(0);
        }
    }

    /** Counts, for every message of {@code msgs}, how many incoming copies of its text its recipient shows. */
    static void refreshReceived(List<Msg> msgs) throws IOException {
        Map<String, Map<String, Integer>> counts = new HashMap<>();
        for (Msg m : msgs) {
            String key = m.pair.to().name() + "/" + m.pair.toConv();
            Map<String, Integer> c = counts.get(key);
            if (c == null) {
                c = new HashMap<>();
                for (JsonNode j : conversation(m.pair.to(), m.pair.toConv())) {
                    if (j.get("direction").asText().equals("in")) c.merge(j.path("text").asText(), 1, Integer::sum);
                }
                counts.put(key, c);
            }
            m.received = c.getOrDefault(m.text, 0);
        }
    }

    /** Delivery numbers of one scenario's messages. */
    record Numbers(int posted, int accepted, int delivered, int failed, int unsettled, double ratio, long p50Ms, long maxMs) {
        @Override
        public String toString() {
            return String.format("posted %d, accepted %d, delivered %d, failed %d, unsettled %d, delivery ratio %.3f, latency p50 %d ms max %d ms",
                    posted, accepted, delivered, failed, unsettled, ratio, p50Ms, maxMs);
        }
    }

    static Numbers numbers(List<Msg> msgs) {
        int accepted = 0;
        int delivered = 0;
        int failed = 0;
        int unsettled = 0;
        List<Long> lat = new ArrayList<>();
        for (Msg m : msgs) {
            if (!m.accepted()) continue;
            accepted++;
            switch (m.status) {
                case "delivered", "read" -> {
                    delivered++;
                    if (m.updatedAt >= m.sentAt && m.sentAt > 0) lat.add(m.updatedAt - m.sentAt);
                }
                case "failed" -> failed++;
                default -> unsettled++;
            }
        }
        Collections.sort(lat);
        return new Numbers(msgs.size(), accepted, delivered, failed, unsettled, accepted == 0 ? 0 : (double) delivered / accepted,
                lat.isEmpty() ? -1 : lat.get(lat.size() / 2), lat.isEmpty() ? -1 : lat.get(lat.size() - 1));
    }
}
