package org.parley.routing.cell;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * One link specifier of EXTEND2: {@code LSTYPE (1) | LSLEN (1) | LSPEC}. Parley uses two types
 * from the private range: {@link #TYPE_NODE_ID} (the 32-byte node id the next link must
 * authenticate as) and {@link #TYPE_ADDRESS} (an opaque UTF-8 transport address, e.g.
 * {@code host:port}). Other types are carried and ignored.
 */
public record LinkSpecifier(int type, Bytes body) {
    public static final int TYPE_NODE_ID = 0x80;
    public static final int TYPE_ADDRESS = 0x81;

    public static LinkSpecifier nodeId(NodeId id) {
        return new LinkSpecifier(TYPE_NODE_ID, id.value());
    }

    public static LinkSpecifier address(String address) {
        return new LinkSpecifier(TYPE_ADDRESS, Bytes.wrap(address.getBytes(StandardCharsets.UTF_8)));
    }

    public static Optional<NodeId> findNodeId(List<LinkSpecifier> specs) {
        return specs.stream().filter(s -> s.type == TYPE_NODE_ID && s.body.length() == NodeId.LENGTH)
                .map(s -> new NodeId(s.body)).findFirst();
    }

    public static Optional<String> findAddress(List<LinkSpecifier> specs) {
        return specs.stream().filter(s -> s.type == TYPE_ADDRESS)
                .map(s -> new String(s.body.toArray(), StandardCharsets.UTF_8)).findFirst();
    }
}
