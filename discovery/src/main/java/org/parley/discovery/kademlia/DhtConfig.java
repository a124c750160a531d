package org.parley.discovery.kademlia;

import org.parley.core.ParleyException;
import org.parley.discovery.record.RecordLimits;

/**
 * Immutable DHT settings with defaults ({@link #DEFAULTS}) and validation.
 *
 * @param k                      bucket size and replication factor (20)
 * @param alpha                  parallel queries per lookup path (3)
 * @param disjointPaths          S/Kademlia disjoint lookup paths; 1 = plain Kademlia (default 4)
 * @param rpcTimeoutMillis       an RPC without a reply after this fails (2000)
 * @param maxPerPrefix           contacts per /24 (IPv4) or /48 (IPv6) per bucket and per lookup result (2)
 * @param maxFailures            consecutive RPC failures before a contact is evicted (2)
 * @param maxLookupQueries       hard cap on RPCs one lookup sends (300)
 * @param refreshIntervalMillis  a bucket untouched this long gets a lookup of a random id in its range (15 min)
 * @param maintenanceIntervalMillis how often expiry and refresh run (60 s)
 * @param republishIntervalMillis own records are republished at least this often (1 h), and always before half their remaining life
 * @param lightMode              client only: never stored in others' tables, never publishes a relay descriptor, refuses STORE
 * @param rateLimitPerSecond     inbound requests per peer per second (token refill)
 * @param rateLimitBurst         inbound request burst per peer
 * @param maxRecords             records held for others
 * @param maxPublishersPerKey    records under one key from different publishers
 * @param records                record size / TTL / proof-of-work limits
 * @param maxPerSubnet16         contacts per /16 (IPv4) or /32 (IPv6) per bucket, per lookup path and per lookup
 *                               result (4 = 2 × maxPerPrefix: two /24s of one provider still fill their share, while
 *                               an attacker holding a whole /16 gets at most 4 of the k = 20 closest, i.e. ≥ 80 %
 *                               of a lookup result comes from other /16s); ≥ k switches it off (a test network
 *                               whose nodes all share one /16: one host, one Kubernetes pod network)
 * @param maxRecordsPerPeer      records held for others that one peer (the sender of the STORE, by node id) may
 *                               have placed here (64); more are refused (REFUSED) and counted
 * @param maxRecordsPerSubnet    the same per /24 (IPv4) or /48 (IPv6) of the sender's address (256: a few
 *                               dozen honest nodes behind one NAT or in one cloud /24 still fit); ≥ maxRecords
 *                               switches it off (a test network on one host)
 */
