package org.parley.verticles.hostile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.routing.cell.Cell;
import org.parley.routing.link.Link;
import org.parley.verticles.link.LinkRpcCodec;
import org.parley.verticles.link.TlsLinkTransport;
import org.parley.verticles.tls.IdentityTls;
import org.parley.verticles.testing.LinkRecorder;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile peers against a real TLS 1.3 peer-link listener on loopback: half-open handshakes,
 * a frame trickled byte by byte (slowloris), more links than {@code maxLinks}, an oversize link
 * RPC. Each is closed or refused, counted in {@code parley_routing_link_limit_hits_total{limit}},
 * and an honest peer still gets a link afterwards.
 */
class LinkHostileIT {
    private static final SecureRandom RANDOM = new SecureRandom();
    Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static void await(BooleanSupplier cond, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!cond.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(10);
        assertThat(cond.getAsBoolean()).isTrue();
    }

    static double hits(MeterRegistry r, String limit) {
        Counter c = r.find("parley.routing.link.limit.hits").tag("limit", limit).counter();
        return c == null ? -1 : c.count();
    }

    /**
     * A raw TLS 1.3 client presenting {@code id}'s certificate that opens like an honest dialer (its
     * first frame a link-control Hello), then writes whatever the test wants.
     */
    NetSocket rawTls(NodeIdentity id, int port) throws Exception {
        return rawTls(vertx, id, port).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** {@link #rawTls(NodeIdentity, int)} without waiting: the socket belongs to the caller's context (FloodLatencyIT's attackers). */
    static io.vertx.core.Future<NetSocket> rawTls(Vertx vertx, NodeIdentity id, int port) {
        NetClient c = vertx.createNetClient(tlsClientOptions(id));
        return c.connect(port, "127.0.0.1").map(s -> {
            s.write(Buffer.buffer(org.parley.verticles.link.LinkControl.encode(org.parley.verticles.link.LinkControl.HELLO)));
            return s;
        });
    }

    /** TLS 1.3 client options presenting {@code id}'s link certificate and accepting any peer identity. */
    static NetClientOptions tlsClientOptions(NodeIdentity id) {
        NetClientOptions o = new NetClientOptions().setSsl(true).setKeyCertOptions(IdentityTls.linkKeyCert(id))
                .setTrustOptions(IdentityTls.pinned(x -> true)).setHostnameVerificationAlgorithm("");
        o.getSslOptions().setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
        return o;
    }

    private void honestPeerStillConnects(NodeIdentity server, int port) throws Exception {
        TlsLinkTransport honest = new TlsLinkTransport(vertx, NodeIdentity.generate(RANDOM), new LinkRecorder(), new SimpleMeterRegistry(), 60);
        Link ok = honest.connect(server.nodeId(), "127.0.0.1:" + port).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(ok.peer()).contains(server.nodeId());
    }

    @Test
    void halfOpenHandshakesAreDroppedAfterTheHandshakeTimeoutAndCounted() throws Exception {
        NodeIdentity b = NodeIdentity.generate(RANDOM);
        MeterRegistry reg = new SimpleMeterRegistry();
        LinkRecorder rb = new LinkRecorder();
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, rb, reg, 60, 1_500, 64);
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        honestPeerStillConnects(b, port); // also warms TLS up, so the honest handshake below is quick
        assertThat(hits(reg, "handshake-timeout")).isZero();
        int n = 6;
        List<Socket> sockets = new java.util.ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.setSoTimeout(10_000);
                // nothing, or the first bytes of a TLS record header, then silence
                if (i % 2 == 1) s.getOutputStream().write(new byte[]{0x16, 0x03, 0x01});
                sockets.add(s);
            }
            for (Socket s : sockets) {
                InputStream in = s.getInputStream();
                int r;
                try {
                    r = in.read();
                } catch (SocketException reset) {
                    r = -1;
                }
                assertThat(r).isEqualTo(-1); // the listener closed it; it did not wait forever
            }
        } finally {
            for (Socket s : sockets) s.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        await(() -> hits(reg, "handshake-timeout") == n, 5_000);
        assertThat(seconds).isBetween(1.4, 8.0);
        assertThat(rb.opened).hasSize(1); // only the honest peer's link
        System.out.printf("[hostile] %d half-open TLS handshakes dropped after %.2f s%n", n, seconds);
        honestPeerStillConnects(b, port);
    }

    /**
     * A peer that links and then stops reading: the relay keeps sending it cells (a real link's
     * traffic, e.g. circuits it still carries), the kernel's buffers fill, and past the link's queue
     * limit (1 MiB here) the relay closes the link instead of queueing without bound; the close is
     * counted ({@code link-queue}) and reported to routing.
     */
    @Test
    void aPeerThatStopsReadingIsClosedAtTheLinkQueueLimit() throws Exception {
        NodeIdentity b = NodeIdentity.generate(RANDOM);
        MeterRegistry reg = new SimpleMeterRegistry();
        LinkRecorder rb = new LinkRecorder();
        int limit = 1 << 20;
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, rb, reg, 60, new TlsLinkTransport.Limits(5_000, 64, limit,
                org.parley.routing.link.AcceptLimits.defaults()));
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // a small receive buffer (no autotuning up to tens of MB)
        NetSocket attacker = vertx.createNetClient(tlsClientOptions(NodeIdentity.generate(RANDOM)).setReceiveBufferSize(64 * 1024))
                .connect(port, "127.0.0.1").map(sock -> {
                    sock.write(Buffer.buffer(org.parley.verticles.link.LinkControl.encode(org.parley.verticles.link.LinkControl.HELLO)));
                    return sock;
                }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await(() -> rb.opened.size() == 1, 5_000);
        attacker.pause(); // reads nothing from now on
        Link link = rb.opened.get(0);
        byte[] cell = new byte[org.parley.routing.cell.Cell.CELL_LEN];
        cell[3] = 1; // some circuit's cell (circuit id 1, command PADDING)
        long start = System.nanoTime();
        int sent = 0;
        // up to 100,000 cells (~51 MB), in batches, until the relay gives up on the link (bounded in time too)
        while (rb.closed.isEmpty() && sent < 100_000 && System.nanoTime() - start < 20_000_000_000L) {
            for (int i = 0; i < 500; i++) link.send(org.parley.core.Bytes.wrap(cell.clone()));
            sent += 500;
            Thread.sleep(2);
        }
        System.out.printf("[hostile] sent %d cells in %.2f s; link-queue hits %.0f%n", sent, (System.nanoTime() - start) / 1e9,
                hits(reg, "link-queue"));
        await(() -> rb.closed.size() == 1, 10_000);
        System.out.printf("[hostile] a peer that reads nothing: link closed after %d cells (%.1f MB) in %.2f s%n",
                sent, sent * 514 / 1e6, (System.nanoTime() - start) / 1e9);
        assertThat(hits(reg, "link-queue")).isEqualTo(1.0);
        assertThat(rb.closed).containsExactly(link);
        attacker.close();
        honestPeerStillConnects(b, port);
    }

