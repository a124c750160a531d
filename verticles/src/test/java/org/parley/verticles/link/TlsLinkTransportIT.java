package org.parley.verticles.link;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeIdentity;
import org.parley.routing.cell.Cell;
import org.parley.routing.link.Link;
import org.parley.verticles.testing.LinkRecorder;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real TLS 1.3 links on loopback between identity-bound certificates. */
class TlsLinkTransportIT {
    Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static void await(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.currentTimeMillis() + 10_000;
        while (!cond.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(10);
        assertThat(cond.getAsBoolean()).isTrue();
    }

    @Test
    void linksAuthenticateBothWaysCarryFixedFramesAndCloseOnBothSides() throws Exception {
        NodeIdentity a = NodeIdentity.generate(new SecureRandom());
        NodeIdentity b = NodeIdentity.generate(new SecureRandom());
        LinkRecorder ra = new LinkRecorder();
        LinkRecorder rb = new LinkRecorder();
        TlsLinkTransport ta = new TlsLinkTransport(vertx, a, ra, new SimpleMeterRegistry(), 60);
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, rb, new SimpleMeterRegistry(), 60);
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        Link link = ta.connect(b.nodeId(), "127.0.0.1:" + port).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(link.peer()).contains(b.nodeId());
        assertThat(link.initiator()).isTrue();
        await(() -> rb.opened.size() == 1);
        assertThat(rb.opened.get(0).peer()).contains(a.nodeId());
        assertThat(rb.opened.get(0).initiator()).isFalse();

        byte[] f1 = new byte[Cell.CELL_LEN];
        byte[] f2 = new byte[Cell.CELL_LEN];
        new SecureRandom().nextBytes(f1);
        new SecureRandom().nextBytes(f2);
        link.send(Bytes.of(f1));
        link.send(Bytes.of(f2));
        await(() -> rb.frames.size() == 2);
        assertThat(rb.frames).containsExactly(Bytes.of(f1), Bytes.of(f2));

        rb.opened.get(0).send(Bytes.of(f2));
        await(() -> ra.frames.size() == 1);
        assertThat(ra.frames.get(0)).isEqualTo(Bytes.of(f2));

        link.close();
        await(() -> ra.closed.size() == 1 && rb.closed.size() == 1);
    }

