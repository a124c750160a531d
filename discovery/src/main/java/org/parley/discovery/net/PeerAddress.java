package org.parley.discovery.net;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.discovery.internal.WireReader;
import org.parley.discovery.internal.WireWriter;

/**
 * A peer's listening address: a raw IPv4 (4 bytes) or IPv6 (16 bytes) address and a TCP port.
 * Host names are resolved before they get here (see the bootstrap package).
 */
public record PeerAddress(Bytes ip, int port) {
    public PeerAddress {
        if (ip.length() != 4 && ip.length() != 16) {
            throw ParleyException.malformed("IP address must be 4 or 16 bytes, got " + ip.length());
        }
        if (port < 0 || port > 0xffff) {
            throw ParleyException.malformed("port out of range: " + port);
        }
    }

    public static PeerAddress ipv4(int a, int b, int c, int d, int port) {
        return new PeerAddress(Bytes.wrap(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}), port);
    }

    public boolean isIpv4() {
        return ip.length() == 4;
    }

    /**
     * The network prefix used for the "at most 2 per prefix" eclipse limit: the /24 for IPv4,
     * the /48 for IPv6 (the usual smallest routed allocation).
     */
    public Bytes prefixKey() {
        return isIpv4() ? ip.slice(0, 3) : ip.slice(0, 6);
    }

    /**
     * The coarser network prefix of the second eclipse limit: the /16 for IPv4, the /32 for IPv6
     * (a typical provider allocation; Tor's EnforceDistinctSubnets uses the same two sizes). Keys
     * of the two families never collide (2 vs 4 bytes), nor with {@link #prefixKey} (3 vs 6).
     */
    public Bytes subnetKey() {
        return isIpv4() ? ip.slice(0, 2) : ip.slice(0, 4);
    }

    public void encode(WireWriter w) {
        w.u8(isIpv4() ? 4 : 6).bytes(ip).u16(port);
    }

    public static PeerAddress decode(WireReader r) {
        int family = r.u8("address family");
        int len = switch (family) {
            case 4 -> 4;
            case 6 -> 16;
            default -> throw ParleyException.malformed("unknown address family " + family);
        };
        return new PeerAddress(r.bytes(len, "IP address"), r.u16("port"));
    }

    /** Text form for debug logs only (full addresses are not logged at info or above). */
    @Override
    public String toString() {
        if (isIpv4()) {
            return (ip.get(0) & 0xff) + "." + (ip.get(1) & 0xff) + "." + (ip.get(2) & 0xff) + "." + (ip.get(3) & 0xff) + ":" + port;
        }
        return "[" + ip.hex() + "]:" + port;
    }
}
