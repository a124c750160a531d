package org.parley.routing.path;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.routing.circuit.HopSpec;

import java.util.Set;

/**
 * A relay as the local directory describes it. {@code address} is {@code host:port} (IPv4,
 * {@code [IPv6]:port} or a name); {@code familyName} is the operator's declared family label
 * (empty for none) and {@code family} lists node ids declared as run by the same party (either
 * suffices to keep two relays off one path); {@code bandwidth} is the weight for random choice.
 */
public record RelayCandidate(NodeId id, String address, Bytes onionKey, String familyName, Set<NodeId> family,
                             long bandwidth, Set<Flag> flags) {
    public enum Flag { GUARD, STABLE, FAST, INBOX }

    public RelayCandidate {
        familyName = familyName == null ? "" : familyName.trim();
        family = Set.copyOf(family);
        flags = Set.copyOf(flags);
        if (bandwidth < 0) throw new IllegalArgumentException("bandwidth must not be negative");
    }

    public HopSpec hop() {
        return new HopSpec(id, address, onionKey);
    }

    /** Same non-empty family label, or one lists the other as family. */
    public boolean sameFamily(RelayCandidate other) {
        return (!familyName.isEmpty() && familyName.equals(other.familyName))
                || family.contains(other.id) || other.family.contains(id);
    }

    /**
     * The network this relay sits in for path diversity: the IPv4 /16 ("v4:a.b"), the IPv6 /32,
     * or for a host name the name itself.
     */
    public String subnet() {
        String host = address;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            String v6 = end > 0 ? host.substring(1, end) : host;
            String[] parts = v6.split(":");
            return "v6:" + (parts.length > 1 ? parts[0] + ":" + parts[1] : v6);
        }
        int colon = host.lastIndexOf(':');
        if (colon > 0) host = host.substring(0, colon);
        String[] octets = host.split("\\.");
        if (octets.length == 4 && host.matches("[0-9.]+")) {
            return "v4:" + octets[0] + "." + octets[1];
        }
        return "name:" + host.toLowerCase(java.util.Locale.ROOT);
    }
}
