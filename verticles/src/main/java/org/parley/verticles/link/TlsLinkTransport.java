package org.parley.verticles.link;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.routing.cell.Cell;
import org.parley.routing.link.Link;
import org.parley.routing.link.LinkListener;
import org.parley.routing.link.Transport;
import org.parley.verticles.tls.IdentityTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Peer links over TLS 1.3 (Vert.x NetServer/NetClient), mutually authenticated with
 * identity-bound certificates ({@link IdentityTls}). Each side learns the other's node id from
 * its certificate key; the dialer closes the link unless it is the node id it meant to reach.
 * Frames are fixed {@link Cell#CELL_LEN}-byte cells. A link idle for {@code idleSeconds} closes.
 *
 * <p>Limits against hostile peers, each hit counted in {@code parley_routing_link_limit_hits_total{limit}}:
 * a TLS handshake not done within {@code handshakeTimeoutMillis} is dropped ({@code handshake-timeout});
 * a link that holds a partial frame for {@code idleSeconds} without completing it — bytes trickled
 * to dodge the idle timeout — is closed ({@code slow-link}); inbound links past {@code maxLinks}
 * are refused ({@code max-links}); a link RPC over {@link LinkRpcCodec#MAX_MESSAGE} closes its link
 * ({@code rpc-size}).
 *
 * <p>One link per neighbour pair, also when both dial each other at once (simultaneous open): the
 * link dialed by the node with the lower node id is canonical. The dialer's first frame is a
 * {@link LinkControl.Hello}; a dial that completes when the peer is already linked closes without
 * it (so identify probes and late duplicates never reach routing). On a link dialed by the
 * higher node the acceptor answers {@link LinkControl.Keep} or {@link LinkControl.Retire}, and the
 * higher node waits for that answer before it uses the link: the lower node says Retire while its
 * own dial is up or under way (deciding once that dial ends: Keep if it failed), so both sides
 * settle on the same link. A link is announced to the {@link LinkListener} only once it is
 * canonical, so routing never puts circuits on a loser; losers close without any
 * {@code onLinkClosed}. Dial waiters move to whichever link wins; a dial is not started while a
 * link to the peer is up or being settled. Duplicates closed are counted in
 * {@code parley_routing_links_duplicates_total}.
 *
 * <p>Create it on the routing verticle's context: every listener call then runs on that event loop.
 */
public final class TlsLinkTransport implements Transport {
    /**
     * BoringSSL (netty-tcnative) where its native library loads, else the JDK's engine; the two
     * interoperate. BoringSSL costs a fraction of the JDK engine per TLS record and per handshake
     * (docs/benchmarks.md); {@code -Dparley.tls.engine=jdk} forces the JDK engine.
     */
    static final io.vertx.core.net.SSLEngineOptions ENGINE = "jdk".equals(System.getProperty("parley.tls.engine"))
            || !io.vertx.core.net.OpenSSLEngineOptions.isAvailable()
            ? new io.vertx.core.net.JdkSSLEngineOptions() : new io.vertx.core.net.OpenSSLEngineOptions();
    private static final Logger LOG = LoggerFactory.getLogger(TlsLinkTransport.class);

    private final Vertx vertx;
    private final NodeIdentity identity;
    private final LinkListener listener;
    private final NetClient client;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger refusedHeld = new AtomicInteger();
    private final Counter refused;
    private final int idleSeconds;
    /** Per-peer link state (canonical link, waiters, links being settled); guarded by {@code this}. */
    private final java.util.Map<NodeId, PeerLinks> peers = new java.util.HashMap<>();
    private final Counter duplicates;
    /** How long the higher node waits for the link to settle after its dial's handshake. */
    private final long settleMillis;
    private final Counter rpcDropped;
    private final java.util.Map<String, Counter> limitHits = new java.util.HashMap<>();
    private final Counter readPauses;
    private final Set<TlsLink> all = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final int handshakeTimeoutMillis;
    private final int maxLinks;
    private final int maxQueueBytes;
    /** Which inbound connections get a TLS handshake at all; used on the listener's event loop only. */
    private final org.parley.routing.link.AcceptLimits accepts;
    /** The link key and its certificate signed by the identity ({@link IdentityTls#linkKeyCert}), built once for the client and the listener. */
    private final io.vertx.core.net.KeyCertOptions keyCert;
    private long sweepTimer = -1;
    private volatile AddressedRpcListener rpcListener = (from, remoteIp, rpc) -> { };
    private NetServer server;

    /** Receives link-level RPCs (DHT messages) that arrive on any link, on the event loop. */
    @FunctionalInterface
    public interface RpcListener {
        void onRpc(NodeId from, Bytes rpc);
    }

    /** As {@link RpcListener}, with the IP literal the link's socket is connected to (null if unknown). */
    @FunctionalInterface
    public interface AddressedRpcListener {
        void onRpc(NodeId from, String remoteIp, Bytes rpc);
    }

    /** Default limits of {@link #TlsLinkTransport(Vertx, NodeIdentity, LinkListener, MeterRegistry, int)}. */
    public static final int DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    public static final int DEFAULT_MAX_LINKS = 4096;
    /** Bytes queued to one link whose peer does not read, past which the link is closed: 16 MiB (~32,000 cells). */
    public static final int DEFAULT_MAX_QUEUE_BYTES = 16 * 1024 * 1024;
    static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    /** How long a connection refused at accept is held, unread, before it is closed; at most {@link #MAX_REFUSED_HELD} at once. */
    public static final int REFUSED_HOLD_MILLIS = 1_000;
    public static final int MAX_REFUSED_HELD = 256;
    /** Limit tags of {@code parley_routing_link_limit_hits_total}. */
    public static final List<String> LIMITS = java.util.stream.Stream.concat(
            java.util.stream.Stream.of("handshake-timeout", "slow-link", "max-links", "rpc-size", "link-queue", "rpc-rate"),
            java.util.Arrays.stream(org.parley.routing.link.AcceptLimits.Refusal.values()).map(r -> r.tag)).toList();

    public TlsLinkTransport(Vertx vertx, NodeIdentity identity, LinkListener listener, MeterRegistry registry, int idleSeconds) {
        this(vertx, identity, listener, registry, idleSeconds, DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, DEFAULT_MAX_LINKS);
    }

    public TlsLinkTransport(Vertx vertx, NodeIdentity identity, LinkListener listener, MeterRegistry registry, int idleSeconds,
                            int handshakeTimeoutMillis, int maxLinks) {
        this(vertx, identity, listener, registry, idleSeconds, new Limits(handshakeTimeoutMillis, maxLinks,
                DEFAULT_MAX_QUEUE_BYTES, org.parley.routing.link.AcceptLimits.defaults()));
    }

    /**
     * A peer link's resource limits: TLS handshake (and then link Hello) time, links open at once,
     * bytes queued to one link its peer does not read (past it the link is closed), and which
     * inbound connections get a TLS handshake at all ({@link org.parley.routing.link.AcceptLimits}).
     */
    public record Limits(int handshakeTimeoutMillis, int maxLinks, int maxQueueBytes, org.parley.routing.link.AcceptLimits accepts) {
        public Limits {
            if (handshakeTimeoutMillis < 1 || maxLinks < 1 || maxQueueBytes < Cell.CELL_LEN) {
                throw new ParleyException(ParleyException.Kind.CONFIG, "link limits must be positive (queue at least one cell)");
            }
            java.util.Objects.requireNonNull(accepts, "accepts");
        }

        public static Limits defaults() {
            return new Limits(DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, DEFAULT_MAX_LINKS, DEFAULT_MAX_QUEUE_BYTES,
                    org.parley.routing.link.AcceptLimits.defaults());
        }
    }

    /** As above, with all the link {@link Limits}. */
    public TlsLinkTransport(Vertx vertx, NodeIdentity identity, LinkListener listener, MeterRegistry registry, int idleSeconds,
                            Limits limits) {
        if (idleSeconds < 1) throw new ParleyException(ParleyException.Kind.CONFIG, "the link idle timeout must be positive");
        this.handshakeTimeoutMillis = limits.handshakeTimeoutMillis();
        this.maxLinks = limits.maxLinks();
        this.maxQueueBytes = limits.maxQueueBytes();
        this.accepts = limits.accepts();
        // the lower node's own dial may take a connect timeout and a handshake before it answers,
        // and its link's Hello needs up to one more handshake timeout to reach us
        this.settleMillis = CONNECT_TIMEOUT_MILLIS + 2L * handshakeTimeoutMillis;
        this.vertx = vertx;
        this.identity = identity;
        this.listener = listener;
        this.idleSeconds = idleSeconds;
        this.keyCert = IdentityTls.linkKeyCert(identity);
        NetClientOptions copts = new NetClientOptions()
                .setSsl(true)
                .setKeyCertOptions(keyCert)
                .setTrustOptions(IdentityTls.pinned(id -> true)) // any identity proves itself; checked per link below
                .setSslEngineOptions(ENGINE)
                .setHostnameVerificationAlgorithm("")
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setSslHandshakeTimeout(handshakeTimeoutMillis)
                .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
                .setIdleTimeout(idleSeconds)
                .setTcpNoDelay(true);
        copts.getSslOptions().setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
        this.client = vertx.createNetClient(copts);
        io.micrometer.core.instrument.Gauge.builder("parley.routing.links.open", open, AtomicInteger::get)
                .description("open peer links").register(registry);
        this.refused = Counter.builder("parley.routing.links.refused")
                .description("peer links refused: wrong or missing identity").register(registry);
        this.duplicates = Counter.builder("parley.routing.links.duplicates")
                .description("second links to an already linked peer closed by simultaneous-open resolution").register(registry);
        this.readPauses = Counter.builder("parley.routing.link.read.pauses")
                .description("times a link's reading was paused because its peer's messages were being dropped at a rate")
                .register(registry);
        this.rpcDropped = Counter.builder("parley.routing.link.rpc.dropped")
                .description("link RPC frames refused (malformed or oversize); the link is closed").register(registry);
        for (String l : LIMITS) {
            limitHits.put(l, Counter.builder("parley.routing.link.limit.hits").tag("limit", l)
                    .description("peer links or handshakes closed or refused at a resource limit").register(registry));
        }
    }

    private void limitHit(String limit) {
        limitHits.get(limit).increment();
    }

    /** Counts a hit of one of {@link #LIMITS} applied outside the transport (the node's DHT forwarder: {@code rpc-rate}). */
    public void countLimitHit(String limit) {
        Counter c = limitHits.get(limit);
        if (c == null) throw new IllegalArgumentException("not a link limit: " + limit);
        c.increment();
    }

    /** Closes links that have held a partial frame for longer than the idle timeout (bytes trickled in). */
    private void sweep() {
        long now = System.nanoTime();
        long max = idleSeconds * 1_000_000_000L;
        for (TlsLink l : all) {
            if (!l.closed && l.partial() && now - l.partialSinceNanos > max) {
                limitHit("slow-link");
                LOG.debug("closing link to {}: a frame left unfinished for {} s", l.peer.shortHex(), idleSeconds);
                l.close();
            }
        }
    }

    public void setRpcListener(RpcListener listener) {
        this.rpcListener = (from, remoteIp, rpc) -> listener.onRpc(from, rpc);
    }

    public void setRpcListener(AddressedRpcListener listener) {
        this.rpcListener = listener;
    }

    /**
     * Sends one link-level RPC to {@code peer}, over its open link or a new one. Completes once
     * the frames are queued; fails if the peer cannot be reached or is not {@code peer}.
     */
    public CompletionStage<Void> sendRpc(NodeId peer, String address, Bytes rpc) {
        List<Bytes> frames;
        try {
            frames = LinkRpcCodec.encode(rpc);
        } catch (ParleyException e) {
            return CompletableFuture.failedFuture(e);
        }
        return connect(peer, address).thenAccept(l -> frames.forEach(((TlsLink) l)::sendRaw));
    }

    /** Connects to {@code address} accepting any identity, and reports the Ed25519 key the peer proved. */
    public CompletionStage<Bytes> identify(String address) {
        CompletableFuture<Bytes> result = new CompletableFuture<>();
        int colon = address.lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (RuntimeException e) {
            result.completeExceptionally(ParleyException.malformed("peer address must be host:port, got '" + address + "'"));
            return result;
        }
        client.connect(port, address.substring(0, Math.max(colon, 0))).onComplete(ar -> {
            if (ar.failed()) {
                result.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                        "cannot reach " + address + ": " + ar.cause().getMessage(), ar.cause()));
                return;
            }
            Bytes key = peerKey(ar.result());
            if (key == null) {
                ar.result().close();
                result.completeExceptionally(ParleyException.protocol("peer at " + address + " proved no Ed25519 identity"));
                return;
            }
            NodeId peer = NodeId.ofIdentityKey(key);
            synchronized (this) {
                PeerLinks p = peerLinks(peer);
                if (p.live() != null || p.waiters != null || p.dialing || peer.equals(identity.nodeId())) {
                    ar.result().close(); // a probe: the peer is linked or being linked already
                    cleanup(peer, p);
                } else {
                    p.waiters = new CompletableFuture<>(); // later connects join this link
                    dialed(peer, p, ar.result());
                }
            }
            result.complete(key);
        });
        return result;
    }

    /** Binds the listener for incoming links. */
    public Future<Integer> listen(String host, int port) {
        // TCP first: a connection is admitted (AcceptLimits, max links) before any TLS work, then
        // upgraded with these TLS options (the server's SSL options serve the upgrade)
        NetServerOptions opts = new NetServerOptions()
                .setHost(host).setPort(port)
                .setSsl(false)
                .setKeyCertOptions(keyCert)
                .setTrustOptions(IdentityTls.pinned(id -> true))
                .setSslEngineOptions(ENGINE)
                .setClientAuth(ClientAuth.REQUIRED)
                .setSslHandshakeTimeout(handshakeTimeoutMillis)
                .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
                .setIdleTimeout(idleSeconds)
                .setTcpNoDelay(true);
        opts.getSslOptions().setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
        server = vertx.createNetServer(opts);
        server.exceptionHandler(e -> {
            LOG.debug("inbound peer connection failed before the link: {}", e.toString());
        });
        server.connectHandler(socket -> {
            if (open.get() >= maxLinks) {
                limitHit("max-links");
                socket.close();
                return;
            }
            String source = org.parley.routing.link.AcceptLimits.source(
                    socket.remoteAddress() == null ? null : socket.remoteAddress().hostAddress());
            org.parley.routing.link.AcceptLimits.Refusal refusal = accepts.admit(source, System.currentTimeMillis());
            if (refusal != null) {
                limitHit(refusal.tag);
                holdRefused(socket);
                return;
            }
            // Nothing is read until the TLS handler is in the pipeline: the server's TLS context is
            // built on a worker thread at the first upgrade, and a ClientHello read before the
            // handler is there would go to the plain-text socket and the handshake would stall.
            io.netty.channel.Channel ch = ((io.vertx.core.internal.net.NetSocketInternal) socket).channelHandlerContext().channel();
            ch.config().setAutoRead(false);
            socket.upgradeToSsl().onComplete(ar -> {
                accepts.done(source);
                if (ar.failed()) {
                    if (ar.cause() instanceof io.netty.handler.ssl.SslHandshakeTimeoutException) limitHit("handshake-timeout");
                    LOG.debug("inbound peer connection failed before the link: {}", ar.cause().toString());
                    socket.close();
                    return;
                }
                accepted(socket);
            });
            readOnceTlsIsInPlace(ch, System.nanoTime());
        });
        return server.listen().map(NetServer::actualPort).recover(e -> Future.failedFuture(new ParleyException(
                ParleyException.Kind.UNAVAILABLE, "cannot listen for peers on " + host + ":" + port
                + " (" + e.getMessage() + "); choose another --peer-port or stop what uses it", e)));
    }

    /** Turns reading on once the TLS handler is in {@code ch}'s pipeline (at once, but for the first upgrades: a 1 ms timer until it is, within the handshake timeout). */
    private void readOnceTlsIsInPlace(io.netty.channel.Channel ch, long sinceNanos) {
        if (!ch.isOpen()) return;
        if (ch.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null) {
            ch.config().setAutoRead(true);
        } else if (System.nanoTime() - sinceNanos < handshakeTimeoutMillis * 1_000_000L) {
            vertx.setTimer(1, t -> readOnceTlsIsInPlace(ch, sinceNanos));
        } else {
            ch.close(); // the TLS context never came: as a handshake timeout
        }
    }

    /**
     * Closes a connection refused at accept after {@link #REFUSED_HOLD_MILLIS}, unread, while fewer
     * than {@link #MAX_REFUSED_HELD} are held (else at once): a flooder that reconnects as soon as
     * it is closed would otherwise cost this loop an accept and a close per round trip, as fast as
     * it can dial; held, each of its sockets costs it the hold time and us one timer.
     */
    private void holdRefused(NetSocket socket) {
        if (refusedHeld.get() >= MAX_REFUSED_HELD) {
            socket.close();
            return;
        }
        refusedHeld.incrementAndGet();
        socket.pause();
        long timer = vertx.setTimer(REFUSED_HOLD_MILLIS, t -> socket.close());
        socket.closeHandler(v -> { // once, whoever closes it
            vertx.cancelTimer(timer);
            refusedHeld.decrementAndGet();
        });
    }

    /** An inbound connection finished its TLS handshake: a link if it proved an identity, waiting for its Hello. */
    private void accepted(NetSocket socket) {
        if (open.get() >= maxLinks) {
            limitHit("max-links");
            socket.close();
            return;
        }
        NodeId peer = peerId(socket);
        if (peer == null) {
            refused.increment();
            socket.close();
            return;
        }
        if (peer.equals(identity.nodeId())) {
            socket.close(); // our own key: nothing to link to
            return;
        }
        TlsLink link = attach(socket, peer, false, LinkState.AWAIT_HELLO);
        link.helloTimer = vertx.setTimer(handshakeTimeoutMillis, t -> {
            synchronized (this) {
                if (link.state != LinkState.AWAIT_HELLO || link.closed) return;
                link.state = LinkState.DROPPED;
            }
            limitHit("handshake-timeout");
            LOG.debug("closing link from {}: no Hello within {} ms", peer.shortHex(), handshakeTimeoutMillis);
            link.close();
        });
    }

    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    public CompletionStage<Link> connect(NodeId peer, String address) {
        int colon = address.lastIndexOf(':');
        int port = -1;
        if (colon > 0) {
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (port < 0) {
            return CompletableFuture.failedFuture(ParleyException.malformed("peer address must be host:port, got '" + address + "'"));
        }
        String host = address.substring(0, colon);
        synchronized (this) {
            // one link per neighbour: reuse the canonical link, or join a dial or a link being settled
            PeerLinks p = peerLinks(peer);
            if (p.live() != null) return CompletableFuture.completedFuture(p.canonical);
            if (p.waiters != null) return p.waiters;
            CompletableFuture<Link> waiters = new CompletableFuture<>();
            p.waiters = waiters;
            if (p.helloPending > 0) {
                // the peer's own link to us finished its handshake and its Hello is due: join it
                p.postponedHost = host;
                p.postponedPort = port;
            } else if (!p.dialing && p.awaitingVerdict == null) {
                startDial(peer, p, host, port);
            }
            return waiters;
        }
    }

    private void startDial(NodeId peer, PeerLinks p, String host, int port) {
        p.dialing = true;
        client.connect(port, host).onComplete(ar -> dialDone(peer, ar));
    }

    /** {@code link} (accepted) got its Hello or closed: a connect() that waited for it dials if still unserved. */
    private void leaveHello(NodeId peer, PeerLinks p, TlsLink link) {
        if (!link.helloCounted) return;
        link.helloCounted = false;
        p.helloPending--;
        if (p.helloPending > 0 || p.postponedHost == null) return;
        String host = p.postponedHost;
        p.postponedHost = null;
        if (p.live() == null && p.waiters != null && !p.dialing && p.awaitingVerdict == null) {
            startDial(peer, p, host, p.postponedPort);
        }
    }

    private synchronized void dialDone(NodeId peer, io.vertx.core.AsyncResult<NetSocket> ar) {
        PeerLinks p = peerLinks(peer);
        p.dialing = false;
        ParleyException failure = null;
        if (ar.failed()) {
            failure = new ParleyException(ParleyException.Kind.UNAVAILABLE,
                    "cannot reach " + peer.shortHex() + ": " + ar.cause().getMessage(), ar.cause());
        } else {
            NodeId got = peerId(ar.result());
            if (!peer.equals(got)) {
                refused.increment();
                ar.result().close();
                failure = new ParleyException(ParleyException.Kind.PROTOCOL_VIOLATION,
                        "peer at the address of " + peer.shortHex() + " proved identity "
                                + (got == null ? "none" : got.shortHex()) + "; link refused");
            }
        }
        if (failure == null) {
            dialed(peer, p, ar.result());
        } else if (p.deferred != null) {
            // our dial failed: the peer's link, held back for it, is the one
            TlsLink d = p.deferred;
            p.deferred = null;
            d.sendControl(LinkControl.KEEP);
            makeCanonical(peer, p, d);
        } else {
            failWaiters(p, failure);
        }
        cleanup(peer, p);
    }

    /** Our dial (or identify) to {@code peer} finished its handshake: say Hello, or close it if the peer is linked already. */
    private void dialed(NodeId peer, PeerLinks p, NetSocket socket) {
        if (p.live() != null || p.awaitingVerdict != null) {
            duplicates.increment();
            socket.close(); // no Hello: the peer drops it as a probe
            return;
        }
        boolean lower = lower(peer);
        TlsLink link = attach(socket, peer, true, lower ? LinkState.CANONICAL : LinkState.AWAIT_VERDICT);
        link.sendControl(LinkControl.HELLO);
        if (lower) {
            if (p.deferred != null) { // the peer's dial to us loses to ours
                retire(p.deferred);
                p.deferred = null;
            }
            makeCanonical(peer, p, link);
        } else {
            p.awaitingVerdict = link;
            armSettleTimer(peer, p);
        }
    }

    /** True if our node id is below {@code peer}'s: our dial to it is the canonical link. */
    private boolean lower(NodeId peer) {
        return identity.nodeId().compareTo(peer) < 0;
    }

    private PeerLinks peerLinks(NodeId peer) {
        return peers.computeIfAbsent(peer, k -> new PeerLinks());
    }

    private void cleanup(NodeId peer, PeerLinks p) {
        if (p.idle() && peers.get(peer) == p) peers.remove(peer);
    }

    /** {@code link} becomes the one link to {@code peer}: announced to routing, then handed to every waiter. */
    private void makeCanonical(NodeId peer, PeerLinks p, TlsLink link) {
        link.state = LinkState.CANONICAL;
        link.announced = true;
        p.canonical = link;
        p.canonicalSinceNanos = System.nanoTime();
        cancelSettleTimer(p);
        listener.onLinkOpened(link);
        CompletableFuture<Link> w = p.waiters;
        p.waiters = null;
        if (w != null) w.complete(link);
    }

    private void failWaiters(PeerLinks p, ParleyException e) {
        cancelSettleTimer(p);
        CompletableFuture<Link> w = p.waiters;
        p.waiters = null;
        if (w != null) w.completeExceptionally(e);
    }

    /** Tells the peer we drop {@code link} (never announced) and closes it. */
    private void retire(TlsLink link) {
        duplicates.increment();
        link.state = LinkState.DROPPED;
        link.sendControl(LinkControl.RETIRE);
        link.close();
    }

    private void drop(TlsLink link) {
        duplicates.increment();
        link.state = LinkState.DROPPED;
        link.close();
    }

    private void armSettleTimer(NodeId peer, PeerLinks p) {
        cancelSettleTimer(p);
        long[] id = new long[1];
        id[0] = vertx.setTimer(settleMillis, t -> {
            synchronized (this) {
                if (p.settleTimer != id[0]) return;
                p.settleTimer = -1;
                if (p.awaitingVerdict != null) {
                    TlsLink l = p.awaitingVerdict;
                    p.awaitingVerdict = null;
                    l.state = LinkState.DROPPED;
                    l.close();
                }
                failWaiters(p, new ParleyException(ParleyException.Kind.UNAVAILABLE,
                        "no link to " + peer.shortHex() + " agreed within " + settleMillis + " ms"));
                cleanup(peer, p);
            }
        });
        p.settleTimer = id[0];
    }

    private void cancelSettleTimer(PeerLinks p) {
        if (p.settleTimer >= 0) vertx.cancelTimer(p.settleTimer);
        p.settleTimer = -1;
    }

    /** A control frame on {@code link}; runs on the link's event loop, before the frames after it. */
    private synchronized void onControl(TlsLink link, LinkControl c) {
        NodeId peer = link.peer;
        PeerLinks p = peerLinks(peer);
        if (c instanceof LinkControl.Hello) {
            if (link.state != LinkState.AWAIT_HELLO) {
                protocolClose(link, "a second Hello");
            } else {
                onHello(peer, p, link);
                leaveHello(peer, p, link);
            }
        } else if (c instanceof LinkControl.Keep) {
            if (link.state == LinkState.AWAIT_VERDICT && p.awaitingVerdict == link) {
                p.awaitingVerdict = null;
                if (p.live() != null) {
                    drop(link);
                } else {
                    makeCanonical(peer, p, link);
                }
            } else if (link.state != LinkState.DROPPED) {
                protocolClose(link, "Keep on a link that did not ask");
            }
        } else if (c instanceof LinkControl.Retire) {
            if (link.state == LinkState.AWAIT_VERDICT) {
                // the peer's own dial to us is the link: waiters stay until its Hello (or the settle timer)
                if (p.awaitingVerdict == link) p.awaitingVerdict = null;
                link.state = LinkState.DROPPED;
                link.close();
                if (p.waiters == null) cleanup(peer, p);
            } else if (link.state != LinkState.DROPPED) {
                protocolClose(link, "Retire on a link that did not ask");
            }
        }
        // Unrecognized: ignored
        cleanup(peer, p);
    }

    /** A dialer says it means to use {@code link} (we accepted it). */
    private void onHello(NodeId peer, PeerLinks p, TlsLink link) {
        link.cancelHelloTimer(vertx);
        if (!lower(peer)) {
            // dialed by the lower node: always the link. The peer dials only when it has no link
            // to us, so any other link we hold to it is dead or dropped on its side.
            if (p.live() != null) drop(p.canonical);
            if (p.awaitingVerdict != null) {
                TlsLink v = p.awaitingVerdict;
                p.awaitingVerdict = null;
                drop(v);
            }
            makeCanonical(peer, p, link);
            return;
        }
        // dialed by the higher node: ours wins if we have or are making one
        if (p.live() != null) {
            boolean young = p.canonical.initiator && System.nanoTime() - p.canonicalSinceNanos < settleMillis * 1_000_000L;
            if (young) {
                retire(link); // the peer has not seen our link's Hello yet
                return;
            }
            // the peer dialed although we have a link: it lost that link (or never saw ours finish)
            drop(p.canonical);
        } else if (p.dialing) {
            if (p.deferred != null) retire(p.deferred);
            link.state = LinkState.DEFERRED;
            p.deferred = link;
            return;
        }
        link.sendControl(LinkControl.KEEP);
        makeCanonical(peer, p, link);
    }

    private void protocolClose(TlsLink link, String what) {
        rpcDropped.increment();
        LOG.debug("closing link to {}: {}", link.peer.shortHex(), what);
        link.state = LinkState.DROPPED;
        link.close();
    }

    /** Wraps an authenticated socket; it reaches the listener only once {@link #makeCanonical} says so. */
    private TlsLink attach(NetSocket socket, NodeId peer, boolean initiator, LinkState state) {
        TlsLink link = new TlsLink(socket, peer, initiator, vertx.getOrCreateContext());
        link.state = state;
        // a peer that does not read what we send: past maxQueueBytes waiting in the socket's
        // buffer (the kernel's send buffer full), the link is closed, its queue freed
        socket.setWriteQueueMaxSize(maxQueueBytes);
        link.onQueueFull = () -> {
            link.onQueueFull = null; // once
            limitHit("link-queue");
            LOG.debug("closing link to {}: over {} bytes queued that it does not read", peer.shortHex(), maxQueueBytes);
            // at once, dropping what is queued: Vert.x's close (and TLS's close_notify) would first
            // wait for the peer to read it; closing from the pipeline's first handler goes straight
            // to the socket
            ((io.vertx.core.internal.net.NetSocketInternal) link.socket).channelHandlerContext().pipeline().firstContext().close();
        };
        if (state == LinkState.AWAIT_HELLO) {
            synchronized (this) {
                // a connect() to this peer now waits for this link's Hello instead of dialing
                link.helloCounted = true;
                peerLinks(peer).helloPending++;
            }
        }
        open.incrementAndGet();
        all.add(link);
        synchronized (this) {
            if (sweepTimer < 0) sweepTimer = vertx.setPeriodic(Math.max(250L, idleSeconds * 250L), id -> sweep());
        }
        LinkRpcCodec.Reassembly rpcs = new LinkRpcCodec.Reassembly();
        String remoteIp = socket.remoteAddress() == null ? null : socket.remoteAddress().hostAddress();
        CellFramer parser = new CellFramer(raw -> {
            link.framesIn++;
            if (link.closed) return;
            if (LinkControl.isControlFrame(raw)) {
                LinkControl c;
                try {
                    c = LinkControl.decode(raw);
                } catch (ParleyException e) {
                    protocolClose(link, e.getMessage());
                    return;
                }
                onControl(link, c);
                return;
            }
            if (link.state != LinkState.CANONICAL) {
                // a dropped link's last frames go nowhere; anything before Hello or the verdict is a violation
                if (link.state != LinkState.DROPPED) protocolClose(link, "a frame before the link was settled");
                return;
            }
            if (LinkRpcCodec.isRpcFrame(raw)) {
                Bytes frame = Bytes.wrap(raw);
                Bytes whole;
                try {
                    whole = rpcs.accept(frame);
                } catch (ParleyException e) {
                    rpcDropped.increment();
                    if (e.kind() == ParleyException.Kind.RESOURCE_LIMIT) limitHit("rpc-size");
                    LOG.debug("closing link to {}: {}", peer.shortHex(), e.getMessage());
                    link.close();
                    return;
                }
                if (whole != null) rpcListener.onRpc(peer, remoteIp, whole);
                return;
            }
            listener.onFrame(link, raw); // a fresh array: routing owns it, no copy
        });
        socket.handler(buf -> {
            long now = System.nanoTime();
            boolean wasPartial = link.partial();
            long framesBefore = link.framesIn;
            link.bytesIn += buf.length();
            parser.handle(buf);
            // the unfinished frame (if any) began now, unless it is the one that was already waiting
            if (link.partial() && (!wasPartial || link.framesIn != framesBefore)) link.partialSinceNanos = now;
        });
        socket.exceptionHandler(e -> LOG.debug("link to {} failed: {}", peer.shortHex(), e.getMessage()));
        socket.closeHandler(v -> {
            link.closed = true;
            open.decrementAndGet();
            all.remove(link);
            link.cancelHelloTimer(vertx);
            synchronized (this) {
                PeerLinks p = peers.get(peer);
                if (p != null) {
                    leaveHello(peer, p, link);
                    if (p.canonical == link) p.canonical = null;
                    if (p.deferred == link) p.deferred = null;
                    if (p.awaitingVerdict == link) {
                        p.awaitingVerdict = null;
                        failWaiters(p, new ParleyException(ParleyException.Kind.UNAVAILABLE,
                                "link to " + peer.shortHex() + " closed before it was settled"));
                    }
                    cleanup(peer, p);
                }
            }
            if (link.announced) listener.onLinkClosed(link);
        });
        return link;
    }

    static NodeId peerId(NetSocket socket) {
        Bytes key = peerKey(socket);
        return key == null ? null : NodeId.ofIdentityKey(key);
    }

    static Bytes peerKey(NetSocket socket) {
        try {
            List<Certificate> certs = socket.peerCertificates();
            if (certs == null || certs.isEmpty() || !(certs.get(0) instanceof X509Certificate x)) return null;
            return IdentityTls.acceptedIdentityKeyOf(x); // the pinning trust manager checked its proof in the handshake
        } catch (Exception e) {
            return null;
        }
    }

    public Future<Void> close() {
        synchronized (this) {
            if (sweepTimer >= 0) vertx.cancelTimer(sweepTimer);
            sweepTimer = -1;
        }
        Future<Void> s = server == null ? Future.succeededFuture() : server.close();
        return s.compose(v -> client.close());
    }

    /** Where a link is in simultaneous-open resolution. */
    enum LinkState {
        /** Accepted; waiting for the dialer's Hello (a probe closes without one). */
        AWAIT_HELLO,
        /** Dialed by us, the higher node; waiting for the peer's Keep or Retire. */
        AWAIT_VERDICT,
        /** Accepted from the higher node with Hello while our own dial runs; answered when it ends. */
        DEFERRED,
        /** The one link to its peer; announced to the listener. */
        CANONICAL,
        /** Lost, or refused; closing, never announced (unless it was canonical before). */
        DROPPED
    }

    /** One peer's links; guarded by the transport's lock. */
    private static final class PeerLinks {
        TlsLink canonical;
        long canonicalSinceNanos;
        /** connect() callers (and sendRpc) waiting for the link, if any. */
        CompletableFuture<Link> waiters;
        /** Our TCP/TLS dial to the peer is under way. */
        boolean dialing;
        TlsLink awaitingVerdict;
        TlsLink deferred;
        long settleTimer = -1;
        /** Accepted links from the peer waiting for their Hello; a connect() meanwhile postpones its dial. */
        int helloPending;
        String postponedHost;
        int postponedPort;

        /** The canonical link unless it is closing. */
        TlsLink live() {
            return canonical == null || canonical.closed ? null : canonical;
        }

        boolean idle() {
            return canonical == null && waiters == null && !dialing && awaitingVerdict == null && deferred == null
                    && settleTimer < 0 && helloPending == 0 && postponedHost == null;
        }
    }

    /** The link's local and remote socket addresses, {@code local>remote} (tests: both sides agree on one connection). */
    static String endpoints(Link link) {
        NetSocket s = ((TlsLink) link).socket;
        return s.localAddress() + ">" + s.remoteAddress();
    }

    /** The peer's canonical link, if one is up (tests). */
    synchronized Optional<Link> canonical(NodeId peer) {
        PeerLinks p = peers.get(peer);
        return p == null || p.canonical == null ? Optional.empty() : Optional.of(p.canonical);
    }

    /**
     * Stops reading {@code peer}'s link for {@code millis} — for a peer whose messages are being
     * dropped at a rate: reading, decrypting and framing them is what such a flood costs this
     * event loop, and a paused socket pushes the cost back through TCP to the sender. A link
     * already paused stays paused until its first pause ends. Call on the transport's context.
     */
    public void pauseReading(NodeId peer, long millis) {
        Link l = canonical(peer).orElse(null);
        if (!(l instanceof TlsLink link) || link.closed || link.readPaused) return;
        link.readPaused = true;
        readPauses.increment();
        link.socket.pause();
        vertx.setTimer(millis, t -> {
            link.readPaused = false;
            if (!link.closed) link.socket.resume();
        });
    }

    /** Open sockets, settled or not (the {@code parley_routing_links_open} gauge). */
    int openLinks() {
        return open.get();
    }

    private static final class TlsLink implements Link {
        private final NetSocket socket;
        private final NodeId peer;
        private final boolean initiator;
        private final io.vertx.core.Context context;
        private io.vertx.core.buffer.Buffer pending;
        /** Run when a flush finds the socket's write queue past the link's queue limit. */
        private Runnable onQueueFull;
        volatile boolean closed;
        /** Reading paused by {@link #pauseReading}. */
        boolean readPaused;
        /** Read side, on the event loop: bytes and whole frames received, and since when a frame is unfinished. */
        volatile long bytesIn;
        volatile long framesIn;
        volatile long partialSinceNanos;
        /** Simultaneous-open state; changed under the transport's lock, read by the frame handler. */
        volatile LinkState state;
        /** Whether the listener was told of it (then it is told of its closing too). */
        volatile boolean announced;
        long helloTimer = -1;
        /** Counted in its peer's {@code helloPending}; guarded by the transport's lock. */
        boolean helloCounted;

        void cancelHelloTimer(Vertx vertx) {
            long t = helloTimer;
            helloTimer = -1;
            if (t >= 0) vertx.cancelTimer(t);
        }

        /** Queues a link-control frame (in order with everything else sent). */
        void sendControl(LinkControl c) {
            append(LinkControl.encode(c));
        }

        /** Whether bytes of an unfinished frame are waiting. */
        boolean partial() {
            return bytesIn > framesIn * Cell.CELL_LEN;
        }

        TlsLink(NetSocket socket, NodeId peer, boolean initiator, io.vertx.core.Context context) {
            this.socket = socket;
            this.peer = peer;
            this.initiator = initiator;
            this.context = context;
        }

        @Override
        public Optional<NodeId> peer() {
            return Optional.of(peer);
        }

        @Override
        public boolean initiator() {
            return initiator;
        }

        @Override
        public void send(Bytes frame) {
            if (closed) return;
            sendOwned(frame.toArray());
        }

        /** As {@link #send}, without copying the frame into a {@link Bytes} first: one copy, into the write buffer. */
        @Override
        public void sendOwned(byte[] frame) {
            if (closed) return;
            if (frame.length != Cell.CELL_LEN) {
                throw new ParleyException(ParleyException.Kind.INTERNAL, "link frames are " + Cell.CELL_LEN + " bytes, got " + frame.length);
            }
            if (LinkRpcCodec.isRpcFrame(frame) || LinkControl.isControlFrame(frame)) {
                throw new ParleyException(ParleyException.Kind.INTERNAL, "routing must not send link RPC or control frames");
            }
            append(frame);
        }

        /**
         * Queues a frame; the frames queued during one event-loop turn leave in one write (one TLS
         * record and one system call for many cells, instead of one per cell). Order is kept.
         */
        void sendRaw(Bytes frame) {
            append(frame.toArray());
        }

        private void append(byte[] frame) {
            boolean schedule;
            synchronized (this) {
                if (closed) return;
                schedule = pending == null;
                if (schedule) pending = io.vertx.core.buffer.Buffer.buffer(Cell.CELL_LEN * 16);
                pending.appendBytes(frame);
            }
            if (schedule) context.runOnContext(v -> flush());
        }

        private void flush() {
            io.vertx.core.buffer.Buffer out;
            synchronized (this) {
                out = pending;
                pending = null;
            }
            if (out != null && !closed) {
                socket.write(out);
                if (socket.writeQueueFull() && onQueueFull != null) onQueueFull.run();
            }
        }

        @Override
        public void close() {
            io.vertx.core.buffer.Buffer last;
            synchronized (this) {
                if (closed) return;
                closed = true;
                last = pending;
                pending = null;
            }
            if (last != null) socket.write(last); // frames queued before the close still leave, in order
            socket.close();
        }

        @Override
        public String toString() {
            return "TlsLink[" + peer.shortHex() + (initiator ? " out" : " in") + "]";
        }
    }
}
