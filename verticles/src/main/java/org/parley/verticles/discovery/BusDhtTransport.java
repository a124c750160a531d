package org.parley.verticles.discovery;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.identity.NodeId;
import org.parley.discovery.kademlia.DhtTransport;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * {@link DhtTransport} over the event bus: the routing verticle owns the TLS peer links and
 * carries DHT messages for us. Out: {@link RoutingMessage.LinkRpcOut} to
 * {@link Addresses#ROUTING_LINK_RPC} (routing pins the link to the contact's node id); in:
 * {@link DiscoveryMessage.LinkRpcIn} on {@link Addresses#DISCOVERY_RPC_IN}, whose sender id
 * routing took from the TLS certificate; identify: {@link RoutingMessage.IdentifyPeer} to
 * {@link Addresses#ROUTING_IDENTIFY}. Routing puts the IP the link is connected to in the
 * {@link #LINK_IP_HEADER} header of each inbound message; the DHT checks the sender's claimed
 * address against it.
 *
 * <p>Create and {@link #start} it on the DHT's context (the discovery verticle's event loop):
 * the receiver and every future complete there, and {@link #send} must be called there.
 */
public final class BusDhtTransport implements DhtTransport {
    private static final Logger LOG = LoggerFactory.getLogger(BusDhtTransport.class);

    /** The bus addresses this transport uses (tests point two transports at each other). */
    public record Wiring(String linkRpcOut, String rpcIn, String identify) {
        public static final Wiring DEFAULT = new Wiring(Addresses.ROUTING_LINK_RPC, Addresses.DISCOVERY_RPC_IN,
                Addresses.ROUTING_IDENTIFY);
    }

    /** Bus header of {@link DiscoveryMessage.LinkRpcIn}: the IP literal the link's socket is connected to. */
    public static final String LINK_IP_HEADER = "parley-link-ip";

    static final int MAX_QUEUED = 32;
    static final int MAX_CONNECTING = 256;
    static final int MAX_LINKED = 1024;

    private final Vertx vertx;
    private final Context context;
    private final Wiring wiring;
    private final DeliveryOptions sendOptions;
    private final DeliveryOptions identifyOptions;
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicLong droppedInbound = new AtomicLong();
    /** Messages queued per peer while the first one to it is in flight; confined to the context. */
    private final Map<NodeId, List<RoutingMessage.LinkRpcOut>> connecting = new HashMap<>();
    /** Peers a message was queued to recently (routing has a link), LRU-bounded; confined to the context. */
    private final Map<NodeId, Boolean> linked = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<NodeId, Boolean> e) {
            return size() > MAX_LINKED;
        }
    };
    private volatile Receiver receiver;
    /** The last link IP parsed and its bytes; confined to the context. */
    private String lastLinkIpText;
    private Bytes lastLinkIp;
    private MessageConsumer<DiscoveryMessage.LinkRpcIn> consumer;

    /**
     * @param rpcTimeoutMillis how long routing may take to queue one RPC (connecting included)
     *                         before it counts as lost; the DHT's own RPC timeout is what matters
     */
    public BusDhtTransport(Vertx vertx, Context context, Wiring wiring, long rpcTimeoutMillis) {
        this.vertx = vertx;
        this.context = context;
        this.wiring = wiring;
        this.sendOptions = new DeliveryOptions().setSendTimeout(Math.max(1, rpcTimeoutMillis));
        this.identifyOptions = new DeliveryOptions().setSendTimeout(Math.max(1, rpcTimeoutMillis));
    }

    /** Registers the inbound consumer (call on the DHT's context); completes once registered cluster-wide. */
    public Future<Void> start() {
        consumer = vertx.eventBus().consumer(wiring.rpcIn(), msg -> {
            DiscoveryMessage.LinkRpcIn in = msg.body();
            NodeId from;
            try {
                from = NodeId.fromHex(in.fromNodeId());
            } catch (RuntimeException e) {
                droppedInbound.incrementAndGet();
                LOG.debug("dropping a link RPC with an unusable sender id: {}", e.getMessage());
                return;
            }
            deliver(from, in.rpc(), linkIp(msg.headers().get(LINK_IP_HEADER)));
        });
        return consumer.completion();
    }

    /**
     * Routing's side of the inbound path: forwards a link RPC to discovery over the bus (to
     * {@link Wiring#rpcIn}, with the link's IP in {@link #LINK_IP_HEADER}), unless its peer is past
     * {@link #FORWARD_RATE}/s (burst {@link #FORWARD_BURST}): 4x the DHT's own per-peer request rate,
     * so replies to our lookups and an honest peer's requests pass, while a peer flooding the DHT is
     * cut on routing's loop, before the bus. Without it every RPC of a flood is a bus message and a
     * task on discovery's loop, and that queue has no bound (FloodLatencyIT's DHT flood: 35,000
     * queued). Call {@link #forward} on routing's event loop only (the link listener's).
     */
    public static final class Forwarder {
        public static final double FORWARD_RATE = 80;
        public static final int FORWARD_BURST = 400;
        private final Vertx vertx;
        private final String rpcIn;
        private final org.parley.discovery.defence.RateLimiter limiter;
        private final Runnable onDropped;

        /** @param onDropped counts an RPC dropped at the rate (a metric) */
        public Forwarder(Vertx vertx, String rpcIn, Runnable onDropped) {
            this.vertx = vertx;
            this.rpcIn = rpcIn;
            this.limiter = new org.parley.discovery.defence.RateLimiter(org.parley.core.time.Clock.system(), FORWARD_RATE,
                    FORWARD_BURST, 4096);
            this.onDropped = onDropped;
        }

        /** Forwards {@code rpc} from the authenticated {@code from}, whose link is connected to {@code remoteIp}; false if dropped. */
        public boolean forward(NodeId from, String remoteIp, Bytes rpc) {
            if (!limiter.tryAcquire(from)) {
                onDropped.run();
                return false;
            }
            vertx.eventBus().send(rpcIn, new DiscoveryMessage.LinkRpcIn(from.hex(), rpc), withLinkIp(remoteIp));
            return true;
        }
    }

    /**
     * The bytes of a link's IP literal (null if none or not a literal). The last one is remembered:
     * every RPC of a link carries the same IP, and a flood of them should not parse it each time.
     */
    private Bytes linkIp(String text) {
        if (text == null) return null;
        if (text.equals(lastLinkIpText)) return lastLinkIp;
        byte[] ip = ipLiteral(text);
        lastLinkIp = ip == null ? null : Bytes.wrap(ip);
        lastLinkIpText = text;
        return lastLinkIp;
    }

    /** Delivery options carrying {@code linkIp} (an IP literal; none if null) in {@link #LINK_IP_HEADER}. */
    public static DeliveryOptions withLinkIp(String linkIp) {
        DeliveryOptions o = new DeliveryOptions();
        if (linkIp != null) o.addHeader(LINK_IP_HEADER, linkIp);
        return o;
    }

    private void deliver(NodeId from, Bytes rpc, Bytes linkIp) {
        Receiver r = receiver;
        if (r == null || rpc == null) {
            droppedInbound.incrementAndGet();
            return;
        }
        if (Vertx.currentContext() == context) {
            r.onReceive(from, rpc, linkIp);
        } else {
            context.runOnContext(v -> r.onReceive(from, rpc, linkIp));
        }
    }

    public Future<Void> close() {
        receiver = null;
        return consumer == null ? Future.succeededFuture() : consumer.unregister();
    }

    @Override
    public void setReceiver(Receiver receiver) {
        this.receiver = receiver;
    }

    /**
     * Fire and forget: failures (unreachable, wrong identity) are logged at debug and counted; the
     * DHT times out. While the first message to a peer without a known link is in flight (routing
     * is connecting), later ones to that peer wait behind it (up to {@link #MAX_QUEUED}), so a
     * lookup's burst does not make routing open several TLS connections to the same peer.
     */
    @Override
    public void send(Contact to, Bytes rpc) {
        NodeId id = to.id();
        RoutingMessage.LinkRpcOut out = new RoutingMessage.LinkRpcOut(id.hex(), hostPort(to.address()), rpc);
        if (linked.containsKey(id)) {
            request(id, out);
            return;
        }
        List<RoutingMessage.LinkRpcOut> waiting = connecting.get(id);
        if (waiting != null) {
            if (waiting.size() < MAX_QUEUED) waiting.add(out);
            else sendFailures.incrementAndGet();
            return;
        }
        if (connecting.size() >= MAX_CONNECTING) {
            request(id, out); // no queueing under a flood of new peers; routing copes, just less efficiently
            return;
        }
        connecting.put(id, new ArrayList<>());
        vertx.eventBus().request(wiring.linkRpcOut(), out, sendOptions).onComplete(ar -> {
            List<RoutingMessage.LinkRpcOut> queued = connecting.remove(id);
            if (ar.succeeded()) {
                linked.put(id, Boolean.TRUE);
                if (queued != null) for (RoutingMessage.LinkRpcOut q : queued) request(id, q);
            } else {
                sendFailures.addAndGet(1 + (queued == null ? 0 : queued.size()));
                LOG.debug("DHT message to {} not sent: {}", id.shortHex(), ar.cause().getMessage());
            }
        });
    }

    private void request(NodeId id, RoutingMessage.LinkRpcOut out) {
        vertx.eventBus().request(wiring.linkRpcOut(), out, sendOptions).onFailure(e -> {
            sendFailures.incrementAndGet();
            linked.remove(id);
            LOG.debug("DHT message to {} not sent: {}", id.shortHex(), e.getMessage());
        });
    }

    /** Asks routing to connect without a pin; completes (on the context) with the identity key the peer proved. */
    @Override
    public CompletableFuture<Bytes> identify(PeerAddress address) {
        CompletableFuture<Bytes> result = new CompletableFuture<>();
        vertx.eventBus().<RoutingMessage.PeerIdentified>request(wiring.identify(),
                new RoutingMessage.IdentifyPeer(hostPort(address)), identifyOptions).onComplete(ar -> {
            if (ar.failed()) {
                result.completeExceptionally(asParley(ar.cause(), "identify " + address));
                return;
            }
            RoutingMessage.PeerIdentified p = ar.result().body();
            if (p == null || p.identityKey() == null || p.identityKey().length() != Contact.KEY_LENGTH
                    || !NodeId.ofIdentityKey(p.identityKey()).hex().equals(p.nodeId())) {
                result.completeExceptionally(ParleyException.protocol("identify " + address + ": reply's node id does not match its key"));
                return;
            }
            result.complete(p.identityKey());
        });
        return result;
    }

    /** Sends that routing refused or that timed out (diagnostics). */
    public long sendFailures() {
        return sendFailures.get();
    }

    /** Inbound RPCs dropped before the DHT saw them (no receiver, bad sender id). */
    public long droppedInbound() {
        return droppedInbound.get();
    }

    static ParleyException asParley(Throwable e, String what) {
        if (e instanceof ParleyException pe) return pe;
        if (e instanceof ReplyException re) {
            ParleyException.Kind kind = switch (re.failureType()) {
                case RECIPIENT_FAILURE -> FailureCodes.kindOf(re.failureCode());
                case TIMEOUT, NO_HANDLERS -> ParleyException.Kind.UNAVAILABLE;
                default -> ParleyException.Kind.INTERNAL;
            };
            return new ParleyException(kind, what + ": " + re.getMessage(), re);
        }
        return new ParleyException(ParleyException.Kind.INTERNAL, what + ": " + e, e);
    }

    /**
     * "a.b.c.d:port", or "ipv6:port" without brackets (routing splits at the last colon and
     * hands the host to the socket layer as is).
     */
    public static String hostPort(PeerAddress a) {
        try {
            return InetAddress.getByAddress(a.ip().toArray()).getHostAddress() + ":" + a.port();
        } catch (UnknownHostException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "bad IP length " + a.ip().length(), e);
        }
    }

    /**
     * Parses "ip:port" (IPv4 literal, or IPv6 literal with or without brackets) into a
     * {@link PeerAddress}; host names are refused (MALFORMED_INPUT), they need a resolver.
     */
    public static PeerAddress parseLiteral(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0) throw ParleyException.malformed("address must be ip:port, got '" + hostPort + "'");
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw ParleyException.malformed("bad port in '" + hostPort + "'");
        }
        byte[] ip = ipLiteral(host);
        if (ip == null) throw ParleyException.malformed("'" + host + "' is not an IP literal");
        return new PeerAddress(Bytes.wrap(ip), port);
    }

    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

    /** The bytes of an IPv4 / IPv6 literal, or null if {@code host} is not one (never a DNS query). Runs for every inbound DHT RPC (its link IP). */
    public static byte[] ipLiteral(String host) {
        if (IPV4_LITERAL.matcher(host).matches()) {
            String[] p = host.split("\\.");
            byte[] ip = new byte[4];
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(p[i]);
                if (v > 255) return null;
                ip[i] = (byte) v;
            }
            return ip;
        }
        if (host.contains(":") && IPV6_LITERAL.matcher(host).matches()) {
            try {
                return InetAddress.getByName(host).getAddress(); // a literal: parsed, not resolved
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return null;
    }
}
