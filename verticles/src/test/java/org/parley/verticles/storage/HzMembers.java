package org.parley.verticles.storage;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Hazelcast members in this JVM: TCP-IP join on 127.0.0.1 with free ports, multicast and phone-home off. */
final class HzMembers {
    private HzMembers() {
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts {@code n} members of a fresh cluster and waits (at most 30 s) until all see each other. */
    static List<HazelcastInstance> start(int n, String clusterName) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) ports.add(freePort());
        List<String> addresses = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        List<HazelcastInstance> members = new ArrayList<>();
        for (int port : ports) {
            Config cfg = HazelcastStore.configure(new Config());
            cfg.setClusterName(clusterName);
            cfg.setProperty("hazelcast.phone.home.enabled", "false");
            cfg.setProperty("hazelcast.logging.type", "jdk");
            cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
            cfg.setProperty("hazelcast.max.wait.seconds.before.join", "0");
            cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
            cfg.setProperty("hazelcast.partition.count", "31");
            // a terminated member is noticed by its closed connections; keep the heartbeat bound short too
            cfg.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
            NetworkConfig net = cfg.getNetworkConfig();
            net.setPort(port).setPortAutoIncrement(false);
            net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
            JoinConfig join = net.getJoin();
            join.getMulticastConfig().setEnabled(false);
            join.getAutoDetectionConfig().setEnabled(false);
            join.getTcpIpConfig().setEnabled(true).setMembers(addresses);
            members.add(Hazelcast.newHazelcastInstance(cfg));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (members.get(0).getCluster().getMembers().size() < n) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("cluster did not form");
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return members;
    }

    static void stop(List<HazelcastInstance> members) {
        for (HazelcastInstance m : members) {
            try {
                m.getLifecycleService().terminate();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
    }
}
