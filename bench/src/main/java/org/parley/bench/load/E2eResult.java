package org.parley.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The numbers of one e2e run ({@link #numbers}: what {@code --json} writes) plus the raw
 * histograms and per-bucket counts the {@code --html} page draws.
 *
 * @param numbers      JSON-ready map: parameters, versions, machine and every measure
 * @param latency      send (intended time) → delivered at the recipient, nanoseconds
 * @param receipt      send (intended time) → delivered status at the sender, nanoseconds
 * @param sentPerBucket messages accepted by the API per time bucket (by intended send time)
 * @param deliveredPerBucket messages delivered at recipients per time bucket
 * @param bucketNanos  width of one bucket
 */
public record E2eResult(Map<String, Object> numbers, Histogram latency, Histogram receipt, long[] sentPerBucket,
                        long[] deliveredPerBucket, long bucketNanos) {

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(String key) {
        Object o = numbers.get(key);
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** The human summary printed on stdout. */
    public String summary() {
        Map<String, Object> p = map("parameters");
        Map<String, Object> machine = map("machine");
        Map<String, Object> l = map("latency_ms");
        Map<String, Object> r = map("receipt_latency_ms");
        Map<String, Object> c = map("circuit_build_ms");
        StringBuilder b = new StringBuilder();
        b.append(f("parley bench --mode e2e%s: %s relays, %s users (%s channels), %s relays between users, %s messages of %s bytes, "
                        + "rate %s, %s cpus, load %s%n", Boolean.TRUE.equals(numbers.get("processes")) ? " --processes (one JVM per node)" : "", p.get("nodes"), p.get("users"), p.get("channels"), numbers.get("relays_between_users"),
                p.get("messages"), p.get("size"), Integer.valueOf(0).equals(p.get("rate")) ? "as fast as accepted" : p.get("rate") + " msgs/s offered",
                machine.get("cpus"), machine.get("load_average_before")));
        b.append(f("sent %s  stored %s  delivered %s  receipts %s  lost %s  duplicates %s  failed %s%n", numbers.get("sent"),
                numbers.get("stored"), numbers.get("delivered"), numbers.get("receipts"), numbers.get("lost"), numbers.get("duplicates"),
                numbers.get("failed")));
        b.append(f("throughput %s delivered msgs/s (offered %s msgs/s)%n", numbers.get("throughput_msgs_per_s"), numbers.get("offered_msgs_per_s")));
        b.append(f("send -> delivered at recipient:  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms  (target p50 <= 5, p99 <= 25 ms at 1,000/s)%n",
                l.get("p50"), l.get("p90"), l.get("p99"), l.get("p999"), l.get("max")));
        b.append(f("send -> delivered at sender:     p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms  (target p50 <= 10 ms)%n",
                r.get("p50"), r.get("p90"), r.get("p99"), r.get("p999"), r.get("max")));
        Map<String, Object> st = map("stored_latency_ms");
        b.append(f("send -> stored at inbox relay:   p50 %s  p90 %s  p99 %s  max %s ms%s%n", st.get("p50"), st.get("p90"), st.get("p99"),
                st.get("max"), Boolean.FALSE.equals(numbers.get("drain_complete")) ? "  (the drain bound ended the run: the rest counts as lost)" : ""));
        b.append(f("circuit builds (%s):             p50 %s  p90 %s  p99 %s  max %s ms%n", c.get("count"), c.get("p50"), c.get("p90"),
                c.get("p99"), c.get("max")));
        b.append(f("cpu %s ms per delivered msg with its receipt (target <= 0.5 ms; %s ms above the idle network's %s cores), %s cores busy%n",
                numbers.get("cpu_ms_per_msg"), numbers.get("cpu_ms_per_msg_above_idle"), numbers.get("cpu_cores_used_idle"), numbers.get("cpu_cores_used")));
        b.append(f("wire %s bytes per msg (all links, its receipt included); heap max %s MB%n", numbers.get("wire_bytes_per_msg"), numbers.get("heap_max_mb")));
        Map<String, Long> loops = coverLoops();
        if (!loops.isEmpty() || (p.get("cover_loops_per_day") instanceof Number n && n.intValue() > 0)) {
            b.append(f("cover loops (all users, %s a day each): %s sent, %s returned, %s lost, %s failed, %s skipped%n",
                    p.get("cover_loops_per_day"), loops.getOrDefault("sent", 0L), loops.getOrDefault("returned", 0L),
                    loops.getOrDefault("lost", 0L), loops.getOrDefault("failed", 0L), loops.getOrDefault("skipped", 0L)));
        }
        return b.toString();
    }

    /**
     * The users' cover-loop counters by outcome, from {@code parley_counters}: keyed
     * {@code parley.delivery.cover.loops,outcome=sent} in one JVM, {@code parley_delivery_cover_loops_total{outcome="sent"}}
     * when scraped from node JVMs.
     */
    Map<String, Long> coverLoops() {
        Map<String, Long> out = new LinkedHashMap<>();
        Object users = map("parley_counters").get("users");
        if (!(users instanceof Map<?, ?> m)) return out;
        m.forEach((k, v) -> {
            String key = String.valueOf(k);
            int at = key.indexOf("outcome=");
            if (!(key.startsWith("parley.delivery.cover.loops") || key.startsWith("parley_delivery_cover_loops_total")) || at < 0
                    || !(v instanceof Number n)) return;
            String rest = key.substring(at + "outcome=".length());
            if (rest.startsWith("\"")) rest = rest.substring(1);
            int end = 0;
            while (end < rest.length() && Character.isLetter(rest.charAt(end))) end++;
            String outcome = rest.substring(0, end);
            out.merge(outcome, n.longValue(), Long::sum);
        });
        return out;
    }

    public void writeJson(Path file) throws IOException {
        Map<String, Object> all = new LinkedHashMap<>(numbers);
        List<Map<String, Object>> timeline = new ArrayList<>();
        for (int i = 0; i < sentPerBucket.length; i++) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("t_ms", i * bucketNanos / 1_000_000);
            t.put("sent", sentPerBucket[i]);
            t.put("delivered", deliveredPerBucket[i]);
            timeline.add(t);
        }
        all.put("timeline", timeline);
        createParent(file);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), all);
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
    }

    // ---------------------------------------------------------------- HTML

    private static final int W = 720, H = 300, ML = 64, MR = 16, MT = 16, MB = 44;

    /** A self-contained page: no script, no external resource; three inline SVG charts and the numbers. */
    public void writeHtml(Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>parley bench e2e</title>\n<style>")
                .append("body{font-family:sans-serif;max-width:780px;margin:2em auto;color:#222}svg{background:#fafafa;border:1px solid #ddd}")
                .append("pre{background:#f4f4f4;padding:1em;overflow-x:auto;font-size:12px}.k{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}")
                .append("</style></head><body>\n<h1>parley bench — end to end</h1>\n<pre>").append(esc(summary())).append("</pre>\n");
        b.append("<h2>Latency distribution</h2>\n<p>").append(key("#1f77b4", "send → delivered at recipient"))
                .append(key("#ff7f0e", "send → delivered status at sender")).append("</p>\n").append(histogramSvg()).append('\n');
        b.append("<h2>Latency by percentile</h2>\n<p>Times from the intended send time (coordinated-omission corrected).</p>\n")
                .append(percentileSvg()).append('\n');
        b.append("<h2>Throughput over time</h2>\n<p>").append(key("#999999", "offered (accepted by the API)"))
                .append(key("#2ca02c", "delivered at recipients")).append(" msgs/s per ").append(bucketNanos / 1_000_000).append(" ms</p>\n")
                .append(throughputSvg()).append('\n');
        b.append("<h2>All numbers</h2>\n<pre>").append(esc(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(numbers))).append("</pre>\n</body></html>\n");
        createParent(file);
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
    }

    private static String key(String color, String label) {
        return "<span class=\"k\" style=\"background:" + color + "\"></span>" + esc(label);
    }

    /** Counts per latency bin, bins doubling from 0.25 ms (log x axis), both histograms side by side. */
    private String histogramSvg() {
        List<double[]> a = logBins(latency), c = logBins(receipt);
        int bins = Math.max(a.size(), c.size());
        double maxCount = 1;
        for (double[] v : a) maxCount = Math.max(maxCount, v[1]);
        for (double[] v : c) maxCount = Math.max(maxCount, v[1]);
        StringBuilder s = svgStart();
        double bw = (W - ML - MR) / (double) Math.max(1, bins);
        axes(s, "latency (ms, bin upper bound)", "messages", 0, maxCount);
        for (int i = 0; i < bins; i++) {
            double x = ML + i * bw;
            if (i < a.size()) bar(s, x + 1, bw / 2 - 1, a.get(i)[1] / maxCount, "#1f77b4");
            if (i < c.size()) bar(s, x + bw / 2, bw / 2 - 1, c.get(i)[1] / maxCount, "#ff7f0e");
            double upper = i < a.size() ? a.get(i)[0] : c.get(i)[0];
            if (bins <= 16 || i % 2 == 0) {
                s.append(f("<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>", x + bw / 2, H - MB + 14, num(upper)));
            }
        }
        return s.append("</svg>").toString();
    }

    private static List<double[]> logBins(Histogram h) {
        List<double[]> out = new ArrayList<>();
        if (h.getTotalCount() == 0) return out;
        for (HistogramIterationValue v : h.logarithmicBucketValues(250_000, 2.0)) {
            out.add(new double[]{v.getValueIteratedTo() / 1e6, v.getCountAddedInThisIterationStep()});
            if (out.size() > 40) break;
        }
        return out;
    }

    private static void bar(StringBuilder s, double x, double w, double frac, String color) {
        double h = frac * (H - MT - MB);
        s.append(f("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x, H - MB - h, Math.max(0.5, w), h, color));
    }

    /** Latency (linear y) against percentile on the usual 1/(1-p) log axis, up to 99.99 %. */
    private String percentileSvg() {
        double maxMs = Math.max(latency.getMaxValue(), receipt.getMaxValue()) / 1e6;
        if (maxMs <= 0) maxMs = 1;
        StringBuilder s = svgStart();
        axes(s, "percentile", "latency (ms)", 0, maxMs);
        double span = 4; // log10(1/(1-0.9999))
        String[] labels = {"0%", "90%", "99%", "99.9%", "99.99%"};
        for (int k = 0; k <= 4; k++) {
            double x = ML + k / span * (W - ML - MR);
            s.append(f("<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>", x, H - MB + 14, labels[k]));
        }
        line(s, percentilePoints(latency, span, maxMs), "#1f77b4");
        line(s, percentilePoints(receipt, span, maxMs), "#ff7f0e");
        return s.append("</svg>").toString();
    }

    private static List<double[]> percentilePoints(Histogram h, double span, double maxMs) {
        List<double[]> pts = new ArrayList<>();
        if (h.getTotalCount() == 0) return pts;
        for (int i = 0; i <= 200; i++) {
            double decades = i / 200.0 * span;
            double p = 100 * (1 - Math.pow(10, -decades));
            double ms = h.getValueAtPercentile(p) / 1e6;
            pts.add(new double[]{ML + decades / span * (W - ML - MR), H - MB - ms / maxMs * (H - MT - MB)});
        }
        return pts;
    }

    private String throughputSvg() {
        double perSecond = 1e9 / bucketNanos;
        double max = 1;
        for (int i = 0; i < sentPerBucket.length; i++) max = Math.max(max, Math.max(sentPerBucket[i], deliveredPerBucket[i]) * perSecond);
        StringBuilder s = svgStart();
        axes(s, "seconds since the first send", "msgs/s", 0, max);
        int n = sentPerBucket.length;
        double seconds = n * bucketNanos / 1e9;
        for (int k = 0; k <= 5; k++) {
            double x = ML + k / 5.0 * (W - ML - MR);
            s.append(f("<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>", x, H - MB + 14, num(seconds * k / 5)));
        }
        List<double[]> sent = new ArrayList<>(), del = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double x = ML + (i + 0.5) / n * (W - ML - MR);
            sent.add(new double[]{x, H - MB - sentPerBucket[i] * perSecond / max * (H - MT - MB)});
            del.add(new double[]{x, H - MB - deliveredPerBucket[i] * perSecond / max * (H - MT - MB)});
        }
        line(s, sent, "#999999");
        line(s, del, "#2ca02c");
        return s.append("</svg>").toString();
    }

    private static StringBuilder svgStart() {
        return new StringBuilder(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", W, H, W, H));
    }

    /** Axes, y ticks from {@code y0} to {@code y1} and the two axis titles. */
    private static void axes(StringBuilder s, String xTitle, String yTitle, double y0, double y1) {
        s.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>", ML, H - MB, W - MR, H - MB));
        s.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>", ML, MT, ML, H - MB));
        for (int k = 0; k <= 4; k++) {
            double v = y0 + (y1 - y0) * k / 4;
            double y = H - MB - k / 4.0 * (H - MT - MB);
            s.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>", ML + 1, y, W - MR, y));
            s.append(f("<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>", ML - 4, y + 3, num(v)));
        }
        s.append(f("<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>", (ML + W - MR) / 2, H - 8, esc(xTitle)));
        s.append(f("<text x=\"12\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 %d)\">%s</text>",
                (MT + H - MB) / 2, (MT + H - MB) / 2, esc(yTitle)));
    }

    private static void line(StringBuilder s, List<double[]> pts, String color) {
        if (pts.isEmpty()) return;
        s.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(color).append("\" points=\"");
        for (double[] p : pts) s.append(f("%.1f,%.1f ", p[0], p[1]));
        s.append("\"/>");
    }

    private static String num(double v) {
        if (v >= 100) return f("%.0f", v);
        if (v >= 10) return f("%.1f", v);
        return f("%.2f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