    @Test
    void dialerRefusesAPeerThatIsNotTheNodeItMeantToReach() throws Exception {
        NodeIdentity a = NodeIdentity.generate(new SecureRandom());
        NodeIdentity b = NodeIdentity.generate(new SecureRandom());
        NodeIdentity expected = NodeIdentity.generate(new SecureRandom());
        LinkRecorder ra = new LinkRecorder();
        TlsLinkTransport ta = new TlsLinkTransport(vertx, a, ra, new SimpleMeterRegistry(), 60);
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, new LinkRecorder(), new SimpleMeterRegistry(), 60);
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> ta.connect(expected.nodeId(), "127.0.0.1:" + port).toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ParleyException.class).hasMessageContaining("link refused");
        assertThat(ra.opened).isEmpty();
    }

    @Test
    void plainTcpAndGarbageAreRefusedWithoutHurtingTheListener() throws Exception {
        NodeIdentity a = NodeIdentity.generate(new SecureRandom());
        NodeIdentity b = NodeIdentity.generate(new SecureRandom());
        LinkRecorder rb = new LinkRecorder();
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, rb, new SimpleMeterRegistry(), 60);
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(new byte[4096]);
            // the TLS server answers garbage with an alert or a close: the read ends, it does not hang
            byte[] buf = new byte[1024];
            int total = 0;
            int n;
            try {
                while ((n = s.getInputStream().read(buf)) >= 0 && total < 1 << 16) total += n;
            } catch (java.io.IOException closed) {
                // reset by peer: refused
            }
        }
        assertThat(rb.opened).isEmpty();
        // the listener still serves a real peer
        TlsLinkTransport ta = new TlsLinkTransport(vertx, a, new LinkRecorder(), new SimpleMeterRegistry(), 60);
        Link ok = ta.connect(b.nodeId(), "127.0.0.1:" + port).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(ok.peer()).contains(b.nodeId());
    }

    @Test
    void linkRpcsTravelBesideCellsInFragmentsAndIdentifyReportsTheKey() throws Exception {
        NodeIdentity a = NodeIdentity.generate(new SecureRandom());
        NodeIdentity b = NodeIdentity.generate(new SecureRandom());
        LinkRecorder rb = new LinkRecorder();
        TlsLinkTransport ta = new TlsLinkTransport(vertx, a, new LinkRecorder(), new SimpleMeterRegistry(), 60);
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, rb, new SimpleMeterRegistry(), 60);
        List<Bytes> got = new CopyOnWriteArrayList<>();
        List<org.parley.core.identity.NodeId> from = new CopyOnWriteArrayList<>();
        tb.setRpcListener((peer, rpc) -> {
            from.add(peer);
            got.add(rpc);
        });
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(ta.identify("127.0.0.1:" + port).toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(b.publicKey());

        byte[] big = new byte[3000];
        new SecureRandom().nextBytes(big);
        ta.sendRpc(b.nodeId(), "127.0.0.1:" + port, Bytes.of(big)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        ta.sendRpc(b.nodeId(), "127.0.0.1:" + port, Bytes.fromHex("01")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        await(() -> got.size() == 2);
        assertThat(got).containsExactly(Bytes.of(big), Bytes.fromHex("01"));
        assertThat(from).containsOnly(a.nodeId());
        assertThat(rb.frames).as("RPC frames never reach routing").isEmpty();

        assertThatThrownBy(() -> ta.sendRpc(b.nodeId(), "127.0.0.1:" + port, Bytes.wrap(new byte[LinkRpcCodec.MAX_MESSAGE + 1]))
                .toCompletableFuture().get(10, TimeUnit.SECONDS)).cause().isInstanceOf(ParleyException.class);
    }

    @Test
    void reassemblyRefusesBadHeadersAndOversizeMessages() {
        LinkRpcCodec.Reassembly r = new LinkRpcCodec.Reassembly();
        Bytes ok = LinkRpcCodec.encode(Bytes.fromHex("0102")).get(0);
        assertThat(r.accept(ok)).isEqualTo(Bytes.fromHex("0102"));
        byte[] bad = ok.toArray();
        bad[5] = 7; // unknown flags
        assertThatThrownBy(() -> r.accept(Bytes.of(bad))).isInstanceOf(ParleyException.class);
        byte[] withCirc = ok.toArray();
        withCirc[3] = 1;
        assertThatThrownBy(() -> r.accept(Bytes.of(withCirc))).isInstanceOf(ParleyException.class);
        LinkRpcCodec.Reassembly big = new LinkRpcCodec.Reassembly();
        byte[] more = LinkRpcCodec.encode(Bytes.wrap(new byte[600])).get(0).toArray(); // a full chunk with MORE set
        assertThatThrownBy(() -> {
            for (int i = 0; i < 200; i++) big.accept(Bytes.of(more));
        }).isInstanceOf(ParleyException.class).hasMessageContaining("larger than");
    }

    @Test
    void concurrentDialsToOnePeerShareOneLink() throws Exception {
        NodeIdentity a = NodeIdentity.generate(new SecureRandom());
        NodeIdentity b = NodeIdentity.generate(new SecureRandom());
        LinkRecorder rb = new LinkRecorder();
        TlsLinkTransport ta = new TlsLinkTransport(vertx, a, new LinkRecorder(), new SimpleMeterRegistry(), 60);
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, rb, new SimpleMeterRegistry(), 60);
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        var first = ta.connect(b.nodeId(), "127.0.0.1:" + port).toCompletableFuture();
        var second = ta.connect(b.nodeId(), "127.0.0.1:" + port).toCompletableFuture();
        assertThat(first.get(10, TimeUnit.SECONDS)).isSameAs(second.get(10, TimeUnit.SECONDS));
        assertThat(ta.connect(b.nodeId(), "127.0.0.1:" + port).toCompletableFuture().get(10, TimeUnit.SECONDS)).isSameAs(first.get());
        await(() -> rb.opened.size() == 1);
        Thread.sleep(200);
        assertThat(rb.opened).hasSize(1);
    }
}