    @Test
    void aFrameTrickledByteByByteIsClosedAfterTheIdleTimeoutThoughBytesKeepComing() throws Exception {
        NodeIdentity b = NodeIdentity.generate(RANDOM);
        MeterRegistry reg = new SimpleMeterRegistry();
        LinkRecorder rb = new LinkRecorder();
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, rb, reg, 1, 5_000, 64);
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        NetSocket s = rawTls(NodeIdentity.generate(RANDOM), port);
        AtomicBoolean closed = new AtomicBoolean();
        s.closeHandler(v -> closed.set(true));
        // one whole frame first (an honest start), then one byte every 100 ms: the idle timer never fires
        s.write(Buffer.buffer(new byte[Cell.CELL_LEN]));
        await(() -> rb.frames.size() == 1, 5_000);
        int sent = 0;
        long start = System.nanoTime();
        while (!closed.get() && sent < 40) {
            s.write(Buffer.buffer(new byte[]{1}));
            sent++;
            Thread.sleep(100);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(closed.get()).isTrue();
        assertThat(sent).isLessThan(Cell.CELL_LEN);
        assertThat(seconds).isBetween(0.9, 3.0);
        await(() -> rb.closed.size() == 1, 5_000);
        assertThat(hits(reg, "slow-link")).isEqualTo(1);
        System.out.printf("[hostile] trickled frame: link closed after %.2f s and %d bytes%n", seconds, sent);
        honestPeerStillConnects(b, port);
    }

    @Test
    void inboundLinksPastMaxLinksAreRefusedAndCounted() throws Exception {
        NodeIdentity b = NodeIdentity.generate(RANDOM);
        MeterRegistry reg = new SimpleMeterRegistry();
        LinkRecorder rb = new LinkRecorder();
        int max = 3;
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, rb, reg, 60, 5_000, max);
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        List<Link> links = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 7; i++) {
            TlsLinkTransport t = new TlsLinkTransport(vertx, NodeIdentity.generate(RANDOM), new LinkRecorder(), new SimpleMeterRegistry(), 60);
            try {
                links.add(t.connect(b.nodeId(), "127.0.0.1:" + port).toCompletableFuture().get(10, TimeUnit.SECONDS));
            } catch (Exception refused) {
                // refused before or right after the handshake: either way no link on the server
            }
        }
        await(() -> hits(reg, "max-links") == 7 - max, 5_000);
        assertThat(rb.opened).hasSize(max);
        assertThat(reg.find("parley.routing.links.open").gauge().value()).isEqualTo(max);
        // a slot frees, an honest peer gets it
        rb.opened.get(0).close();
        await(() -> reg.find("parley.routing.links.open").gauge().value() == max - 1, 5_000);
        honestPeerStillConnects(b, port);
        await(() -> rb.opened.size() == max + 1, 5_000);
    }

    @Test
    void anOversizeLinkRpcClosesTheLinkAndIsCounted() throws Exception {
        NodeIdentity b = NodeIdentity.generate(RANDOM);
        MeterRegistry reg = new SimpleMeterRegistry();
        LinkRecorder rb = new LinkRecorder();
        TlsLinkTransport tb = new TlsLinkTransport(vertx, b, rb, reg, 60);
        List<Bytes> rpcs = new CopyOnWriteArrayList<>();
        tb.setRpcListener((from, rpc) -> rpcs.add(rpc));
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        NetSocket s = rawTls(NodeIdentity.generate(RANDOM), port);
        AtomicBoolean closed = new AtomicBoolean();
        s.closeHandler(v -> closed.set(true));
        // "more follows" chunks without end: the reassembly passes MAX_MESSAGE after ~130 frames
        Bytes chunk = LinkRpcCodec.encode(Bytes.wrap(new byte[2 * Cell.CELL_LEN])).get(0);
        Buffer all = Buffer.buffer();
        int frames = LinkRpcCodec.MAX_MESSAGE / (Cell.CELL_LEN - 8) + 2;
        for (int i = 0; i < frames; i++) all.appendBytes(chunk.toArray());
        s.write(all);
        await(closed::get, 5_000);
        assertThat(rpcs).isEmpty();
        assertThat(hits(reg, "rpc-size")).isEqualTo(1);
        assertThat(reg.find("parley.routing.link.rpc.dropped").counter().count()).isEqualTo(1);
        honestPeerStillConnects(b, port);
    }
}
