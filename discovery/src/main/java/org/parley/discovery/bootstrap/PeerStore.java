package org.parley.discovery.bootstrap;

import org.parley.discovery.net.Contact;

import java.util.List;

/**
 * Persists last-known-good peers (identity key + address) across restarts. The verticle backs it
 * with the storage module; tests with a list. Pins learned from DNS seeds live here too (a
 * contact carries its identity key).
 */
public interface PeerStore {
    List<Contact> load();

    void save(List<Contact> peers);

    /** An in-memory store (tests, or nodes without a data directory). */
    static PeerStore inMemory() {
        return new PeerStore() {
            private List<Contact> peers = List.of();

            @Override
            public List<Contact> load() {
                return peers;
            }

            @Override
            public void save(List<Contact> p) {
                peers = List.copyOf(p);
            }
        };
    }
}
