package org.parley.verticles.link;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.routing.cell.Cell;
import org.parley.routing.link.Link;
import org.parley.verticles.testing.LinkRecorder;

import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.verticles.link.TlsLinkTransportIT.await;

/** Two nodes dialing each other at once end with one link that both sides chose. */
class TlsLinkSimultaneousOpenIT {
    static final int ROUNDS = 20;
    final SecureRandom random = new SecureRandom();
    Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    record Node(NodeIdentity id, LinkRecorder rec, SimpleMeterRegistry registry, TlsLinkTransport transport, int port) {
        String address() {
            return "127.0.0.1:" + port;
        }

        double linksOpen() {
            return registry.get("parley.routing.links.open").gauge().value();
        }

        double duplicates() {
            return registry.get("parley.routing.links.duplicates").counter().count();
        }
    }

    Node node() throws Exception {
        NodeIdentity id = NodeIdentity.generate(random);
        LinkRecorder rec = new LinkRecorder();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TlsLinkTransport t = new TlsLinkTransport(vertx, id, rec, registry, 60);
        int port = t.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return new Node(id, rec, registry, t, port);
    }

    static byte[] cell() {
        byte[] f = new byte[Cell.CELL_LEN];
        new SecureRandom().nextBytes(f);
        f[4] = 3; // RELAY: not a link RPC or control frame
        return f;
    }

