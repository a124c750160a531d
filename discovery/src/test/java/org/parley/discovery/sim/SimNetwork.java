package org.parley.discovery.sim;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.ManualClock;
import org.parley.core.time.ManualScheduler;
import org.parley.discovery.kademlia.DhtConfig;
import org.parley.discovery.kademlia.DhtNode;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.PeerAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builds N DHT nodes on one {@link InMemoryNetwork}, deterministic from a seed. */
public final class SimNetwork {
    public static final long START = 1_700_000_000_000L;
    public final ManualClock clock = new ManualClock(START);
    public final ManualScheduler scheduler = new ManualScheduler(clock);
    public final InMemoryNetwork net = new InMemoryNetwork(scheduler, 10);
    public final Random random;
    public final List<SimNode> nodes = new ArrayList<>();
    private int nextAddress;

    public SimNetwork(long seed) {
        this.random = new Random(seed);
    }

    public NodeIdentity newIdentity() {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        return NodeIdentity.fromSeed(Bytes.wrap(seed));
    }

    /**
     * A fresh address in its own /16, as honest nodes of a real network mostly are: a.b.1.1 with
     * a = 20..219 (outside 10/8, where the attackers of the hostile tests live).
     */
    public PeerAddress newAddress() {
        int n = nextAddress++;
        return PeerAddress.ipv4(20 + n % 200, (n / 200) & 0xff, 1, 1, 7000);
    }

    public SimNode addNode(DhtConfig config) {
        return addNode(config, newIdentity(), newAddress());
    }

    public SimNode addNode(DhtConfig config, NodeIdentity id, PeerAddress address) {
        InMemoryNetwork.Endpoint ep = net.endpoint(id.publicKey(), address);
        DhtNode dht = new DhtNode(config, id, address, ep, clock, scheduler, new Random(random.nextLong()), DiscoveryMetrics.NOOP);
        dht.start();
        SimNode n = new SimNode(id, dht, ep);
        nodes.add(n);
        return n;
    }

    /** Builds {@code n} nodes, each bootstrapping from a random earlier live node. */
    public void grow(int n, DhtConfig config) {
        for (int i = 0; i < n; i++) {
            SimNode node = addNode(config);
            if (nodes.size() == 1) continue;
            SimNode seed = nodes.get(random.nextInt(nodes.size() - 1));
            net.await(node.dht().bootstrap(List.of(seed.dht().self())), 60_000);
        }
    }

    public List<SimNode> live() {
        List<SimNode> out = new ArrayList<>();
        for (SimNode n : nodes) {
            if (!net.isDead(n.dht().id())) out.add(n);
        }
        return out;
    }
}
