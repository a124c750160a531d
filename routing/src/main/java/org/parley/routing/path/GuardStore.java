package org.parley.routing.path;

import org.parley.core.identity.NodeId;

import java.util.ArrayList;
import java.util.List;

/** Persists the sampled entry guards (in order of preference, primary guards first) across restarts. */
public interface GuardStore {
    /**
     * One sampled guard. Times are epoch milliseconds; 0 means "not so". {@code expiresAt} 0 marks
     * an entry from an older file without a lifetime: the selector gives it one.
     *
     * @param unlistedSince   since when the relay directory has not listed it as a guard
     * @param unreachableSince since when connecting to it fails
     * @param lastTriedAt     the last connection attempt while unreachable (retry pacing)
     */
    record Entry(NodeId id, long addedAt, long expiresAt, long unlistedSince, long unreachableSince, long lastTriedAt) {
        public Entry withUnlisted(long since) {
            return new Entry(id, addedAt, expiresAt, since, unreachableSince, lastTriedAt);
        }

        public Entry withReachability(long unreachable, long tried) {
            return new Entry(id, addedAt, expiresAt, unlistedSince, unreachable, tried);
        }
    }

    List<Entry> load();

    void save(List<Entry> guards);

    /** A store in memory (tests, ephemeral nodes). */
    static GuardStore inMemory() {
        return new GuardStore() {
            private List<Entry> guards = new ArrayList<>();

            @Override
            public List<Entry> load() {
                return List.copyOf(guards);
            }

            @Override
            public void save(List<Entry> g) {
                guards = new ArrayList<>(g);
            }
        };
    }
}