    @Test
    void simultaneousDialsSettleOnOneSharedLinkEveryRound() throws Exception {
        long duplicatesSeen = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Node a = node();
            Node b = node();
            // vary the interleaving: who dials first, and a gap of 0-15 ms between the two dials
            Node first = round % 2 == 0 ? a : b;
            Node second = first == a ? b : a;
            CompletableFuture<Link> f1 = first.transport().connect(second.id().nodeId(), second.address()).toCompletableFuture();
            if (round % 4 >= 2) Thread.sleep((round % 4 - 1) * 5L + random.nextInt(6));
            CompletableFuture<Link> f2 = second.transport().connect(first.id().nodeId(), first.address()).toCompletableFuture();
            Link l1 = f1.get(15, TimeUnit.SECONDS);
            Link l2 = f2.get(15, TimeUnit.SECONDS);

            // the losing socket closes on both sides; then exactly one link each, the one routing saw
            await(() -> first.linksOpen() == 1 && second.linksOpen() == 1);
            Thread.sleep(50);
            assertThat(first.linksOpen()).as("round %d", round).isEqualTo(1);
            assertThat(second.linksOpen()).as("round %d", round).isEqualTo(1);
            assertThat(first.rec().opened).as("round %d", round).containsExactly(l1);
            assertThat(second.rec().opened).as("round %d", round).containsExactly(l2);
            assertThat(first.rec().closed).isEmpty();
            assertThat(second.rec().closed).isEmpty();
            assertThat(first.transport().canonical(second.id().nodeId())).contains(l1);
            assertThat(second.transport().canonical(first.id().nodeId())).contains(l2);

            // both hold the two ends of one TCP connection, and it is the one the lower node dialed
            assertThat(TlsLinkTransport.endpoints(l1)).isEqualTo(flip(TlsLinkTransport.endpoints(l2)));
            assertThat(l1.initiator()).isNotEqualTo(l2.initiator());
            boolean aLower = a.id().nodeId().compareTo(b.id().nodeId()) < 0;
            Link aLink = first == a ? l1 : l2;
            if (a.duplicates() + b.duplicates() > 0) {
                assertThat(aLink.initiator()).as("round %d: both dialed; the lower node's dial survives", round).isEqualTo(aLower);
            } else {
                // the first handshake was done before the second connect (fast engines, a gap): that one joined it
                assertThat(aLink.initiator()).as("round %d: one dial only; the first dialer's link", round).isEqualTo(first == a);
            }

            // a cell sent after resolution arrives, both ways
            byte[] c1 = cell();
            byte[] c2 = cell();
            l1.send(Bytes.of(c1));
            l2.send(Bytes.of(c2));
            await(() -> second.rec().frames.size() == 1 && first.rec().frames.size() == 1);
            assertThat(second.rec().frames).containsExactly(Bytes.of(c1));
            assertThat(first.rec().frames).containsExactly(Bytes.of(c2));

            // later connects reuse it
            assertThat(first.transport().connect(second.id().nodeId(), second.address()).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS)).isSameAs(l1);
            duplicatesSeen += (long) (a.duplicates() + b.duplicates());
            a.transport().close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            b.transport().close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        // the rounds did race: at least one second link was made and dropped somewhere
        assertThat(duplicatesSeen).isPositive();
    }

    static String flip(String endpoints) {
        int gt = endpoints.indexOf('>');
        return endpoints.substring(gt + 1) + ">" + endpoints.substring(0, gt);
    }

    @Test
    void aDialJoinsTheLinkThePeerOpenedAndAnIdentifyProbeDoesNotDisturbIt() throws Exception {
        Node a = node();
        Node b = node();
        Link ab = a.transport().connect(b.id().nodeId(), b.address()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        await(() -> b.rec().opened.size() == 1);
        // b already has the link a opened: connect reuses it instead of dialing
        Link ba = b.transport().connect(a.id().nodeId(), a.address()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(ba).isSameAs(b.rec().opened.get(0));
        assertThat(TlsLinkTransport.endpoints(ab)).isEqualTo(flip(TlsLinkTransport.endpoints(ba)));

        // both identify each other's address: each probe sees the peer linked and closes without Hello
        assertThat(b.transport().identify(a.address()).toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(a.id().publicKey());
        assertThat(a.transport().identify(b.address()).toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(b.id().publicKey());
        await(() -> a.linksOpen() == 1 && b.linksOpen() == 1);
        Thread.sleep(100);
        assertThat(a.linksOpen()).isEqualTo(1);
        assertThat(b.linksOpen()).isEqualTo(1);
        assertThat(a.rec().opened).containsExactly(ab);
        assertThat(b.rec().opened).containsExactly(ba);
        assertThat(a.rec().closed).isEmpty();
        assertThat(b.rec().closed).isEmpty();
        byte[] c = cell();
        ba.send(Bytes.of(c));
        await(() -> a.rec().frames.size() == 1);
        assertThat(a.rec().frames).containsExactly(Bytes.of(c));
    }

    @Test
    void aLinkWithoutHelloIsDroppedAtTheHandshakeTimeoutAndNeverReachesRouting() throws Exception {
        NodeIdentity bId = NodeIdentity.generate(random);
        LinkRecorder rb = new LinkRecorder();
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        TlsLinkTransport tb = new TlsLinkTransport(vertx, bId, rb, reg, 60, 300, 16);
        int port = tb.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // a real identity that completes TLS but never says Hello (identify of an unlinked peer does say it,
        // so use a raw client with an identity certificate)
        NodeIdentity aId = NodeIdentity.generate(random);
        io.vertx.core.net.NetClientOptions o = new io.vertx.core.net.NetClientOptions().setSsl(true)
                .setKeyCertOptions(org.parley.verticles.tls.IdentityTls.linkKeyCert(aId))
                .setTrustOptions(org.parley.verticles.tls.IdentityTls.pinned(id -> true))
                .setHostnameVerificationAlgorithm("");
        io.vertx.core.net.NetSocket s = vertx.createNetClient(o).connect(port, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        s.closeHandler(v -> closed.set(true));
        s.write(io.vertx.core.buffer.Buffer.buffer(cell())); // a cell before Hello: refused
        await(closed::get);
        assertThat(rb.opened).isEmpty();
        assertThat(rb.frames).isEmpty();
        assertThat(reg.get("parley.routing.link.rpc.dropped").counter().count()).isEqualTo(1);

        io.vertx.core.net.NetSocket silent = vertx.createNetClient(o).connect(port, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        java.util.concurrent.atomic.AtomicBoolean silentClosed = new java.util.concurrent.atomic.AtomicBoolean();
        silent.closeHandler(v -> silentClosed.set(true));
        await(silentClosed::get);
        assertThat(reg.get("parley.routing.link.limit.hits").tag("limit", "handshake-timeout").counter().count()).isEqualTo(1);
        assertThat(rb.opened).isEmpty();
    }

    /** A raw TLS client with {@code id}'s certificate that speaks only what the test writes. */
    io.vertx.core.net.NetSocket rawClient(NodeIdentity id, int port) throws Exception {
        io.vertx.core.net.NetClientOptions o = new io.vertx.core.net.NetClientOptions().setSsl(true)
                .setKeyCertOptions(org.parley.verticles.tls.IdentityTls.linkKeyCert(id))
                .setTrustOptions(org.parley.verticles.tls.IdentityTls.pinned(x -> true))
                .setHostnameVerificationAlgorithm("");
        return vertx.createNetClient(o).connect(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aConnectWhileThePeersLinkAwaitsItsHelloJoinsItAndDialsOnlyIfNoHelloComes() throws Exception {
        Node b = node();
        NodeIdentity a = NodeIdentity.generate(random);
        String nowhere = "127.0.0.1:1"; // a dial there fails: the connect must not need it
        io.vertx.core.net.NetSocket s = rawClient(a, b.port());
        await(() -> b.linksOpen() == 1);
        CompletableFuture<Link> joined = b.transport().connect(a.nodeId(), nowhere).toCompletableFuture();
        Thread.sleep(100);
        assertThat(joined).as("waits for the Hello rather than dialing").isNotDone();
        s.write(io.vertx.core.buffer.Buffer.buffer(LinkControl.encode(LinkControl.HELLO)));
        Link l = joined.get(10, TimeUnit.SECONDS);
        assertThat(l.initiator()).isFalse();
        assertThat(l.peer()).contains(a.nodeId());
        assertThat(b.rec().opened).containsExactly(l);
        byte[] c = cell();
        s.write(io.vertx.core.buffer.Buffer.buffer(c));
        await(() -> b.rec().frames.size() == 1);
        assertThat(b.rec().frames).containsExactly(Bytes.of(c));

        // a probe from another identity that closes without Hello: the postponed dial then runs (and fails here)
        NodeIdentity probe = NodeIdentity.generate(random);
        io.vertx.core.net.NetSocket p = rawClient(probe, b.port());
        await(() -> b.linksOpen() == 2);
        CompletableFuture<Link> postponed = b.transport().connect(probe.nodeId(), nowhere).toCompletableFuture();
        Thread.sleep(100);
        assertThat(postponed).isNotDone();
        p.close();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> postponed.get(10, TimeUnit.SECONDS)))
                .hasCauseInstanceOf(org.parley.core.ParleyException.class).hasMessageContaining("cannot reach");
        assertThat(b.rec().opened).hasSize(1);
    }
}
