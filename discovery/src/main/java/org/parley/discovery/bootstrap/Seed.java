package org.parley.discovery.bootstrap;

import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;

import java.util.Optional;

/**
 * A configured bootstrap peer: host (IP literal or DNS name), port, and optionally the node id
 * it must prove. Without a pinned id the identity is learned on first contact and pinned from
 * then on (trust on first use; meant for a DNS name such as a Kubernetes headless service).
 * Text form: {@code host:port} or {@code host:port#<64 hex node id>}; IPv6 as {@code [addr]:port}.
 */
public record Seed(String host, int port, Optional<NodeId> pinned) {
    public Seed {
        if (host == null || host.isBlank()) throw new ParleyException(ParleyException.Kind.CONFIG, "seed host is empty");
        if (port < 1 || port > 65535) throw new ParleyException(ParleyException.Kind.CONFIG, "seed port out of range: " + port);
    }

    public static Seed parse(String text) {
        try {
            String s = text.trim();
            Optional<NodeId> pin = Optional.empty();
            int hash = s.indexOf('#');
            if (hash >= 0) {
                pin = Optional.of(NodeId.fromHex(s.substring(hash + 1)));
                s = s.substring(0, hash);
            }
            int colon = s.lastIndexOf(':');
            if (colon <= 0) throw new ParleyException(ParleyException.Kind.CONFIG, "seed needs host:port");
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            return new Seed(host, Integer.parseInt(s.substring(colon + 1)), pin);
        } catch (NumberFormatException e) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "bad seed port in '" + text + "'");
        } catch (ParleyException e) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "bad seed '" + text + "': " + e.getMessage());
        }
    }
}