public record DhtConfig(int k, int alpha, int disjointPaths, long rpcTimeoutMillis, int maxPerPrefix, int maxFailures,
                        int maxLookupQueries, long refreshIntervalMillis, long maintenanceIntervalMillis,
                        long republishIntervalMillis, boolean lightMode, double rateLimitPerSecond, int rateLimitBurst,
                        int maxRecords, int maxPublishersPerKey, RecordLimits records, int maxPerSubnet16,
                        int maxRecordsPerPeer, int maxRecordsPerSubnet) {
    /** Default records one peer may place here. */
    public static final int DEFAULT_MAX_RECORDS_PER_PEER = 64;
    /** Default records the peers of one /24 (/48) may place here. */
    public static final int DEFAULT_MAX_RECORDS_PER_SUBNET = 256;

    public static final DhtConfig DEFAULTS = new DhtConfig(20, 3, 4, 2000, 2, 2, 300,
            15 * 60_000L, 60_000L, 3_600_000L, false, 20.0, 100, 10_000, 8, RecordLimits.DEFAULTS);

    /** The settings without the /16 and per-peer record limits given: 2 × maxPerPrefix per /16, default record limits. */
    public DhtConfig(int k, int alpha, int disjointPaths, long rpcTimeoutMillis, int maxPerPrefix, int maxFailures,
                     int maxLookupQueries, long refreshIntervalMillis, long maintenanceIntervalMillis,
                     long republishIntervalMillis, boolean lightMode, double rateLimitPerSecond, int rateLimitBurst,
                     int maxRecords, int maxPublishersPerKey, RecordLimits records) {
        this(k, alpha, disjointPaths, rpcTimeoutMillis, maxPerPrefix, maxFailures, maxLookupQueries, refreshIntervalMillis,
                maintenanceIntervalMillis, republishIntervalMillis, lightMode, rateLimitPerSecond, rateLimitBurst, maxRecords,
                maxPublishersPerKey, records, 2 * maxPerPrefix, DEFAULT_MAX_RECORDS_PER_PEER, DEFAULT_MAX_RECORDS_PER_SUBNET);
    }

    public DhtConfig {
        check(k >= 1 && k <= 32, "k must be 1..32 (replies carry at most 32 contacts)");
        check(alpha >= 1 && alpha <= 16, "alpha must be 1..16");
        check(disjointPaths >= 1 && disjointPaths <= k, "disjointPaths must be 1..k");
        check(rpcTimeoutMillis > 0, "rpcTimeoutMillis must be positive");
        check(maxPerPrefix >= 1, "maxPerPrefix must be at least 1");
        check(maxFailures >= 1, "maxFailures must be at least 1");
        check(maxLookupQueries >= alpha, "maxLookupQueries must be at least alpha");
        check(refreshIntervalMillis > 0 && maintenanceIntervalMillis > 0 && republishIntervalMillis > 0, "intervals must be positive");
        check(rateLimitPerSecond > 0 && rateLimitBurst >= 1, "rate limit must be positive");
        check(maxRecords >= 1 && maxPublishersPerKey >= 1, "record store limits must be positive");
        check(records != null, "records limits required");
        check(maxPerSubnet16 >= maxPerPrefix, "maxPerSubnet16 must be at least maxPerPrefix (a /16 holds the /24)");
        check(maxRecordsPerPeer >= 1 && maxRecordsPerSubnet >= maxRecordsPerPeer,
                "maxRecordsPerPeer must be at least 1 and maxRecordsPerSubnet at least maxRecordsPerPeer");
    }

    private static void check(boolean ok, String msg) {
        if (!ok) throw new ParleyException(ParleyException.Kind.CONFIG, "discovery config: " + msg);
    }

    public DhtConfig withDisjointPaths(int d) {
        return new DhtConfig(k, alpha, d, rpcTimeoutMillis, maxPerPrefix, maxFailures, maxLookupQueries, refreshIntervalMillis,
                maintenanceIntervalMillis, republishIntervalMillis, lightMode, rateLimitPerSecond, rateLimitBurst, maxRecords,
                maxPublishersPerKey, records, maxPerSubnet16, maxRecordsPerPeer, maxRecordsPerSubnet);
    }

    public DhtConfig withLightMode(boolean light) {
        return new DhtConfig(k, alpha, disjointPaths, rpcTimeoutMillis, maxPerPrefix, maxFailures, maxLookupQueries, refreshIntervalMillis,
                maintenanceIntervalMillis, republishIntervalMillis, light, rateLimitPerSecond, rateLimitBurst, maxRecords,
                maxPublishersPerKey, records, maxPerSubnet16, maxRecordsPerPeer, maxRecordsPerSubnet);
    }

    public DhtConfig withRecords(RecordLimits r) {
        return new DhtConfig(k, alpha, disjointPaths, rpcTimeoutMillis, maxPerPrefix, maxFailures, maxLookupQueries, refreshIntervalMillis,
                maintenanceIntervalMillis, republishIntervalMillis, lightMode, rateLimitPerSecond, rateLimitBurst, maxRecords,
                maxPublishersPerKey, r, maxPerSubnet16, maxRecordsPerPeer, maxRecordsPerSubnet);
    }

    public DhtConfig withRateLimit(double perSecond, int burst) {
        return new DhtConfig(k, alpha, disjointPaths, rpcTimeoutMillis, maxPerPrefix, maxFailures, maxLookupQueries, refreshIntervalMillis,
                maintenanceIntervalMillis, republishIntervalMillis, lightMode, perSecond, burst, maxRecords,
                maxPublishersPerKey, records, maxPerSubnet16, maxRecordsPerPeer, maxRecordsPerSubnet);
    }

    /** The /16 (/32) limit of the routing table and of lookups; ≥ k switches it off. */
    public DhtConfig withMaxPerSubnet16(int max) {
        return new DhtConfig(k, alpha, disjointPaths, rpcTimeoutMillis, maxPerPrefix, maxFailures, maxLookupQueries, refreshIntervalMillis,
                maintenanceIntervalMillis, republishIntervalMillis, lightMode, rateLimitPerSecond, rateLimitBurst, maxRecords,
                maxPublishersPerKey, records, max, maxRecordsPerPeer, maxRecordsPerSubnet);
    }

    /** Records one peer, and the peers of one /24 (/48), may place here. */
    public DhtConfig withRecordsPerPeer(int perPeer, int perSubnet) {
        return new DhtConfig(k, alpha, disjointPaths, rpcTimeoutMillis, maxPerPrefix, maxFailures, maxLookupQueries, refreshIntervalMillis,
                maintenanceIntervalMillis, republishIntervalMillis, lightMode, rateLimitPerSecond, rateLimitBurst, maxRecords,
                maxPublishersPerKey, records, maxPerSubnet16, perPeer, perSubnet);
    }
}
