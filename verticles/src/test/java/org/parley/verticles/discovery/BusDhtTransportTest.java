package org.parley.verticles.discovery;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.Clock;
import org.parley.discovery.kademlia.DhtConfig;
import org.parley.discovery.kademlia.DhtNode;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.parley.verticles.bus.BusCodecs;
import org.parley.verticles.node.VertxScheduler;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bus transport against fake routing consumers on one local event bus. */
class BusDhtTransportTest {
    static final SecureRandom RNG = new SecureRandom();
    Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        BusCodecs.register(vertx.eventBus());
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static <T> T on(Context ctx, Supplier<CompletableFuture<T>> work) throws Exception {
        CompletableFuture<T> out = new CompletableFuture<>();
        ctx.runOnContext(v -> work.get().whenComplete((r, e) -> {
            if (e != null) out.completeExceptionally(e); else out.complete(r);
        }));
        return out.get(10, TimeUnit.SECONDS);
    }

    BusDhtTransport started(Context ctx, BusDhtTransport.Wiring w) throws Exception {
        BusDhtTransport t = new BusDhtTransport(vertx, ctx, w, 2_000);
        on(ctx, () -> t.start().toCompletionStage().toCompletableFuture());
        return t;
    }

    @Test
    void sendAsksRoutingForAPinnedLinkRpcAndCountsRefusals() throws Exception {
        Context ctx = vertx.getOrCreateContext();
        BusDhtTransport.Wiring w = new BusDhtTransport.Wiring("t.out", "t.in", "t.id");
        List<RoutingMessage.LinkRpcOut> seen = new CopyOnWriteArrayList<>();
        vertx.eventBus().<RoutingMessage.LinkRpcOut>consumer("t.out", m -> {
            seen.add(m.body());
            if (m.body().address().startsWith("10.")) m.reply("queued");
            else m.fail(FailureCodes.of(ParleyException.Kind.PROTOCOL_VIOLATION), "wrong identity");
        }).completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        BusDhtTransport t = started(ctx, w);
        NodeIdentity peer = NodeIdentity.generate(RNG);
        Bytes rpc = Bytes.fromHex("010203");
        PeerAddress v6 = new PeerAddress(Bytes.fromHex("20010db8000000000000000000000001"), 9002);
        NodeIdentity peer2 = NodeIdentity.generate(RNG);
        ctx.runOnContext(v -> {
            t.send(new Contact(peer.publicKey(), PeerAddress.ipv4(10, 0, 0, 7, 9001)), rpc);
            t.send(new Contact(peer2.publicKey(), v6), rpc);
        });
        long end = System.currentTimeMillis() + 5_000;
        while ((seen.size() < 2 || t.sendFailures() < 1) && System.currentTimeMillis() < end) Thread.sleep(10);
        assertThat(seen).hasSize(2);
        assertThat(seen).extracting(RoutingMessage.LinkRpcOut::peerNodeId).containsExactlyInAnyOrder(peer.nodeId().hex(), peer2.nodeId().hex());
        assertThat(seen).extracting(RoutingMessage.LinkRpcOut::address).containsExactlyInAnyOrder("10.0.0.7:9001", "2001:db8:0:0:0:0:0:1:9002");
        assertThat(seen).extracting(RoutingMessage.LinkRpcOut::rpc).containsOnly(rpc);
        assertThat(t.sendFailures()).isEqualTo(1);
        // the IPv6 form round-trips through the parser routing's and ours share (split at the last colon)
        assertThat(BusDhtTransport.parseLiteral("2001:db8:0:0:0:0:0:1:9002")).isEqualTo(v6);
        assertThat(BusDhtTransport.parseLiteral("[2001:db8::1]:9002")).isEqualTo(v6);
        assertThatThrownBy(() -> BusDhtTransport.parseLiteral("seed.example:9000")).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> BusDhtTransport.parseLiteral("1.2.3.4")).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> BusDhtTransport.parseLiteral("1.2.3.400:1")).isInstanceOf(ParleyException.class);
    }

    @Test
    void messagesToAPeerWaitBehindTheFirstUntilRoutingHasALink() throws Exception {
        Context ctx = vertx.getOrCreateContext();
        List<io.vertx.core.eventbus.Message<RoutingMessage.LinkRpcOut>> held = new CopyOnWriteArrayList<>();
        vertx.eventBus().<RoutingMessage.LinkRpcOut>consumer("q.out", held::add)
                .completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        BusDhtTransport t = started(ctx, new BusDhtTransport.Wiring("q.out", "q.in", "q.id"));
        Contact p = new Contact(NodeIdentity.generate(RNG).publicKey(), PeerAddress.ipv4(10, 0, 0, 1, 1));
        Contact q = new Contact(NodeIdentity.generate(RNG).publicKey(), PeerAddress.ipv4(10, 0, 0, 2, 2));
        ctx.runOnContext(v -> {
            for (int i = 1; i <= 3; i++) t.send(p, Bytes.fromHex("0" + i));
            for (int i = 1; i <= 2; i++) t.send(q, Bytes.fromHex("1" + i));
        });
        Thread.sleep(300);
        assertThat(held).hasSize(2); // one per peer while routing connects
        held.stream().filter(m -> m.body().peerNodeId().equals(p.id().hex())).findFirst().orElseThrow().reply("queued");
        held.stream().filter(m -> m.body().peerNodeId().equals(q.id().hex())).findFirst().orElseThrow()
                .fail(FailureCodes.of(ParleyException.Kind.UNAVAILABLE), "cannot reach");
        long end = System.currentTimeMillis() + 5_000;
        while ((held.size() < 4 || t.sendFailures() < 2) && System.currentTimeMillis() < end) Thread.sleep(10);
        Thread.sleep(100);
        assertThat(held).extracting(m -> m.body().rpc().hex()).containsExactly(
                held.get(0).body().rpc().hex(), held.get(1).body().rpc().hex(), "02", "03");
        assertThat(held).extracting(m -> m.body().rpc().hex()).containsExactlyInAnyOrder("01", "11", "02", "03");
        assertThat(t.sendFailures()).isEqualTo(2); // q's first and the one queued behind it
        // p is linked now: the next message goes straight out
        ctx.runOnContext(v -> t.send(p, Bytes.fromHex("04")));
        end = System.currentTimeMillis() + 5_000;
        while (held.size() < 5 && System.currentTimeMillis() < end) Thread.sleep(10);
        assertThat(held.get(4).body().rpc().hex()).isEqualTo("04");
    }

    @Test
    void inboundRpcReachesTheReceiverOnItsContextAndBadSendersAreDropped() throws Exception {
        Context ctx = vertx.getOrCreateContext();
        BusDhtTransport t = started(ctx, new BusDhtTransport.Wiring("t.out", "t.in", "t.id"));
        CompletableFuture<Object[]> got = new CompletableFuture<>();
        t.setReceiver((from, rpc) -> got.complete(new Object[] {from, rpc, Vertx.currentContext() == ctx}));
        NodeId from = NodeIdentity.generate(RNG).nodeId();
        vertx.eventBus().send("t.in", new DiscoveryMessage.LinkRpcIn("not hex", Bytes.fromHex("09")));
        vertx.eventBus().send("t.in", new DiscoveryMessage.LinkRpcIn(from.hex(), Bytes.fromHex("0405")));
        Object[] r = got.get(5, TimeUnit.SECONDS);
        assertThat(r[0]).isEqualTo(from);
        assertThat(r[1]).isEqualTo(Bytes.fromHex("0405"));
        assertThat(r[2]).isEqualTo(true);
        assertThat(t.droppedInbound()).isEqualTo(1);
        on(ctx, () -> t.close().toCompletionStage().toCompletableFuture());
        assertThat(vertx.eventBus().request("t.in", new DiscoveryMessage.LinkRpcIn(from.hex(), Bytes.fromHex("01")))
                .toCompletionStage().toCompletableFuture()).failsWithin(5, TimeUnit.SECONDS);
    }

    @Test
    void identifyReturnsTheProvedKeyAndRefusesMismatchesAndFailures() throws Exception {
        Context ctx = vertx.getOrCreateContext();
        NodeIdentity peer = NodeIdentity.generate(RNG);
        NodeIdentity other = NodeIdentity.generate(RNG);
        vertx.eventBus().<RoutingMessage.IdentifyPeer>consumer("t.id", m -> {
            switch (m.body().address()) {
                case "10.0.0.1:1" -> m.reply(new RoutingMessage.PeerIdentified(peer.nodeId().hex(), peer.publicKey()));
                case "10.0.0.2:2" -> m.reply(new RoutingMessage.PeerIdentified(other.nodeId().hex(), peer.publicKey()));
                default -> m.fail(FailureCodes.of(ParleyException.Kind.UNAVAILABLE), "cannot reach");
            }
        }).completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        BusDhtTransport t = started(ctx, new BusDhtTransport.Wiring("t.out", "t.in", "t.id"));
        assertThat(on(ctx, () -> t.identify(PeerAddress.ipv4(10, 0, 0, 1, 1)))).isEqualTo(peer.publicKey());
        assertThatThrownBy(() -> on(ctx, () -> t.identify(PeerAddress.ipv4(10, 0, 0, 2, 2))))
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
        assertThatThrownBy(() -> on(ctx, () -> t.identify(PeerAddress.ipv4(10, 0, 0, 3, 3))))
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.UNAVAILABLE));
    }

    /** Fake routing: what A sends to B's id arrives at B's inbound address as from A's (authenticated) id. */
    void link(String outAddress, NodeId expectedPeer, NodeId sender, String peerIn) throws Exception {
        vertx.eventBus().<RoutingMessage.LinkRpcOut>consumer(outAddress, m -> {
            if (!m.body().peerNodeId().equals(expectedPeer.hex())) {
                m.fail(FailureCodes.of(ParleyException.Kind.PROTOCOL_VIOLATION), "unknown peer");
                return;
            }
            m.reply("queued");
            vertx.eventBus().send(peerIn, new DiscoveryMessage.LinkRpcIn(sender.hex(), m.body().rpc()));
        }).completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void twoDhtNodesJoinAndLookEachOtherUpOverTheBus() throws Exception {
        NodeIdentity a = NodeIdentity.generate(RNG);
        NodeIdentity b = NodeIdentity.generate(RNG);
        link("a.out", b.nodeId(), a.nodeId(), "b.in");
        link("b.out", a.nodeId(), b.nodeId(), "a.in");
        Context ca = vertx.getOrCreateContext();
        Context cb = vertx.getOrCreateContext();
        BusDhtTransport ta = started(ca, new BusDhtTransport.Wiring("a.out", "a.in", "a.id"));
        BusDhtTransport tb = started(cb, new BusDhtTransport.Wiring("b.out", "b.in", "b.id"));
        PeerAddress addrA = PeerAddress.ipv4(10, 0, 1, 1, 9000);
        PeerAddress addrB = PeerAddress.ipv4(10, 0, 2, 1, 9000);
        DhtNode[] nodes = new DhtNode[2];
        on(ca, () -> {
            nodes[0] = new DhtNode(DhtConfig.DEFAULTS, a, addrA, ta, Clock.system(), new VertxScheduler(ca), RNG, DiscoveryMetrics.NOOP);
            nodes[0].start();
            return CompletableFuture.completedFuture(null);
        });
        on(cb, () -> {
            nodes[1] = new DhtNode(DhtConfig.DEFAULTS, b, addrB, tb, Clock.system(), new VertxScheduler(cb), RNG, DiscoveryMetrics.NOOP);
            nodes[1].start();
            return CompletableFuture.completedFuture(null);
        });
        Integer size = on(ca, () -> nodes[0].bootstrap(List.of(new Contact(b.publicKey(), addrB))));
        assertThat(size).isEqualTo(1);
        assertThat(on(cb, () -> CompletableFuture.completedFuture(nodes[1].table().all())))
                .extracting(Contact::id).containsExactly(a.nodeId());
        assertThat(on(cb, () -> nodes[1].ping(new Contact(a.publicKey(), addrA)))).isTrue();
        // a contact whose key routing cannot link to (wrong pin) is never answered: the ping times out
        NodeIdentity stranger = NodeIdentity.generate(RNG);
        assertThat(on(ca, () -> nodes[0].ping(new Contact(stranger.publicKey(), addrB)))).isFalse();
        assertThat(ta.sendFailures()).isEqualTo(1);
        assertThat(ta.droppedInbound() + tb.droppedInbound()).isZero();
    }
}
