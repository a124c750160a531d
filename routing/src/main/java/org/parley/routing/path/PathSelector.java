package org.parley.routing.path;

import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Picks circuit paths from the local relay directory. The first hop is always an entry guard, as
 * Tor's guard algorithm (proposal 271, simplified): a persisted, ordered sample of GUARD-flagged
 * relays, each kept for a random lifetime of {@link GuardPolicy#minLifetimeMillis()} to
 * {@link GuardPolicy#maxLifetimeMillis()} (rotation over weeks, so a guard observed today is not
 * the guard forever, and a fresh adversarial guard cannot take over quickly). The first
 * {@code primaryGuards} listed entries are primary and preferred in order; a guard that cannot be
 * reached is skipped and tried again after {@link GuardPolicy#retryUnreachableMillis()}, the next
 * entry standing in; a guard unlisted or unreachable for {@link GuardPolicy#dropAfterMillis()} is
 * dropped and replaced by bandwidth-weighted choice. Later hops are chosen with probability
 * proportional to bandwidth. No node twice, no two hops in the same IPv4 /16 (or IPv6 /32), no
 * two hops of one declared family. Randomness and time are injected.
 */
public final class PathSelector {
    private static final Logger LOG = LoggerFactory.getLogger(PathSelector.class);
    public static final int DEFAULT_PRIMARY_GUARDS = 3;

    /** Guard lifetimes and retry pacing. */
    public record GuardPolicy(long minLifetimeMillis, long maxLifetimeMillis, long retryUnreachableMillis, long dropAfterMillis,
                              int maxSampled) {
        static final long DAY = 86_400_000L;

        public GuardPolicy {
            if (minLifetimeMillis < 1 || maxLifetimeMillis < minLifetimeMillis || retryUnreachableMillis < 1 || dropAfterMillis < 1
                    || maxSampled < 1) {
                throw new ParleyException(ParleyException.Kind.CONFIG, "bad guard policy");
            }
        }

        /** Lifetime 30–60 days; unreachable guards retried every 10 min; unlisted/unreachable 7 days → dropped; 20 sampled at most. */
        public static GuardPolicy defaults() {
            return new GuardPolicy(30 * DAY, 60 * DAY, 600_000, 7 * DAY, 20);
        }
    }

    private final GuardStore guardStore;
    private final Random random;
    private final int primaryGuards;
    private final boolean distinctSubnets;
    private final Clock clock;
    private final GuardPolicy policy;

    /**
     * @param distinctSubnets keep two hops of a path out of one IPv4 /16 or IPv6 /32 (always on
     *                        in real networks; off only for a test network on one host, as Tor's
     *                        {@code EnforceDistinctSubnets 0})
     */
    public PathSelector(GuardStore guardStore, Random random, int primaryGuards, boolean distinctSubnets, Clock clock, GuardPolicy policy) {
        if (primaryGuards < 1) throw new ParleyException(ParleyException.Kind.CONFIG, "need at least one guard");
        this.guardStore = guardStore;
        this.random = random;
        this.primaryGuards = primaryGuards;
        this.distinctSubnets = distinctSubnets;
        this.clock = clock;
        this.policy = policy;
    }

    public PathSelector(GuardStore guardStore, Random random, int primaryGuards, boolean distinctSubnets) {
        this(guardStore, random, primaryGuards, distinctSubnets, Clock.system(), GuardPolicy.defaults());
    }

    public PathSelector(GuardStore guardStore, Random random, int primaryGuards) {
        this(guardStore, random, primaryGuards, true);
    }

    public PathSelector(GuardStore guardStore, Random random) {
        this(guardStore, random, DEFAULT_PRIMARY_GUARDS);
    }

    /** A path of {@code hops} relays: guard first. */
    public List<RelayCandidate> select(List<RelayCandidate> directory, int hops) {
        return select(directory, hops, null);
    }

    /**
     * A path of {@code hops} relays whose last hop is {@code lastHop} (e.g. a recipient's inbox
     * relay), or free if null.
     *
     * @throws ParleyException UNAVAILABLE when the directory cannot satisfy the rules
     */
    public List<RelayCandidate> select(List<RelayCandidate> directory, int hops, RelayCandidate lastHop) {
        if (hops < 1) throw new IllegalArgumentException("hops must be positive");
        List<RelayCandidate> guards = primaryGuards(directory);
        List<RelayCandidate> path = new ArrayList<>();
        if (hops == 1 && lastHop != null) {
            return List.of(lastHop);
        }
        RelayCandidate guard = null;
        for (RelayCandidate g : guards) {
            if (lastHop == null || fits(g, List.of(lastHop))) {
                guard = g;
                break;
            }
        }
        if (guard == null) throw unavailable("no primary guard fits this path");
        path.add(guard);
        List<RelayCandidate> fixed = lastHop == null ? List.of() : List.of(lastHop);
        int free = hops - path.size() - fixed.size();
        for (int i = 0; i < free; i++) {
            List<RelayCandidate> taken = new ArrayList<>(path);
            taken.addAll(fixed);
            RelayCandidate next = weighted(directory, c -> fits(c, taken));
            if (next == null) throw unavailable("not enough diverse relays for " + hops + " hops");
            path.add(next);
        }
        path.addAll(fixed);
        return List.copyOf(path);
    }

    /**
     * The guards to use now, in preference order: the primary guards that are listed and not
     * known unreachable (or due for a retry), then further sampled guards standing in for
     * unreachable primaries. Expired and long-gone guards are dropped, the sample topped up, and
     * any change saved.
     *
     * @throws ParleyException UNAVAILABLE when no guard can be used
     */
    public List<RelayCandidate> primaryGuards(List<RelayCandidate> directory) {
        long now = clock.nowMillis();
        Map<NodeId, RelayCandidate> listed = new HashMap<>();
        for (RelayCandidate c : directory) if (c.flags().contains(RelayCandidate.Flag.GUARD)) listed.put(c.id(), c);
        List<GuardStore.Entry> stored = guardStore.load();
        List<GuardStore.Entry> kept = new ArrayList<>();
        for (GuardStore.Entry e : stored) {
            if (e.expiresAt() == 0) e = new GuardStore.Entry(e.id(), now, now + lifetime(), 0, 0, 0); // an older file
            if (now >= e.expiresAt()) {
                LOG.info("guard {} reached the end of its lifetime; rotating", e.id().shortHex());
                continue;
            }
            boolean isListed = listed.containsKey(e.id());
            if (!isListed && e.unlistedSince() == 0) e = e.withUnlisted(now);
            if (isListed && e.unlistedSince() != 0) e = e.withUnlisted(0);
            if ((e.unlistedSince() != 0 && now - e.unlistedSince() >= policy.dropAfterMillis())
                    || (e.unreachableSince() != 0 && now - e.unreachableSince() >= policy.dropAfterMillis())) {
                LOG.info("guard {} gone for too long; replacing it", e.id().shortHex());
                continue;
            }
            kept.add(e);
        }
        // top up until primaryGuards listed ones are reachable (or due for a retry), within the sample cap
        while (kept.size() < policy.maxSampled() && usable(kept, listed, now).size() < primaryGuards) {
            List<GuardStore.Entry> have = List.copyOf(kept);
            RelayCandidate g = weighted(directory, c -> listed.containsKey(c.id()) && have.stream().noneMatch(h -> h.id().equals(c.id())));
            if (g == null) break;
            kept.add(new GuardStore.Entry(g.id(), now, now + lifetime(), 0, 0, 0));
        }
        if (!kept.equals(stored)) {
            if (!ids(kept).equals(ids(stored))) LOG.info("guard sample changed: {} guards", kept.size());
            guardStore.save(kept);
        }
        List<RelayCandidate> out = new ArrayList<>();
        for (GuardStore.Entry e : usable(kept, listed, now)) out.add(listed.get(e.id()));
        if (out.isEmpty()) {
            // every sampled guard failed lately (our own network was down, most likely): try them all again,
            // the longest-untried first, rather than refuse to build (Tor does the same)
            kept.stream().filter(e -> listed.containsKey(e.id()))
                    .sorted(java.util.Comparator.comparingLong(GuardStore.Entry::lastTriedAt))
                    .limit(primaryGuards).forEach(e -> out.add(listed.get(e.id())));
        }
        if (out.isEmpty()) throw unavailable("no relay with the GUARD flag");
        return out;
    }

    /** Listed entries not known unreachable (or due for a retry), in sample order; at most primaryGuards unless primaries are down. */
    private List<GuardStore.Entry> usable(List<GuardStore.Entry> sample, Map<NodeId, RelayCandidate> listed, long now) {
        List<GuardStore.Entry> out = new ArrayList<>();
        for (GuardStore.Entry e : sample) {
            if (!listed.containsKey(e.id())) continue;
            boolean up = e.unreachableSince() == 0 || now - e.lastTriedAt() >= policy.retryUnreachableMillis();
            if (up) out.add(e);
            if (out.size() == primaryGuards) break;
        }
        return out;
    }

    /** Connection feedback for a circuit's first hop: a guard that fails is skipped until its retry; one that works is preferred again. */
    public void firstHopResult(NodeId id, boolean reachable) {
        long now = clock.nowMillis();
        List<GuardStore.Entry> stored = guardStore.load();
        List<GuardStore.Entry> next = new ArrayList<>(stored.size());
        boolean changed = false;
        for (GuardStore.Entry e : stored) {
            if (e.id().equals(id)) {
                GuardStore.Entry n = reachable ? e.withReachability(0, 0)
                        : e.withReachability(e.unreachableSince() == 0 ? now : e.unreachableSince(), now);
                if (!n.equals(e)) {
                    if (reachable) LOG.info("guard {} reachable again", id.shortHex());
                    else if (e.unreachableSince() == 0) LOG.info("guard {} unreachable; using the next guard", id.shortHex());
                    changed = true;
                }
                e = n;
            }
            next.add(e);
        }
        if (changed) guardStore.save(next);
    }

    private long lifetime() {
        long span = policy.maxLifetimeMillis() - policy.minLifetimeMillis();
        return policy.minLifetimeMillis() + (span == 0 ? 0 : (long) (random.nextDouble() * span));
    }

    private static List<NodeId> ids(List<GuardStore.Entry> entries) {
        return entries.stream().map(GuardStore.Entry::id).toList();
    }

    /** Whether {@code c} may join a path that already holds {@code taken}. */
    public static boolean compatible(RelayCandidate c, List<RelayCandidate> taken) {
        return compatible(c, taken, true);
    }

    /** As {@link #compatible(RelayCandidate, List)}, with the subnet rule optional. */
    public static boolean compatible(RelayCandidate c, List<RelayCandidate> taken, boolean distinctSubnets) {
        for (RelayCandidate t : taken) {
            if (t.id().equals(c.id()) || (distinctSubnets && t.subnet().equals(c.subnet())) || t.sameFamily(c)) return false;
        }
        return true;
    }

    private boolean fits(RelayCandidate c, List<RelayCandidate> taken) {
        return compatible(c, taken, distinctSubnets);
    }

    private RelayCandidate weighted(List<RelayCandidate> directory, Predicate<RelayCandidate> allowed) {
        long total = 0;
        List<RelayCandidate> ok = new ArrayList<>();
        for (RelayCandidate c : directory) {
            if (c.bandwidth() > 0 && allowed.test(c)) {
                ok.add(c);
                total += c.bandwidth();
            }
        }
        if (ok.isEmpty()) return null;
        long pick = (long) (random.nextDouble() * total);
        for (RelayCandidate c : ok) {
            pick -= c.bandwidth();
            if (pick < 0) return c;
        }
        return ok.get(ok.size() - 1);
    }

    private static ParleyException unavailable(String why) {
        return new ParleyException(ParleyException.Kind.UNAVAILABLE, "path selection: " + why);
    }
}
