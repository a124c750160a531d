package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.discovery.net.Contact;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The eclipse limits on a list of contacts: at most {@code maxPer24} per /24 (IPv4) or /48
 * (IPv6) and at most {@code maxPer16} per /16 (IPv4) or /32 (IPv6).
 */
final class PrefixLimit {
    private PrefixLimit() {
    }

    /** Keeps list order; drops contacts over either limit; stops at {@code n}. */
    static List<Contact> apply(List<Contact> sorted, int maxPer24, int maxPer16, int n) {
        Map<Bytes, Integer> per24 = new HashMap<>();
        Map<Bytes, Integer> per16 = new HashMap<>();
        List<Contact> out = new ArrayList<>(Math.min(n, sorted.size()));
        for (Contact c : sorted) {
            if (out.size() >= n) break;
            Bytes p24 = c.address().prefixKey();
            Bytes p16 = c.address().subnetKey();
            if (per24.getOrDefault(p24, 0) >= maxPer24 || per16.getOrDefault(p16, 0) >= maxPer16) continue;
            per24.merge(p24, 1, Integer::sum);
            per16.merge(p16, 1, Integer::sum);
            out.add(c);
        }
        return out;
    }
}
