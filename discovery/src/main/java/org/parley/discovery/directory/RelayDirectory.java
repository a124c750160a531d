package org.parley.discovery.directory;

import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.parley.discovery.kademlia.DhtNode;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.record.RecordKind;
import org.parley.discovery.record.RecordValidator;
import org.parley.discovery.record.RelayDescriptor;
import org.parley.discovery.record.RelayDescriptorCodec;
import org.parley.discovery.record.RelayFlag;
import org.parley.discovery.record.SignedRecord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * This node's view of the relays: validated relay descriptors learned from lookups, from
 * peers (STORE, GET_RELAYS) and from {@link DirectorySync}. Keeps the newest version per relay,
 * drops expired ones (record or onion key) and ones that failed {@code maxFailures} RPCs in a
 * row, and answers path-selection queries. Listens to a {@link DhtNode}. Not thread-safe.
 */
public final class RelayDirectory implements DhtNode.Listener {
    /** A known relay. */
    public record Relay(RelayDescriptor descriptor, SignedRecord record) {
        public NodeId nodeId() {
            return descriptor.nodeId();
        }
    }

    private static final class Entry {
        Relay relay;
        int failures;

        Entry(Relay relay) {
            this.relay = relay;
        }
    }

    private final RecordValidator validator;
    private final Clock clock;
    private final int maxRelays;
    private final int maxFailures;
    private final Map<NodeId, Entry> relays = new HashMap<>();

    public RelayDirectory(RecordValidator validator, Clock clock, int maxRelays, int maxFailures, DiscoveryMetrics metrics) {
        this.validator = validator;
        this.clock = clock;
        this.maxRelays = maxRelays;
        this.maxFailures = maxFailures;
        metrics.bindRelaysKnown(this::relaysKnown);
    }

    /** Validates and keeps a relay descriptor record; true if it is new or newer than what we had. */
    public boolean offer(SignedRecord r) {
        if (r.kind() != RecordKind.RELAY_DESCRIPTOR) return false;
        try {
            validator.validate(r, clock.nowMillis());
        } catch (ParleyException e) {
            return false;
        }
        return keep(r);
    }

    private boolean keep(SignedRecord r) {
        RelayDescriptor d = RelayDescriptorCodec.decode(r.payload());
        NodeId id = d.nodeId();
        Entry e = relays.get(id);
        if (e != null) {
            if (e.relay.record().version() >= r.version()) return false;
            e.relay = new Relay(d, r);
            return true;
        }
        if (relays.size() >= maxRelays) {
            expire();
            if (relays.size() >= maxRelays) return false;
        }
        relays.put(id, new Entry(new Relay(d, r)));
        return true;
    }

    /** From the DHT, which validated the record already (no second signature check). */
    @Override
    public void recordSeen(SignedRecord record) {
        if (record.kind() == RecordKind.RELAY_DESCRIPTOR && !record.expiredAt(clock.nowMillis())) keep(record);
    }

    @Override
    public void peerUnreachable(NodeId id) {
        markUnreachable(id);
    }

    /** Counts a failed contact; the relay is dropped after maxFailures in a row. */
    public void markUnreachable(NodeId id) {
        Entry e = relays.get(id);
        if (e != null && ++e.failures >= maxFailures) relays.remove(id);
    }

    public void markReachable(NodeId id) {
        Entry e = relays.get(id);
        if (e != null) e.failures = 0;
    }

    /** Drops relays whose record or onion key has expired; returns how many. */
    public int expire() {
        long now = clock.nowMillis();
        int n = 0;
        for (Iterator<Entry> it = relays.values().iterator(); it.hasNext(); ) {
            Relay r = it.next().relay;
            if (r.record().expiredAt(now) || r.descriptor().onionKeyExpiresAt() <= now) {
                it.remove();
                n++;
            }
        }
        return n;
    }

    public int relaysKnown() {
        return relays.size();
    }

    public Optional<Relay> get(NodeId id) {
        Entry e = relays.get(id);
        return e == null || e.relay.record().expiredAt(clock.nowMillis()) ? Optional.empty() : Optional.of(e.relay);
    }

    /**
     * Candidates for path selection: unexpired relays with all {@code required} flags (RELAY is
     * always required), not in {@code exclude} and not in the declared family of any excluded
     * relay, highest advertised bandwidth first (ties by node id). Weighting and randomness are
     * the path selector's job.
     */
    public List<Relay> candidates(Set<RelayFlag> required, Set<NodeId> exclude, int max) {
        long now = clock.nowMillis();
        List<Relay> out = new ArrayList<>();
        for (Entry e : relays.values()) {
            Relay r = e.relay;
            RelayDescriptor d = r.descriptor();
            if (r.record().expiredAt(now) || d.onionKeyExpiresAt() <= now) continue;
            if (!d.flags().contains(RelayFlag.RELAY) || !d.flags().containsAll(required)) continue;
            if (exclude.contains(r.nodeId()) || inFamilyOf(d, exclude)) continue;
            out.add(r);
        }
        out.sort(Comparator.comparingLong((Relay r) -> -r.descriptor().bandwidthKBps()).thenComparing(Relay::nodeId));
        return out.size() > max ? out.subList(0, max) : out;
    }

    private boolean inFamilyOf(RelayDescriptor d, Set<NodeId> exclude) {
        for (NodeId f : d.family()) {
            if (exclude.contains(f)) return true;
        }
        for (NodeId x : exclude) {
            Entry e = relays.get(x);
            if (e != null && e.relay.descriptor().family().contains(d.nodeId())) return true;
        }
        return false;
    }

    /**
     * Answers the bus query {@code DiscoveryMessage.RelayQuery(max)}: up to {@code max} known,
     * unexpired relays (RELAY flag), as the core bus record. Address = the first listed address
     * ("a.b.c.d:port" or "[hex16]:port"), family = comma-separated node id hex.
     */
    public org.parley.core.bus.DiscoveryMessage.RelayList relayList(int max) {
        List<org.parley.core.bus.DiscoveryMessage.RelayInfo> out = new ArrayList<>();
        for (Relay r : candidates(Set.of(), Set.of(), Math.max(0, max))) {
            RelayDescriptor d = r.descriptor();
            StringBuilder family = new StringBuilder();
            for (NodeId f : d.family()) {
                if (family.length() > 0) family.append(',');
                family.append(f.hex());
            }
            out.add(new org.parley.core.bus.DiscoveryMessage.RelayInfo(r.nodeId().hex(), d.addresses().get(0).toString(),
                    d.onionKey(), family.toString(), d.bandwidthKBps(), d.flags().contains(RelayFlag.GUARD_CAPABLE),
                    d.flags().contains(RelayFlag.INBOX)));
        }
        return new org.parley.core.bus.DiscoveryMessage.RelayList(out);
    }

    /** Records of all known relays (for answering digest exchange). */
    public List<SignedRecord> records(int max) {
        List<SignedRecord> out = new ArrayList<>();
        for (Entry e : relays.values()) {
            if (out.size() >= max) break;
            out.add(e.relay.record());
        }
        return out;
    }
}
