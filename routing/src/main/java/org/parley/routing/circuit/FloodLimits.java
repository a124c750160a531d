package org.parley.routing.circuit;

import org.parley.core.ParleyException;
import org.parley.core.limit.TokenBucket;

/**
 * Rate limits a relay puts on requests it can refuse, so that a peer pushing requests faster than
 * they may come wastes a bounded share of the relay's event loop: CREATE2 per link (each costs a
 * Diffie-Hellman before the handshake's MAC can fail), DELIVER (an envelope for an inbox) per
 * circuit and per link. Each is a {@link TokenBucket} ({@code perSecond} refill, {@code burst}
 * tokens); a rate of 0 turns that limit off. A request over the limit gets its explicit refusal
 * (CREATE2: DESTROY {@code RESOURCELIMIT}; DELIVER: ERROR {@code QUOTA}); a circuit that keeps
 * going past its DELIVER rate is closed once it has {@code closeCircuitAfter} refusals not yet
 * forgiven (each second forgives as many as the rate: {@link TokenBucket#strikes}), with DESTROY
 * {@code RESOURCELIMIT} (its cells still in flight then cost a table lookup each, not a decryption
 * and an answer), and a link the same way after {@code closeLinkAfter} CREATE2 refusals; 0 = never
 * close.
 *
 * <p>Per link means per link at this relay: a relay's link to another relay carries many users'
 * circuits, so the per-link limits are set well above what one user needs; the per-circuit limit
 * is what isolates one sender. The defaults ({@link #defaults()}): CREATE2 50/s (burst 200) per
 * link, DELIVER 500/s (burst 2,000) per circuit and 2,000/s (burst 8,000) per link — an honest
 * sender of a thousand messages at once stays under them — a circuit closed at 32 strikes, links
 * never closed: a link between relays carries other users' circuits, and a closed link's peer
 * reconnects at the price of a TLS handshake (the link layer now caps handshakes per source
 * address before any TLS work, but not per peer).
 */
public record FloodLimits(
        double create2PerLinkPerSecond,
        int create2PerLinkBurst,
        double deliverPerCircuitPerSecond,
        int deliverPerCircuitBurst,
        double deliverPerLinkPerSecond,
        int deliverPerLinkBurst,
        int closeCircuitAfter,
        int closeLinkAfter) {

    /** No limits: every request answered on its merits, nothing closed for its rate. */
    public static final FloodLimits OFF = new FloodLimits(0, 1, 0, 1, 0, 1, 0, 0);

    public static FloodLimits defaults() {
        return new FloodLimits(50, 200, 500, 2_000, 2_000, 8_000, 32, 0);
    }

    public FloodLimits {
        if (create2PerLinkPerSecond < 0 || deliverPerCircuitPerSecond < 0 || deliverPerLinkPerSecond < 0
                || Double.isNaN(create2PerLinkPerSecond) || Double.isNaN(deliverPerCircuitPerSecond)
                || Double.isNaN(deliverPerLinkPerSecond)) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "flood rates must be 0 (off) or positive");
        }
        if (create2PerLinkBurst < 1 || deliverPerCircuitBurst < 1 || deliverPerLinkBurst < 1) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "flood bursts must be positive");
        }
        if (closeCircuitAfter < 0 || closeLinkAfter < 0) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "close-after counts must be 0 (never) or positive");
        }
    }

    TokenBucket create2Bucket(long now) {
        return new TokenBucket(create2PerLinkPerSecond, create2PerLinkBurst, now);
    }

    TokenBucket deliverCircuitBucket(long now) {
        return new TokenBucket(deliverPerCircuitPerSecond, deliverPerCircuitBurst, now);
    }

    TokenBucket deliverLinkBucket(long now) {
        return new TokenBucket(deliverPerLinkPerSecond, deliverPerLinkBurst, now);
    }
}
