package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.Contact;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.wire.DhtMessage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One iterative lookup (FIND_NODE or FIND_VALUE) over {@code d} disjoint paths (S/Kademlia).
 * Each path keeps its own shortlist and sends up to α queries at a time to the closest
 * unqueried contacts among its k closest live ones; it ends when those k have all answered or
 * failed. A contact belongs to at most one path (the first that learns of it), so d paths
 * query d disjoint node sets and an adversary must sit on every path to hide a value.
 * Each path admits at most maxPerPrefix contacts per /24 (/48) and maxPerSubnet16 per /16 (/32)
 * into its shortlist, and the result applies both limits again, so Sybils in one subnet that
 * answer with each other cannot crowd out the rest. With d = 1 this is plain Kademlia. Runs on the node's thread; not thread-safe.
 */
final class Lookup {
    enum Mode { NODE, VALUE }

    private enum State { NEW, INFLIGHT, RESPONDED, FAILED }

    private static final class Candidate {
        final Contact contact;
        final int depth;
        State state = State.NEW;

        Candidate(Contact contact, int depth) {
            this.contact = contact;
            this.depth = depth;
        }
    }

    private final class Path {
        final TreeMap<Bytes, Candidate> shortlist = new TreeMap<>();
        final Map<Bytes, Integer> perPrefix = new HashMap<>();
        final Map<Bytes, Integer> per16 = new HashMap<>();
        int inflight;
        boolean done;
    }

    private final DhtNode node;
    private final Bytes target;
    private final Mode mode;
    private final int k;
    private final int alpha;
    private final int maxPerPrefix;
    private final int maxPer16;
    private final int maxQueries;
    private final long startedAt;
    private final List<Path> paths = new ArrayList<>();
    private final Set<NodeId> claimed = new HashSet<>();
    private final CompletableFuture<LookupResult> result = new CompletableFuture<>();
    private int queries;
    private boolean finished;

    Lookup(DhtNode node, Bytes target, Mode mode, DhtConfig cfg, int disjointPaths, long now) {
        this.node = node;
        this.target = target;
        this.mode = mode;
        this.k = cfg.k();
        this.alpha = cfg.alpha();
        this.maxPerPrefix = cfg.maxPerPrefix();
        this.maxPer16 = cfg.maxPerSubnet16() >= cfg.k() ? Integer.MAX_VALUE : cfg.maxPerSubnet16(); // ≥ k: off
        this.maxQueries = cfg.maxLookupQueries();
        this.startedAt = now;
        for (int i = 0; i < disjointPaths; i++) paths.add(new Path());
    }

    CompletableFuture<LookupResult> start(List<Contact> initial) {
        claimed.add(node.id());
        int i = 0;
        for (Contact c : initial) {
            if (add(paths.get(i % paths.size()), c, 1)) i++;
        }
        for (Path p : paths) step(p);
        maybeFinish();
        return result;
    }

    private boolean add(Path p, Contact c, int depth) {
        if (!claimed.add(c.id())) return false;
        if (!node.acceptable(c)) return false;
        Bytes prefix = c.address().prefixKey();
        Bytes subnet = c.address().subnetKey();
        if (p.perPrefix.getOrDefault(prefix, 0) >= maxPerPrefix) return false;
        if (p.per16.getOrDefault(subnet, 0) >= maxPer16) return false;
        p.perPrefix.merge(prefix, 1, Integer::sum);
        p.per16.merge(subnet, 1, Integer::sum);
        p.shortlist.put(Distance.xor(c.id().value(), target), new Candidate(c, depth));
        return true;
    }

    private void step(Path p) {
        if (finished || p.done) return;
        while (p.inflight < alpha && queries < maxQueries) {
            Candidate next = null;
            int live = 0;
            for (Candidate c : p.shortlist.values()) {
                if (c.state == State.FAILED) continue;
                if (live++ >= k) break;
                if (c.state == State.NEW) {
                    next = c;
                    break;
                }
            }
            if (next == null) break;
            query(p, next);
        }
        if (p.inflight == 0) p.done = true;
    }

    private void query(Path p, Candidate c) {
        c.state = State.INFLIGHT;
        p.inflight++;
        queries++;
        CompletableFuture<DhtMessage> reply = mode == Mode.VALUE
                ? node.call(c.contact, h -> new DhtMessage.FindValue(h, target))
                : node.call(c.contact, h -> new DhtMessage.FindNode(h, new NodeId(target)));
        reply.whenComplete((m, err) -> {
            p.inflight--;
            if (err != null || m == null) {
                c.state = State.FAILED;
            } else {
                c.state = State.RESPONDED;
                onReply(p, c, m);
            }
            step(p);
            maybeFinish();
        });
    }

    private void onReply(Path p, Candidate c, DhtMessage m) {
        if (finished) return;
        List<Contact> contacts = List.of();
        if (m instanceof DhtMessage.Nodes n) {
            contacts = n.contacts();
        } else if (m instanceof DhtMessage.Value v) {
            contacts = v.contacts();
            if (mode == Mode.VALUE && !v.records().isEmpty()) {
                List<SignedRecord> valid = node.validRecordsFor(target, v.records());
                if (!valid.isEmpty()) {
                    finish(DiscoveryMetrics.LookupResult.FOUND, valid, c.depth);
                    return;
                }
            }
        }
        for (Contact nc : contacts) add(p, nc, c.depth + 1);
    }

    private void maybeFinish() {
        if (finished) return;
        for (Path p : paths) {
            if (!p.done && !(p.inflight == 0 && queries >= maxQueries)) return;
        }
        boolean anyReply = false;
        for (Path p : paths) {
            for (Candidate c : p.shortlist.values()) anyReply |= c.state == State.RESPONDED;
        }
        DiscoveryMetrics.LookupResult outcome;
        if (!anyReply) outcome = DiscoveryMetrics.LookupResult.FAILED;
        else outcome = mode == Mode.NODE ? DiscoveryMetrics.LookupResult.FOUND : DiscoveryMetrics.LookupResult.NOT_FOUND;
        finish(outcome, List.of(), -1);
    }

    private void finish(DiscoveryMetrics.LookupResult outcome, List<SignedRecord> records, int valueDepth) {
        finished = true;
        TreeMap<Bytes, Candidate> all = new TreeMap<>();
        for (Path p : paths) {
            p.shortlist.forEach((d, c) -> {
                if (c.state == State.RESPONDED) all.put(d, c);
            });
        }
        List<Contact> sorted = new ArrayList<>(all.size());
        int deepest = 0;
        for (Candidate c : all.values()) sorted.add(c.contact);
        List<Contact> closest = PrefixLimit.apply(sorted, maxPerPrefix, maxPer16, k);
        for (Candidate c : all.values()) {
            if (closest.contains(c.contact)) deepest = Math.max(deepest, c.depth);
        }
        int rounds = valueDepth > 0 ? valueDepth : deepest;
        List<Contact> pathClosest = new ArrayList<>();
        if (paths.size() > 1) {
            int per = (k + paths.size() - 1) / paths.size();
            for (Path p : paths) {
                int n = 0;
                for (Candidate c : p.shortlist.values()) {
                    if (n >= per) break;
                    if (c.state == State.RESPONDED) {
                        pathClosest.add(c.contact);
                        n++;
                    }
                }
            }
        }
        result.complete(new LookupResult(target, outcome, records, closest, rounds, queries, node.now() - startedAt,
                pathClosest));
    }
}
