package org.parley.routing.path;

import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Picks circuit paths from the local relay directory. The first hop is always one of a small,
 * persisted set of primary guards (kept across calls and restarts, topped up by
 * bandwidth-weighted choice among GUARD-flagged relays when one disappears); later hops are chosen
 * with probability proportional to bandwidth. No node twice, no two hops in the same IPv4 /16 (or
 * IPv6 /32), no two hops of one declared family. Randomness is injected.
 */
public final class PathSelector {
    private static final Logger LOG = LoggerFactory.getLogger(PathSelector.class);
    public static final int DEFAULT_PRIMARY_GUARDS = 3;

    private final GuardStore guardStore;
    private final Random random;
    private final int primaryGuards;
    private final boolean distinctSubnets;

    /**
     * @param distinctSubnets keep two hops of a path out of one IPv4 /16 or IPv6 /32 (always on
     *                        in real networks; off only for a test network on one host, as Tor's
     *                        {@code EnforceDistinctSubnets 0})
     */
    public PathSelector(GuardStore guardStore, Random random, int primaryGuards, boolean distinctSubnets) {
        if (primaryGuards < 1) throw new ParleyException(ParleyException.Kind.CONFIG, "need at least one guard");
        this.guardStore = guardStore;
        this.random = random;
        this.primaryGuards = primaryGuards;
        this.distinctSubnets = distinctSubnets;
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

    /** The primary guards present in {@code directory}, in preference order, topped up and saved. */
    public List<RelayCandidate> primaryGuards(List<RelayCandidate> directory) {
        Map<NodeId, RelayCandidate> byId = new HashMap<>();
        for (RelayCandidate c : directory) byId.put(c.id(), c);
        List<NodeId> stored = guardStore.load();
        List<RelayCandidate> guards = new ArrayList<>();
        for (NodeId id : stored) {
            RelayCandidate c = byId.get(id);
            if (c != null && c.flags().contains(RelayCandidate.Flag.GUARD) && guards.size() < primaryGuards) {
                guards.add(c);
            }
        }
        while (guards.size() < primaryGuards) {
            List<RelayCandidate> have = List.copyOf(guards);
            RelayCandidate g = weighted(directory, c -> c.flags().contains(RelayCandidate.Flag.GUARD)
                    && have.stream().noneMatch(h -> h.id().equals(c.id())));
            if (g == null) break;
            guards.add(g);
        }
        List<NodeId> ids = guards.stream().map(RelayCandidate::id).toList();
        if (!ids.equals(stored)) {
            LOG.info("primary guard set changed: {} guards", ids.size());
            guardStore.save(ids);
        }
        if (guards.isEmpty()) throw unavailable("no relay with the GUARD flag");
        return guards;
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
