package org.parley.discovery.net;

import org.parley.core.Bytes;

/**
 * Checks the address a peer claims in its DHT header against the IP its link is actually
 * connected to (what the transport observed on the socket). A peer can claim any address; the
 * per-/24 and per-/16 limits (routing table, record quota) must count the one it really has.
 *
 * <p>Rules: an unknown observed IP (a transport that cannot tell, e.g. the in-memory test network
 * of older tests) believes the claim. IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) is compared as the
 * IPv4 address. All loopback addresses (127.0.0.0/8 and ::1) are the same host: a local testnet
 * listens on 127.0.0.1 but is dialled through 127.0.1.1. Anything else must match byte for byte;
 * on a mismatch (a wildcard claim such as 0.0.0.0 included) the observed IP with the claimed port
 * is what the node believes. Pure functions, no state.
 */
public final class ObservedAddress {
    private static final Bytes V4_MAPPED_PREFIX = Bytes.fromHex("00000000000000000000ffff");

    private ObservedAddress() {
    }

    /**
     * @param address  the address to use for limits and the routing table
     * @param mismatch true when the claim was not believed ({@code address} is the observed IP)
     */
    public record Verdict(PeerAddress address, boolean mismatch) {
    }

    /** {@code claimed} checked against {@code observedIp} (4 or 16 bytes; null or another length = unknown). */
    public static Verdict check(PeerAddress claimed, Bytes observedIp) {
        if (observedIp == null || (observedIp.length() != 4 && observedIp.length() != 16)) {
            return new Verdict(claimed, false);
        }
        if (sameHost(claimed.ip(), observedIp)) return new Verdict(claimed, false);
        return new Verdict(new PeerAddress(normalize(observedIp), claimed.port()), true);
    }

    /** Whether two IPs (4 or 16 bytes) are the same host under the rules above. */
    public static boolean sameHost(Bytes a, Bytes b) {
        Bytes na = normalize(a);
        Bytes nb = normalize(b);
        if (isLoopback(na) && isLoopback(nb)) return true;
        return na.equals(nb);
    }

    /** An IPv4-mapped IPv6 address as its 4 IPv4 bytes; anything else unchanged. */
    public static Bytes normalize(Bytes ip) {
        if (ip.length() == 16 && ip.slice(0, 12).equals(V4_MAPPED_PREFIX)) return ip.slice(12, 16);
        return ip;
    }

    /** 127.0.0.0/8 or ::1. */
    public static boolean isLoopback(Bytes ip) {
        if (ip.length() == 4) return (ip.get(0) & 0xff) == 127;
        if (ip.length() != 16) return false;
        for (int i = 0; i < 15; i++) {
            if (ip.get(i) != 0) return false;
        }
        return ip.get(15) == 1;
    }
}
