package org.parley.discovery.bootstrap;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.kademlia.DhtConfig;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.sim.SimNetwork;
import org.parley.discovery.sim.SimNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BootstrapperTest {
    private static final DhtConfig CFG = DhtConfig.DEFAULTS.withDisjointPaths(1);

    private static String ip(PeerAddress a) {
        return (a.ip().get(0) & 0xff) + "." + (a.ip().get(1) & 0xff) + "." + (a.ip().get(2) & 0xff) + "." + (a.ip().get(3) & 0xff);
    }

    @Test
    void seedParsing() {
        Seed s = Seed.parse("10.0.0.1:7000#" + "ab".repeat(32));
        assertThat(s.host()).isEqualTo("10.0.0.1");
        assertThat(s.port()).isEqualTo(7000);
        assertThat(s.pinned()).isPresent();
        assertThat(Seed.parse("[::1]:9").host()).isEqualTo("::1");
        assertThat(Seed.parse("parley-seed.default.svc:7000").pinned()).isEmpty();
        assertThatThrownBy(() -> Seed.parse("nohost")).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> Seed.parse("h:99999")).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> Seed.parse("h:1#zz")).isInstanceOf(ParleyException.class);
    }

    @Test
    void pinnedSeedBootstrapsAndSavesLastKnownGoodPeers() {
        SimNetwork sim = new SimNetwork(51);
        sim.grow(20, CFG);
        SimNode seed = sim.nodes.get(0);
        SimNode fresh = sim.addNode(CFG);
        PeerStore store = PeerStore.inMemory();
        Bootstrapper b = new Bootstrapper(BootstrapConfig.of(List.of(new Seed(ip(seed.dht().self().address()),
                seed.dht().self().address().port(), Optional.of(seed.dht().id())))), fresh.dht(), fresh.endpoint(),
                host -> CompletableFuture.failedFuture(new IllegalStateException("no DNS here")), store, sim.clock, sim.scheduler, new Random(1));
        b.start();
        sim.scheduler.advance(10_000);
        assertThat(b.status().ready()).isTrue();
        assertThat(fresh.dht().table().size()).isGreaterThan(10);
        assertThat(store.load()).isNotEmpty();
        b.stop();
    }

    @Test
    void wrongPinIsRefusedAndStatusSaysNoReachableSeedThenBacksOff() {
        SimNetwork sim = new SimNetwork(52);
        sim.grow(5, CFG);
        SimNode seed = sim.nodes.get(0);
        SimNode fresh = sim.addNode(CFG);
        NodeIdentity someoneElse = NodeIdentity.fromSeed(Bytes.wrap(new byte[32]));
        Bootstrapper b = new Bootstrapper(new BootstrapConfig(List.of(new Seed(ip(seed.dht().self().address()),
                seed.dht().self().address().port(), Optional.of(someoneElse.nodeId()))), 1000, 8000, 32),
                fresh.dht(), fresh.endpoint(), host -> CompletableFuture.completedFuture(List.of()), PeerStore.inMemory(),
                sim.clock, sim.scheduler, new Random(1));
        b.start();
        sim.scheduler.advance(100);
        assertThat(b.status().state()).isEqualTo(Bootstrapper.State.NOT_READY);
        assertThat(b.status().detail()).isEqualTo(Bootstrapper.NO_REACHABLE_SEED);
        assertThat(fresh.dht().table().size()).isZero();
        // Retries back off: 1 s, 2 s, 4 s, 8 s, 8 s ... (±20 %): about 5 attempts in 30 s.
        sim.scheduler.advance(30_000);
        assertThat(b.status().attempts()).isBetween(4, 7);
        b.stop();
    }

    @Test
    void dnsSeedIsPinnedOnFirstContactAndRecoveryAfterSeedComesUp() {
        SimNetwork sim = new SimNetwork(53);
        sim.grow(10, CFG);
        SimNode seed = sim.nodes.get(2);
        SimNode fresh = sim.addNode(CFG);
        PeerAddress seedAddr = seed.dht().self().address();
        Map<String, List<Bytes>> dns = new java.util.HashMap<>();
        AddressResolver resolver = host -> CompletableFuture.completedFuture(dns.getOrDefault(host, List.of()));
        Bootstrapper b = new Bootstrapper(new BootstrapConfig(List.of(new Seed("seeds.parley.test", seedAddr.port(), Optional.empty())),
                1000, 4000, 32), fresh.dht(), fresh.endpoint(), resolver, PeerStore.inMemory(), sim.clock, sim.scheduler, new Random(2));
        b.start();
        sim.scheduler.advance(100);
        assertThat(b.status().detail()).isEqualTo(Bootstrapper.NO_REACHABLE_SEED); // name does not resolve yet
        dns.put("seeds.parley.test", List.of(seedAddr.ip()));
        sim.scheduler.advance(10_000);
        assertThat(b.status().ready()).isTrue();
        assertThat(b.pins()).containsEntry(seedAddr, seed.dht().id());
        b.stop();
    }
}
