package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.Contact;
import org.parley.discovery.record.SignedRecord;

import java.util.List;

/**
 * What an iterative lookup found.
 *
 * @param outcome       FOUND (value found, or for FIND_NODE: someone answered), NOT_FOUND, FAILED
 * @param records       valid records found (FIND_VALUE only), from the first node that had any
 * @param closest       up to k closest contacts that answered, closest first, prefix-limited
 * @param rounds        hops of the reply that ended the lookup (the value's, else the deepest
 *                      reply among {@code closest}); contacts from our own table are round 1
 * @param queries       RPCs sent
 * @param pathClosest   with d disjoint paths: each path's ceil(k/d) closest contacts that answered,
 *                      so replicas are not all placed in one (possibly hostile) region; equals
 *                      {@code closest} for d = 1
 */
public record LookupResult(Bytes target, DiscoveryMetrics.LookupResult outcome, List<SignedRecord> records,
                           List<Contact> closest, int rounds, int queries, long durationMillis,
                           List<Contact> pathClosest) {
    public LookupResult {
        records = List.copyOf(records);
        closest = List.copyOf(closest);
        pathClosest = List.copyOf(pathClosest);
    }

    /** Where to place replicas: {@code closest} plus each path's closest, without duplicates. */
    public List<Contact> replicaSet() {
        java.util.LinkedHashSet<Contact> s = new java.util.LinkedHashSet<>(closest);
        s.addAll(pathClosest);
        return List.copyOf(s);
    }

    public boolean found() {
        return outcome == DiscoveryMetrics.LookupResult.FOUND;
    }
}
