package org.parley.verticles.testing;

import io.vertx.core.eventbus.DeliveryOptions;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.RoutingMessage;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real nodes in this JVM (TLS links on loopback, one data dir each) with discovery replaced by a
 * fixed relay directory served on every node's bus — the network the end-to-end tests share.
 * {@link #close()} stops every node started through it.
 */
public final class FixedDirectoryNet implements AutoCloseable {
    public static final EnumSet<Concern> RELAY = EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.GATEWAY);
    public static final EnumSet<Concern> USER = EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.DELIVERY, Concern.GATEWAY);

    public final List<Node> nodes = new ArrayList<>();
    public final List<DiscoveryMessage.RelayInfo> directory = new CopyOnWriteArrayList<>();

    /** Starts a node with the test defaults (ports 0, one-host subnet rule off, no cluster) and {@code tweak} applied. */
    public Node start(Path dir, EnumSet<Concern> only, String name, UnaryOperator<NodeConfig> tweak) throws Exception {
        NodeConfig cfg = tweak.apply(NodeConfig.defaults().withDataDir(dir).withPorts(0, 0).withDistinctSubnets(false)
                .withCluster(false, 5701, List.of(), only).withDelivery(name, 3600, true, List.of()));
        Node n = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        nodes.add(n);
        n.vertx().eventBus().<DiscoveryMessage.RelayQuery>consumer(Addresses.DISCOVERY_RELAYS,
                m -> m.reply(new DiscoveryMessage.RelayList(List.copyOf(directory))));
        return n;
    }

    public Node start(Path dir, EnumSet<Concern> only, String name) throws Exception {
        return start(dir, only, name, c -> c);
    }

    /** Starts {@code count} relay nodes in {@code root}/relay0.. and lists each in the directory (guard and inbox capable). */
    public List<Node> relays(Path root, int count, UnaryOperator<NodeConfig> tweak) throws Exception {
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Node r = start(root.resolve("relay" + i), RELAY, "", tweak);
            RoutingMessage.SelfDescriptor self = ask(r, Addresses.ROUTING_SELF, new RoutingMessage.DescribeSelf());
            directory.add(new DiscoveryMessage.RelayInfo(self.nodeId(), self.address(), self.onionKey(), "", 100, true, true));
            out.add(r);
        }
        return out;
    }

    public List<Node> relays(Path root, int count) throws Exception {
        return relays(root, count, c -> c);
    }

    /** A bus request to {@code n}, its reply body (30 s). */
    public static <T> T ask(Node n, String address, Object body) throws Exception {
        return n.vertx().eventBus().<T>request(address, body, new DeliveryOptions().setSendTimeout(30_000))
                .toCompletionStage().toCompletableFuture().get(40, TimeUnit.SECONDS).body();
    }

    /** Polls {@code c} until true or {@code ms} passed, then asserts it. */
    public static void await(BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(50);
        assertThat(c.getAsBoolean()).isTrue();
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            try {
                n.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // best effort
            }
        }
        nodes.clear();
    }
}
