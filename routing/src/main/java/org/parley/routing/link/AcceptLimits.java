package org.parley.routing.link;

import org.parley.core.ParleyException;
import org.parley.core.limit.TokenBucket;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Which inbound peer connections a node admits to a TLS handshake, decided at TCP accept, before
 * any TLS work (as Tor's DoS connection defence does, dos-spec: per-address concurrent-connection
 * count and connect rate): per source address a token bucket of new connections and a cap on its
 * handshakes under way, and a cap on all handshakes under way. A refused connection costs the node
 * an accept and a close; an admitted one a TLS handshake, so a source that opens connections and
 * never finishes them (half-open floods) gets at most {@code perSourceRate} handshakes a second
 * out of the node.
 *
 * <p>A source is an IPv4 address or an IPv6 /64 (one host's usual allocation). Sources seen are
 * forgotten once their bucket has refilled and they have no handshake under way; at most
 * {@code maxSources} are kept, past which connections from new sources are refused
 * ({@link Refusal#SOURCES}) until some are forgotten. Single-threaded: the transport calls it from
 * its event loop.
 */
public final class AcceptLimits {
    /** Why a connection was refused; {@link #tag} is the metric tag. */
    public enum Refusal {
        /** The source opened connections faster than its rate (past its burst). */
        RATE("accept-rate"),
        /** The source already has its cap of handshakes under way. */
        SOURCE_HANDSHAKES("handshakes-per-source"),
        /** The node has its cap of handshakes under way, from all sources. */
        HANDSHAKES("handshakes-total"),
        /** The table of sources seen lately is full. */
        SOURCES("accept-sources");

        public final String tag;

        Refusal(String tag) {
            this.tag = tag;
        }
    }

    /** Defaults: 20 new connections a second per source (burst 100), 32 handshakes per source, 256 in all, 16,384 sources. */
    public static final double DEFAULT_PER_SOURCE_RATE = 20;
    public static final int DEFAULT_PER_SOURCE_BURST = 100;
    public static final int DEFAULT_HANDSHAKES_PER_SOURCE = 32;
    public static final int DEFAULT_HANDSHAKES_TOTAL = 256;
    public static final int DEFAULT_MAX_SOURCES = 16_384;

    private final double perSourceRate;
    private final int perSourceBurst;
    private final int handshakesPerSource;
    private final int handshakesTotal;
    private final int maxSources;
    private final Map<String, Source> sources = new HashMap<>();
    private int underWay;

    private static final class Source {
        final TokenBucket bucket;
        int handshakes;

        Source(TokenBucket bucket) {
            this.bucket = bucket;
        }
    }

    /**
     * @param perSourceRate new connections a second per source (0 or less: no rate limit)
     * @param perSourceBurst connections a source may open at once before the rate applies
     * @param handshakesPerSource handshakes under way per source
     * @param handshakesTotal handshakes under way in all
     * @param maxSources sources remembered at once
     */
    public AcceptLimits(double perSourceRate, int perSourceBurst, int handshakesPerSource, int handshakesTotal, int maxSources) {
        if (perSourceBurst < 1 || handshakesPerSource < 1 || handshakesTotal < 1 || maxSources < 1) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "accept limits must be positive (a rate of 0 turns the rate off)");
        }
        this.perSourceRate = perSourceRate;
        this.perSourceBurst = perSourceBurst;
        this.handshakesPerSource = handshakesPerSource;
        this.handshakesTotal = handshakesTotal;
        this.maxSources = maxSources;
    }

    public static AcceptLimits defaults() {
        return new AcceptLimits(DEFAULT_PER_SOURCE_RATE, DEFAULT_PER_SOURCE_BURST, DEFAULT_HANDSHAKES_PER_SOURCE,
                DEFAULT_HANDSHAKES_TOTAL, DEFAULT_MAX_SOURCES);
    }

    /** The same limits with {@code perSecond} new connections per source (burst 5x). */
    public static AcceptLimits perSourceRate(double perSecond) {
        return new AcceptLimits(perSecond, Math.max(1, (int) Math.ceil(5 * perSecond)), DEFAULT_HANDSHAKES_PER_SOURCE,
                DEFAULT_HANDSHAKES_TOTAL, DEFAULT_MAX_SOURCES);
    }

    /**
     * A connection from {@code source} (see {@link #source}) wants a handshake: null if admitted
     * (then {@link #done} must follow once its handshake ends, however it ends), else why not.
     */
    public Refusal admit(String source, long nowMillis) {
        Source s = sources.get(source);
        if (s == null) {
            if (sources.size() >= maxSources) forget(nowMillis);
            if (sources.size() >= maxSources) return Refusal.SOURCES;
            s = new Source(new TokenBucket(perSourceRate, perSourceBurst, nowMillis));
            sources.put(source, s);
        }
        if (!s.bucket.tryTake(nowMillis)) return Refusal.RATE;
        if (s.handshakes >= handshakesPerSource) return Refusal.SOURCE_HANDSHAKES;
        if (underWay >= handshakesTotal) return Refusal.HANDSHAKES;
        s.handshakes++;
        underWay++;
        return null;
    }

    /** The handshake of a connection {@link #admit} let in from {@code source} has ended (done, failed or timed out). */
    public void done(String source) {
        Source s = sources.get(source);
        if (s == null || s.handshakes == 0) return;
        s.handshakes--;
        underWay--;
    }

    public double perSourceRate() {
        return perSourceRate;
    }

    public int perSourceBurst() {
        return perSourceBurst;
    }

    /** Handshakes under way now. */
    public int underWay() {
        return underWay;
    }

    /** Sources remembered now. */
    public int sources() {
        return sources.size();
    }

    private void forget(long nowMillis) {
        for (Iterator<Source> it = sources.values().iterator(); it.hasNext(); ) {
            Source s = it.next();
            if (s.handshakes == 0 && s.bucket.full(nowMillis)) it.remove();
        }
    }

    /**
     * The source key of an IP literal: an IPv4 address as it is, an IPv6 address's /64 (an
     * IPv4-mapped IPv6 address as its IPv4 address); anything else as given.
     */
    public static String source(String ipLiteral) {
        if (ipLiteral == null || ipLiteral.isEmpty()) return "?";
        if (ipLiteral.indexOf(':') < 0) return ipLiteral;
        try {
            // a literal with a colon is IPv6: InetAddress parses it without any lookup
            byte[] a = InetAddress.getByName(ipLiteral.startsWith("[") ? ipLiteral.substring(1, ipLiteral.length() - 1)
                    : ipLiteral.split("%", 2)[0]).getAddress();
            if (a.length == 4) return InetAddress.getByAddress(a).getHostAddress();
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                b.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
            }
            return b.append(":/64").toString();
        } catch (Exception e) {
            return ipLiteral;
        }
    }
}
