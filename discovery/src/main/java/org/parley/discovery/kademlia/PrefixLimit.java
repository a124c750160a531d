package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.discovery.net.Contact;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The eclipse limit: at most {@code max} contacts per address prefix (/24, /48) in a list. */
final class PrefixLimit {
    private PrefixLimit() {
    }

    /** Keeps list order; drops contacts over the per-prefix limit; stops at {@code n}. */
    static List<Contact> apply(List<Contact> sorted, int max, int n) {
        Map<Bytes, Integer> counts = new HashMap<>();
        List<Contact> out = new ArrayList<>(Math.min(n, sorted.size()));
        for (Contact c : sorted) {
            if (out.size() >= n) break;
            if (counts.merge(c.address().prefixKey(), 1, Integer::sum) <= max) out.add(c);
        }
        return out;
    }
}
