package org.parley.verticles.cli;

import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses.Concern;
import org.parley.verticles.config.ConfigLoader;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

@Command(name = "node", mixinStandardHelpOptions = true,
        description = {"Runs one Parley node (or, with --cluster, one member of a node spread over several JVMs).",
                "Prints one line with the node id and the addresses it bound, then serves until SIGTERM or Ctrl-C.",
                "Settings come from conf/node.yaml-style --config, then PARLEY_* environment variables, then these flags."})
public final class NodeCommand implements Callable<Integer> {
    /** Returned when the node keeps running in the background and main must not exit. */
    public static final int KEEP_RUNNING = Integer.MIN_VALUE;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (every key is listed in conf/node.yaml)")
    Path config;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "directory for identity, database and token (default ./data)")
    String dataDir;
    @Option(names = "--gateway-port", paramLabel = "N", description = "client gateway port on 127.0.0.1 (default 8080; 0 = any free port)")
    String gatewayPort;
    @Option(names = "--peer-port", paramLabel = "N", description = "TLS peer-link port (default 9000; 0 = any free port)")
    String peerPort;
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[@ID],...", description = "seed peers to join the network through")
    String bootstrap;
    @Option(names = "--cluster", description = "join a Hazelcast cluster of this node's members (event bus over TLS)")
    Boolean cluster;
    @Option(names = "--cluster-port", paramLabel = "N", description = "Hazelcast member port (default 5701)")
    String clusterPort;
    @Option(names = "--cluster-members", paramLabel = "HOST:PORT,...", description = "other members of this node's cluster")
    String clusterMembers;
    @Option(names = "--only", paramLabel = "VERTICLE,...", description = "verticles this member runs: storage, routing, discovery, delivery, gateway (default all)")
    String only;

    /** Set once the node is up; for tests that run the command in-process. */
    volatile Node node;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> flags = new LinkedHashMap<>();
        flags.put("data-dir", dataDir);
        flags.put("gateway.port", gatewayPort);
        flags.put("peer.port", peerPort);
        flags.put("discovery.bootstrap", bootstrap);
        flags.put("cluster.enabled", cluster);
        flags.put("cluster.port", clusterPort);
        flags.put("cluster.members", clusterMembers);
        flags.put("cluster.only", only);
        NodeConfig cfg = ConfigLoader.load(config, System.getenv(), flags);
        Node n;
        try {
            n = Node.start(cfg).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ParleyException pe) throw pe;
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "node failed to start: " + e.getCause().getMessage(), e.getCause());
        }
        node = n;
        spec.commandLine().getOut().println(startLine(n, cfg));
        spec.commandLine().getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable shutdown = () -> {
            try {
                n.stop().toCompletionStage().toCompletableFuture().get(9, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("parley: clean shutdown did not finish: " + e.getMessage());
            }
            stopped.countDown();
        };
        Signals.onTermination(() -> {
            shutdown.run();
            System.exit(0);
        });
        stopped.await();
        return 0;
    }

    static String startLine(Node n, NodeConfig cfg) {
        StringBuilder sb = new StringBuilder("node ").append(n.nodeId().hex());
        if (n.gatewayPort() > 0) sb.append(" gateway http://").append(cfg.gatewayHost()).append(':').append(n.gatewayPort());
        if (n.peerPort() > 0) sb.append(" peer ").append(cfg.peerHost()).append(':').append(n.peerPort());
        sb.append(" member ").append(n.member());
        sb.append(" verticles ").append(n.concerns().stream().map(Concern::id).collect(Collectors.joining(",")));
        return sb.toString();
    }
}
