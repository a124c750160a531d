package org.parley.routing.path;

import org.parley.core.identity.NodeId;

import java.util.ArrayList;
import java.util.List;

/** Persists the primary guard list (in order of preference) across restarts. */
public interface GuardStore {
    List<NodeId> load();

    void save(List<NodeId> guards);

    /** A store in memory (tests, ephemeral nodes). */
    static GuardStore inMemory() {
        return new GuardStore() {
            private List<NodeId> guards = new ArrayList<>();

            @Override
            public List<NodeId> load() {
                return List.copyOf(guards);
            }

            @Override
            public void save(List<NodeId> g) {
                guards = new ArrayList<>(g);
            }
        };
    }
}
