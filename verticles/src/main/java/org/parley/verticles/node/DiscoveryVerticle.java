package org.parley.verticles.node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DiscoveryMessage;
import org.parley.core.bus.RoutingMessage;
import org.parley.core.time.Clock;
import org.parley.discovery.bootstrap.AddressResolver;
import org.parley.discovery.bootstrap.BootstrapConfig;
import org.parley.discovery.bootstrap.Bootstrapper;
import org.parley.verticles.discovery.FilePeerStore;
import org.parley.discovery.bootstrap.Seed;
import org.parley.discovery.directory.DirectorySync;
import org.parley.discovery.directory.RelayDirectory;
import org.parley.discovery.kademlia.DhtConfig;
import org.parley.discovery.kademlia.DhtNode;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.RecordLimits;
import org.parley.discovery.record.RelayDescriptor;
import org.parley.discovery.record.RelayFlag;
import org.parley.discovery.record.SignedRecord;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.discovery.BusDhtTransport;
import org.parley.verticles.discovery.MicrometerDiscoveryMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Discovery concern: the Kademlia DHT ({@link DhtNode}) over the routing verticle's peer links
 * ({@link BusDhtTransport}), the relay directory and its sync, bootstrap from the configured
 * seeds, and this node's own relay descriptor (unless light). Serves
 * {@link Addresses#DISCOVERY_RELAYS}. Everything runs on this verticle's event loop.
 *
 * <p>Readiness ({@code Status.state}): "UP" once bootstrapped, or at once when no seed is
 * configured (the first node of a network); otherwise "NOT_READY: &lt;reason&gt;".
 */
public final class DiscoveryVerticle extends ConcernVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryVerticle.class);
    /** Lifetime of a published descriptor (and of its onion-key certificate); republished at half life or hourly. */
    static final long DESCRIPTOR_TTL_MILLIS = 3 * 3_600_000L;
    /** Advertised bandwidth until it is measured (KB/s). */
    static final long ADVERTISED_BANDWIDTH_KBPS = 1024;
    static final String SOFTWARE = "parley/0.1";
    private static final long TICK_MILLIS = 500;
    private static final long SELF_REFRESH_MILLIS = 10 * 60_000L;
    private static final int MAX_DNS_ADDRESSES = 32;

    private final SecureRandom random = new SecureRandom();
    private final Clock clock = Clock.system();
    private BusDhtTransport transport;
    private MicrometerDiscoveryMetrics metrics;
    private DhtNode dht;
    private RelayDirectory directory;
    private DirectorySync sync;
    private Bootstrapper boot;
    private DhtNode.Publication publication;
    private RoutingMessage.SelfDescriptor self;
    private PeerAddress listen;
    private List<Seed> seeds = List.of();
    private long ticker = -1;
    private long lastSelfRefresh;
    private boolean published;
    private long lastVersion;

    public DiscoveryVerticle(NodeContext node) {
        super(Concern.DISCOVERY, node);
    }

    @Override
    protected Future<?> startConcern() {
        NodeConfig cfg = node.config();
        try {
            seeds = seeds(cfg);
        } catch (ParleyException e) {
            return Future.failedFuture(e);
        }
        metrics = new MicrometerDiscoveryMetrics(node.registry());
        return describeSelf(10).compose(sd -> addressOf(sd.address()).compose(addr -> {
            self = sd;
            listen = addr;
            lastSelfRefresh = clock.nowMillis();
            if (addr.ip().equals(Bytes.wrap(new byte[addr.ip().length()]))) {
                LOG.warn("peer.host is a wildcard address: other nodes cannot reach this node at {}; set peer.host to a routable address", addr);
            }
            try {
                wire(cfg);
            } catch (ParleyException e) {
                return Future.failedFuture(e);
            }
            return transport.start();
        })).map(v -> {
            dht.start();
            sync.start();
            if (boot != null) boot.start();
            ticker = vertx.setPeriodic(TICK_MILLIS, t -> tick());
            tick();
            this.<DiscoveryMessage.RelayQuery>consumer(Addresses.DISCOVERY_RELAYS, msg ->
                    msg.reply(directory.relayList(Math.max(0, Math.min(msg.body().max(), 1000)))));
            LOG.info("discovery started: {} seed(s), light={}, id {}", seeds.size(), cfg.discoveryLight(),
                    node.identity().nodeId().shortHex());
            return null;
        });
    }

    private void wire(NodeConfig cfg) {
        VertxScheduler scheduler = new VertxScheduler(context);
        DhtConfig d = DhtConfig.DEFAULTS;
        long refresh = cfg.discoveryRefreshIntervalMs();
        // routing.distinct-subnets=false marks a test network whose nodes share one /16 (one host, one pod
        // network): there the /16 contact limit and the per-/24 record limit would only starve the DHT.
        boolean subnets = cfg.routingDistinctSubnets();
        DhtConfig dhtConfig;
        try {
            dhtConfig = new DhtConfig(d.k(), d.alpha(), d.disjointPaths(), cfg.discoveryRpcTimeoutMs(), d.maxPerPrefix(),
                    d.maxFailures(), d.maxLookupQueries(), refresh, Math.min(d.maintenanceIntervalMillis(), refresh),
                    d.republishIntervalMillis(), cfg.discoveryLight(), d.rateLimitPerSecond(), d.rateLimitBurst(), d.maxRecords(),
                    d.maxPublishersPerKey(), new RecordLimits(RecordLimits.DEFAULTS.maxRecordBytes(), RecordLimits.DEFAULTS.maxTtlMillis(),
                    cfg.discoveryPowBits()), subnets ? cfg.discoveryMaxPerSubnet16() : d.k(), cfg.discoveryMaxRecordsPerPeer(),
                    subnets ? cfg.discoveryMaxRecordsPerSubnet() : Math.max(d.maxRecords(), cfg.discoveryMaxRecordsPerPeer()));
        } catch (ParleyException e) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "discovery.max-per-subnet16 / max-records-per-peer / "
                    + "max-records-per-subnet: " + e.getMessage(), e);
        }
        // routing may need a TCP connect and a TLS handshake before it can queue the message
        transport = new BusDhtTransport(vertx, context, BusDhtTransport.Wiring.DEFAULT, 10_000);
        try {
            dht = new DhtNode(dhtConfig, node.identity(), listen, transport, clock, scheduler, random, metrics);
        } catch (ParleyException e) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "discovery.pow-bits is " + cfg.discoveryPowBits()
                    + " but this node's identity (" + cfg.dataDir().resolve("identity.key") + ") does not satisfy it: " + e.getMessage(), e);
        }
        directory = new RelayDirectory(dht.validator(), clock, 10_000, 2, metrics);
        sync = new DirectorySync(dht, directory, scheduler, random, cfg.discoverySyncIntervalMs(), 3, 8);
        if (!seeds.isEmpty()) {
            boot = new Bootstrapper(BootstrapConfig.of(seeds), dht, transport, resolver(),
                    new FilePeerStore(cfg.dataDir().resolve("peers")), clock, scheduler, random);
        }
    }

    /** Configured seeds: {@code discovery.bootstrap} (host:port, host:port@id) and {@code discovery.dns-seed}. */
    static List<Seed> seeds(NodeConfig cfg) {
        List<Seed> out = new ArrayList<>();
        for (String s : cfg.bootstrap()) {
            if (s.isBlank()) continue;
            try {
                out.add(Seed.parse(s.trim().replace('@', '#')));
            } catch (ParleyException e) {
                throw new ParleyException(ParleyException.Kind.CONFIG, "discovery.bootstrap: " + e.getMessage()
                        + " (expected host:port or host:port@<64 hex node id>)", e);
            }
        }
        String dns = cfg.discoveryDnsSeed().trim();
        if (!dns.isEmpty()) {
            boolean hasPort = dns.matches(".*:\\d+");
            if (!hasPort && cfg.peerPort() == 0) {
                throw new ParleyException(ParleyException.Kind.CONFIG,
                        "discovery.dns-seed '" + dns + "' needs name:port when peer.port is 0");
            }
            try {
                out.add(Seed.parse(hasPort ? dns : dns + ":" + cfg.peerPort()));
            } catch (ParleyException e) {
                throw new ParleyException(ParleyException.Kind.CONFIG, "discovery.dns-seed: " + e.getMessage()
                        + " (expected a DNS name or name:port)", e);
            }
        }
        return out;
    }

    /** DNS through the JDK resolver on a worker thread (honours /etc/hosts and search domains, as Kubernetes service names need). */
    private AddressResolver resolver() {
        return host -> vertx.<List<Bytes>>executeBlocking(() -> {
            List<Bytes> ips = new ArrayList<>();
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (ips.size() >= MAX_DNS_ADDRESSES) break;
                ips.add(Bytes.wrap(a.getAddress()));
            }
            return ips;
        }, false).recover(e -> Future.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                "cannot resolve seed " + host + ": " + e.getMessage(), e))).toCompletionStage().toCompletableFuture();
    }

    private Future<PeerAddress> addressOf(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon > 0 ? hostPort.substring(0, colon) : hostPort;
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (colon <= 0 || BusDhtTransport.ipLiteral(host) != null) {
            try {
                return Future.succeededFuture(BusDhtTransport.parseLiteral(hostPort));
            } catch (ParleyException e) {
                return Future.failedFuture(new ParleyException(ParleyException.Kind.CONFIG,
                        "cannot use the peer address '" + hostPort + "' for discovery: " + e.getMessage(), e));
            }
        }
        String name = host;
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        return vertx.executeBlocking(() -> new PeerAddress(Bytes.wrap(InetAddress.getByName(name).getAddress()), port), false);
    }

    private Future<RoutingMessage.SelfDescriptor> describeSelf(int attemptsLeft) {
        Promise<RoutingMessage.SelfDescriptor> p = Promise.promise();
        vertx.eventBus().<RoutingMessage.SelfDescriptor>request(Addresses.ROUTING_SELF, new RoutingMessage.DescribeSelf(),
                new DeliveryOptions().setSendTimeout(5_000)).onComplete(ar -> {
            if (ar.succeeded()) {
                p.complete(ar.result().body());
            } else if (attemptsLeft > 1) {
                vertx.setTimer(1_000, t -> describeSelf(attemptsLeft - 1).onComplete(p));
            } else {
                p.fail(new ParleyException(ParleyException.Kind.UNAVAILABLE, "discovery needs the routing verticle, but "
                        + Addresses.ROUTING_SELF + " did not answer: " + ar.cause().getMessage(), ar.cause()));
            }
        });
        return p.future();
    }

    /** On the event loop: gauges, publication once joined, onion-key refresh. */
    private void tick() {
        metrics.sample();
        boolean ready = bootstrapped();
        if (ready && !published && !node.config().discoveryLight()) {
            published = true;
            publishDescriptor();
        } else if (!ready && boot != null && published) {
            published = false; // re-published (to the new neighbourhood) once bootstrapped again
        }
        long now = clock.nowMillis();
        if (now - lastSelfRefresh >= SELF_REFRESH_MILLIS) {
            lastSelfRefresh = now;
            vertx.eventBus().<RoutingMessage.SelfDescriptor>request(Addresses.ROUTING_SELF, new RoutingMessage.DescribeSelf())
                    .onSuccess(m -> {
                        RoutingMessage.SelfDescriptor sd = m.body();
                        boolean rotated = !sd.onionKey().equals(self.onionKey());
                        self = sd;
                        if (rotated && published) publishDescriptor();
                    });
        }
    }

    private void publishDescriptor() {
        if (publication != null) publication.cancel();
        publication = dht.publish(this::signDescriptor);
    }

    private SignedRecord signDescriptor() {
        long now = clock.nowMillis();
        long expires = now + DESCRIPTOR_TTL_MILLIS;
        lastVersion = Math.max(lastVersion + 1, now); // wall-clock versions survive restarts
        RelayDescriptor d = RelayDescriptor.create(node.identity(), self.onionKey(), expires, List.of(listen), List.of(),
                ADVERTISED_BANDWIDTH_KBPS, EnumSet.of(RelayFlag.RELAY, RelayFlag.INBOX, RelayFlag.GUARD_CAPABLE), SOFTWARE);
        return d.toRecord(node.identity(), lastVersion, expires);
    }

    private boolean bootstrapped() {
        return boot == null || boot.status().ready();
    }

    @Override
    protected String state() {
        if (dht == null) return "NOT_READY: starting";
        if (bootstrapped()) return "UP";
        String detail = boot.status().detail();
        if (detail.startsWith("not ready: ")) detail = detail.substring("not ready: ".length());
        return "NOT_READY: " + detail;
    }

    @Override
    protected Map<String, String> details() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("seeds", String.valueOf(seeds.size()));
        m.put("light", String.valueOf(node.config().discoveryLight()));
        if (dht != null) {
            m.put("routingTable", String.valueOf(dht.table().size()));
            m.put("relaysKnown", String.valueOf(directory.relaysKnown()));
            m.put("bootstrap", boot == null ? "no seeds (first node)" : boot.status().detail());
            if (publication != null) m.put("descriptorReplicas", String.valueOf(publication.lastAcks()));
            m.put("sendFailures", String.valueOf(transport.sendFailures()));
        }
        return m;
    }

    /** Relays in the directory (tests, diagnostics; call on this verticle's context). */
    RelayDirectory directory() {
        return directory;
    }

    @Override
    protected Future<?> stopConcern() {
        if (ticker >= 0) vertx.cancelTimer(ticker);
        if (publication != null) publication.cancel();
        if (boot != null) boot.stop();
        if (sync != null) sync.stop();
        if (dht != null) dht.stop();
        return transport == null ? Future.succeededFuture() : transport.close();
    }
}
