package org.parley.verticles.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.verticles.bus.BusCodecs;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.gateway.GatewayVerticle;
import org.parley.verticles.tls.IdentityTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One node (or one member of a clustered node): builds Vert.x (plain, or clustered over
 * Hazelcast with the event bus on TLS), deploys the selected verticles in dependency order and
 * undeploys them in reverse.
 */
public final class Node {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final Vertx vertx;
    private final NodeContext context;
    private final Map<Concern, ConcernVerticle> verticles;
    private final List<String> deployments;

    private Node(Vertx vertx, NodeContext context, Map<Concern, ConcernVerticle> verticles, List<String> deployments) {
        this.vertx = vertx;
        this.context = context;
        this.verticles = verticles;
        this.deployments = deployments;
    }

    /** Starts a node; the future fails with a {@link ParleyException} whose message says what to do. */
    public static Future<Node> start(NodeConfig config) {
        NodeIdentity identity;
        try {
            identity = NodeIdentity.loadOrCreate(config.dataDir(), new SecureRandom());
        } catch (ParleyException e) {
            return Future.failedFuture(e);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        VertxOptions options = new VertxOptions()
                .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(config.metricsEnabled()).setJvmMetricsEnabled(config.metricsEnabled()));
        Future<Vertx> vertxFuture;
        HazelcastClusterManager cluster = null;
        if (config.clusterEnabled()) {
            java.security.cert.X509Certificate cert = IdentityTls.selfSigned(identity);
            cluster = new HazelcastClusterManager(hazelcastConfig(config, identity.nodeId()));
            options.setEventBusOptions(new EventBusOptions()
                    .setHost(config.clusterHost()).setClusterPublicHost(config.clusterHost()).setPort(0)
                    .setSsl(true)
                    .setKeyCertOptions(IdentityTls.keyStore(identity, cert))
                    // every member of a node holds the node's identity: trust only that identity's certificate
                    .setTrustOptions(IdentityTls.trustOnly(cert))
                    .setClientAuth(ClientAuth.REQUIRED));
            vertxFuture = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry))
                    .withClusterManager(cluster).buildClustered();
        } else {
            vertxFuture = Future.succeededFuture(Vertx.builder().with(options)
                    .withMetrics(new MicrometerMetricsFactory(registry)).build());
        }
        HazelcastClusterManager clusterManager = cluster;
        return vertxFuture.recover(e -> Future.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE,
                        "cannot join the cluster on " + config.clusterHost() + ":" + config.clusterPort() + ": " + e.getMessage(), e)))
                .compose(vertx -> {
                    BusCodecs.register(vertx.eventBus());
                    String member = clusterManager != null ? clusterManager.getNodeId().substring(0, 8) : "local";
                    NodeContext ctx = new NodeContext(identity, member, registry, config);
                    return deploy(vertx, ctx).recover(e -> vertx.close().transform(x -> Future.failedFuture(e)));
                });
    }

    private static Future<Node> deploy(Vertx vertx, NodeContext ctx) {
        Map<Concern, ConcernVerticle> verticles = new EnumMap<>(Concern.class);
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        Future<Void> chain = Future.succeededFuture();
        for (Concern c : Addresses.DEPLOY_ORDER) {
            if (!ctx.config().runs(c)) continue;
            ConcernVerticle v = create(c, ctx);
            verticles.put(c, v);
            DeploymentOptions opts = new DeploymentOptions();
            if (c == Concern.STORAGE) opts.setThreadingModel(ThreadingModel.WORKER).setWorkerPoolName("parley-storage").setWorkerPoolSize(4);
            chain = chain.compose(x -> vertx.deployVerticle(v, opts).map(id -> {
                ids.add(id);
                return null;
            }));
        }
        return chain.map(x -> new Node(vertx, ctx, verticles, ids));
    }

    private static ConcernVerticle create(Concern c, NodeContext ctx) {
        return switch (c) {
            case STORAGE -> new StorageVerticle(ctx);
            case ROUTING -> new RoutingVerticle(ctx);
            case DISCOVERY -> new DiscoveryVerticle(ctx);
            case DELIVERY -> new DeliveryVerticle(ctx);
            case GATEWAY -> new GatewayVerticle(ctx);
        };
    }

    static Config hazelcastConfig(NodeConfig config, NodeId nodeId) {
        Config cfg = ConfigUtil.loadConfig();
        String name = config.clusterName().isEmpty() ? "parley-" + nodeId.hex().substring(0, 16) : config.clusterName();
        cfg.setClusterName(name);
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.logging.type", "jdk");
        cfg.setProperty("hazelcast.wait.seconds.before.join", "1");
        cfg.setProperty("hazelcast.max.wait.seconds.before.join", "1");
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(config.clusterPort()).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface(config.clusterHost());
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        List<String> members = new ArrayList<>(config.clusterMembers());
        members.add(config.clusterHost() + ":" + config.clusterPort());
        join.getTcpIpConfig().setEnabled(true).setMembers(members);
        // the clustered store: synchronous backups that fail a write rather than report it done unbacked
        org.parley.verticles.storage.HazelcastStore.configure(cfg);
        return cfg;
    }

    public Future<Void> stop() {
        Future<Void> chain = Future.succeededFuture();
        List<String> reversed = new ArrayList<>(deployments);
        Collections.reverse(reversed);
        for (String id : reversed) {
            chain = chain.compose(x -> vertx.undeploy(id).recover(e -> {
                LOG.warn("undeploying {} failed: {}", id, e.getMessage());
                return Future.succeededFuture();
            }));
        }
        return chain.compose(x -> vertx.close());
    }

    public NodeId nodeId() {
        return context.identity().nodeId();
    }

    public String member() {
        return context.member();
    }

    public MeterRegistry registry() {
        return context.registry();
    }

    public Vertx vertx() {
        return vertx;
    }

    public int gatewayPort() {
        return verticles.get(Concern.GATEWAY) instanceof GatewayVerticle g ? g.actualPort() : -1;
    }

    public int peerPort() {
        return verticles.get(Concern.ROUTING) instanceof RoutingVerticle r ? r.actualPort() : -1;
    }

    public java.util.Set<Concern> concerns() {
        return verticles.keySet();
    }
}
