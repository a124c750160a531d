package org.parley.verticles.hostile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.wire.DhtMessage;
import org.parley.discovery.wire.DhtMessageCodec;
import org.parley.discovery.wire.Header;
import org.parley.verticles.config.ConfigLoader;
import org.parley.verticles.node.Node;
import org.parley.verticles.testing.FixedDirectoryNet;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The DHT address check through real links: a node (routing + discovery, peer links on
 * 127.0.1.1) gets DHT PINGs over TLS links from 127.0.0.1. A header claiming a routable address
 * is counted in {@code parley_discovery_address_mismatch_total} and answered at the link's IP;
 * loopback claims (a local testnet: listens on 127.0.x.1, connects from 127.0.0.1) are believed.
 */
class DhtAddressCheckIT {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static double mismatches(Node n) {
        Counter c = n.registry().find(DiscoveryMetrics.ADDRESS_MISMATCH_TOTAL).counter();
        return c == null ? 0 : c.count();
    }

    /** A raw peer: sends one PING claiming {@code claimed} over its own TLS link, waits for the PONG. */
    private static void ping(Vertx vertx, Node node, PeerAddress claimed) throws Exception {
        NodeIdentity me = NodeIdentity.generate(RANDOM);
        List<Bytes> replies = new CopyOnWriteArrayList<>();
        org.parley.verticles.link.TlsLinkTransport t = new org.parley.verticles.link.TlsLinkTransport(vertx, me,
                new org.parley.verticles.testing.LinkRecorder(), new SimpleMeterRegistry(), 60);
        t.setRpcListener((from, rpc) -> replies.add(rpc));
        Bytes ping = DhtMessageCodec.encode(new DhtMessage.Ping(new Header(7, new Contact(me.publicKey(), claimed), false)));
        t.sendRpc(node.nodeId(), "127.0.1.1:" + node.peerPort(), ping).toCompletableFuture().get(10, TimeUnit.SECONDS);
        FixedDirectoryNet.await(() -> !replies.isEmpty(), 10_000);
        assertThat(DhtMessageCodec.decode(replies.get(0))).isInstanceOf(DhtMessage.Pong.class);
        t.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aClaimedAddressThatIsNotTheLinksIpIsCountedAndTheReplyGoesOverTheLink(@TempDir Path dir) throws Exception {
        Map<String, Object> flags = new HashMap<>();
        flags.put("data-dir", dir.toString());
        flags.put("gateway.port", "0");
        flags.put("peer.port", "0");
        flags.put("peer.host", "127.0.1.1");
        Node node = Node.start(ConfigLoader.load(null, Map.of(), flags)).toCompletionStage().toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        Vertx vertx = Vertx.vertx();
        try {
            // honest testnet peers: they listen on 127.0.x.1 and their links come from 127.0.0.1
            ping(vertx, node, PeerAddress.ipv4(127, 0, 0, 1, 7001));
            ping(vertx, node, PeerAddress.ipv4(127, 0, 5, 1, 7002));
            assertThat(mismatches(node)).isZero();
            // a liar claiming an address in another /24 and /16
            ping(vertx, node, PeerAddress.ipv4(10, 1, 2, 3, 7003));
            FixedDirectoryNet.await(() -> mismatches(node) == 1, 5_000);
            ping(vertx, node, PeerAddress.ipv4(0, 0, 0, 0, 7004)); // a wildcard claim is not an address either
            FixedDirectoryNet.await(() -> mismatches(node) == 2, 5_000);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            node.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
