package org.parley.verticles.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.storage.KeySource;
import org.parley.storage.Store;
import org.parley.storage.StoreOptions;

/**
 * The production path: the Hazelcast instance of a clustered Vert.x (Vert.x's own cluster config,
 * as {@code Node} builds it) carries the store, and the store's map config (sync backup, sorted
 * key index) is in force next to Vert.x's maps.
 */
@Tag("cluster")
class HazelcastStoreVertxTest {
    @Test
    void storeRunsOnTheClusterManagersInstance() throws Exception {
        int port = HzMembers.freePort();
        Config cfg = HazelcastStore.configure(ConfigUtil.loadConfig());
        cfg.setClusterName("vertx-store-" + ProcessHandle.current().pid());
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.logging.type", "jdk");
        cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(port).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(List.of("127.0.0.1:" + port));
        HazelcastClusterManager cluster = new HazelcastClusterManager(cfg);
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions().setEventBusOptions(
                        new EventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1").setPort(0)))
                .withClusterManager(cluster).buildClustered()
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        try {
            HazelcastInstance hz = cluster.getHazelcastInstance();
            try (Store store = HazelcastStore.open(hz, StoreOptions.of(null, KeySource.none()))) {
                Bytes v = Bytes.wrap("on the cluster".getBytes(StandardCharsets.UTF_8));
                store.meta().put("probe", v).get(30, TimeUnit.SECONDS);
                assertThat(store.meta().get("probe")).contains(v);
                assertThat(store.schemaVersion()).isEqualTo(org.parley.storage.internal.KvStore.CURRENT_SCHEMA);
            }
            MapConfig mc = hz.getConfig().findMapConfig(HazelcastKvEngine.MAP_PREFIX + HazelcastStore.DEFAULT_NAME + ".data");
            assertThat(mc.getBackupCount()).isEqualTo(1);
            assertThat(mc.getAsyncBackupCount()).isZero();
            assertThat(mc.getIndexConfigs()).anySatisfy(ic -> {
                assertThat(ic.getType()).isEqualTo(IndexType.SORTED);
                assertThat(ic.getAttributes()).containsExactly("__key");
            });
            assertThat(hz.getConfig().getProperty("hazelcast.operation.fail.on.indeterminate.state")).isEqualTo("true");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
