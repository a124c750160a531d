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
 * <p>Create it on the routing verticle's context: every listener call then runs on that event loop.
 */
public final class TlsLinkTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(TlsLinkTransport.class);

    private final Vertx vertx;
    private final NodeIdentity identity;
    private final LinkListener listener;
    private final NetClient client;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter refused;
    private final int idleSeconds;
    private final java.util.Map<NodeId, TlsLink> byPeer = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<NodeId, CompletableFuture<Link>> dials = new java.util.concurrent.ConcurrentHashMap<>();
    private final Counter rpcDropped;
    private final java.util.Map<String, Counter> limitHits = new java.util.HashMap<>();
    private final Set<TlsLink> all = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final int handshakeTimeoutMillis;
    private final int maxLinks;
    /** The identity's key and certificate, built once for the client and the listener. */
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
    /** Limit tags of {@code parley_routing_link_limit_hits_total}. */
    public static final List<String> LIMITS = List.of("handshake-timeout", "slow-link", "max-links", "rpc-size");

    public TlsLinkTransport(Vertx vertx, NodeIdentity identity, LinkListener listener, MeterRegistry registry, int idleSeconds) {
        this(vertx, identity, listener, registry, idleSeconds, DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, DEFAULT_MAX_LINKS);
    }

    public TlsLinkTransport(Vertx vertx, NodeIdentity identity, LinkListener listener, MeterRegistry registry, int idleSeconds,
                            int handshakeTimeoutMillis, int maxLinks) {
        if (idleSeconds < 1 || handshakeTimeoutMillis < 1 || maxLinks < 1) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "link timeouts and maxLinks must be positive");
        }
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.maxLinks = maxLinks;
        this.vertx = vertx;
        this.identity = identity;
        this.listener = listener;
        this.idleSeconds = idleSeconds;
        this.keyCert = IdentityTls.keyCert(identity);
        NetClientOptions copts = new NetClientOptions()
                .setSsl(true)
                .setKeyCertOptions(keyCert)
                .setTrustOptions(IdentityTls.pinned(id -> true)) // any identity proves itself; checked per link below
                .setHostnameVerificationAlgorithm("")
                .setConnectTimeout(5_000)
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
        TlsLink existing = byPeer.get(peer);
        CompletionStage<Link> link = existing != null && !existing.closed
                ? CompletableFuture.completedFuture(existing) : connect(peer, address);
        return link.thenAccept(l -> frames.forEach(((TlsLink) l)::sendRaw));
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
            attach(ar.result(), NodeId.ofIdentityKey(key), true);
            result.complete(key);
        });
        return result;
    }

    /** Binds the listener for incoming links. */
    public Future<Integer> listen(String host, int port) {
        NetServerOptions opts = new NetServerOptions()
                .setHost(host).setPort(port)
                .setSsl(true)
                .setKeyCertOptions(keyCert)
                .setTrustOptions(IdentityTls.pinned(id -> true))
                .setClientAuth(ClientAuth.REQUIRED)
                .setSslHandshakeTimeout(handshakeTimeoutMillis)
                .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
                .setIdleTimeout(idleSeconds)
                .setTcpNoDelay(true);
        opts.getSslOptions().setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
        server = vertx.createNetServer(opts);
        server.exceptionHandler(e -> {
            if (e instanceof io.netty.handler.ssl.SslHandshakeTimeoutException) limitHit("handshake-timeout");
            LOG.debug("inbound peer connection failed before the link: {}", e.toString());
        });
        server.connectHandler(socket -> {
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
            attach(socket, peer, false);
        });
        return server.listen().map(NetServer::actualPort).recover(e -> Future.failedFuture(new ParleyException(
                ParleyException.Kind.UNAVAILABLE, "cannot listen for peers on " + host + ":" + port
                + " (" + e.getMessage() + "); choose another --peer-port or stop what uses it", e)));
    }

    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    public CompletionStage<Link> connect(NodeId peer, String address) {
        // one link per neighbour: reuse an open link, or join a dial already under way
        TlsLink open = byPeer.get(peer);
        if (open != null && !open.closed) return CompletableFuture.completedFuture(open);
        CompletableFuture<Link> dialing = dials.get(peer);
        if (dialing != null) return dialing;
        CompletableFuture<Link> result = dial(peer, address);
        dials.put(peer, result);
        result.whenComplete((l, e) -> dials.remove(peer, result));
        return result;
    }

    private CompletableFuture<Link> dial(NodeId peer, String address) {
        CompletableFuture<Link> result = new CompletableFuture<>();
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            result.completeExceptionally(ParleyException.malformed("peer address must be host:port, got '" + address + "'"));
            return result;
        }
        String host = address.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            result.completeExceptionally(ParleyException.malformed("peer address must be host:port, got '" + address + "'"));
            return result;
        }
        client.connect(port, host).onComplete(ar -> {
            if (ar.failed()) {
                result.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                        "cannot reach " + peer.shortHex() + ": " + ar.cause().getMessage(), ar.cause()));
                return;
            }
            NetSocket socket = ar.result();
            NodeId got = peerId(socket);
            if (!peer.equals(got)) {
                refused.increment();
                socket.close();
                result.completeExceptionally(new ParleyException(ParleyException.Kind.PROTOCOL_VIOLATION,
                        "peer at the address of " + peer.shortHex() + " proved identity "
                                + (got == null ? "none" : got.shortHex()) + "; link refused"));
                return;
            }
            result.complete(attach(socket, peer, true));
        });
        return result;
    }

    private TlsLink attach(NetSocket socket, NodeId peer, boolean initiator) {
        TlsLink link = new TlsLink(socket, peer, initiator, vertx.getOrCreateContext());
        open.incrementAndGet();
        all.add(link);
        synchronized (this) {
            if (sweepTimer < 0) sweepTimer = vertx.setPeriodic(Math.max(250L, idleSeconds * 250L), id -> sweep());
        }
        byPeer.put(peer, link);
        listener.onLinkOpened(link);
        LinkRpcCodec.Reassembly rpcs = new LinkRpcCodec.Reassembly();
        String remoteIp = socket.remoteAddress() == null ? null : socket.remoteAddress().hostAddress();
        CellFramer parser = new CellFramer(raw -> {
            link.framesIn++;
            if (link.closed) return;
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
            if (!link.closed) {
                link.closed = true;
            }
            open.decrementAndGet();
            all.remove(link);
            byPeer.remove(peer, link);
            listener.onLinkClosed(link);
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
            return NodeIdentity.rawEd25519(x.getPublicKey());
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

    private static final class TlsLink implements Link {
        private final NetSocket socket;
        private final NodeId peer;
        private final boolean initiator;
        private final io.vertx.core.Context context;
        private io.vertx.core.buffer.Buffer pending;
        volatile boolean closed;
        /** Read side, on the event loop: bytes and whole frames received, and since when a frame is unfinished. */
        volatile long bytesIn;
        volatile long framesIn;
        volatile long partialSinceNanos;

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
            if (LinkRpcCodec.isRpcFrame(frame)) {
                throw new ParleyException(ParleyException.Kind.INTERNAL, "routing must not send link RPC frames");
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
            if (out != null && !closed) socket.write(out);
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
