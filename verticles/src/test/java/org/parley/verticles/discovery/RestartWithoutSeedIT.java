package org.parley.verticles.discovery;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.verticles.node.Http;
import org.parley.verticles.node.Node;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node that restarts while its only seed is down finds the network again from the peers it saved
 * ({@code <data-dir>/peers}). Before they were saved, such a node stayed "not ready: no reachable
 * seed" with an empty relay directory for good — in NetnsFaultIT a user restarted after the seed
 * (also his inbox relay) was killed could never build a circuit again.
 */
@Tag("testnet")
class RestartWithoutSeedIT {
    final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (Node n : nodes) {
            try {
                n.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // already stopped, or best effort
            }
        }
    }

    static boolean await(java.util.function.BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end) {
            if (c.getAsBoolean()) return true;
            Thread.sleep(100);
        }
        return c.getAsBoolean();
    }

    @Test
    void restartedNodeBootstrapsFromSavedPeersWhenTheSeedIsDown(@TempDir Path dir) throws Exception {
        Node seed = DiscoveryNetworkIT.start(DiscoveryNetworkIT.config(dir.resolve("n0"), 0, List.of()));
        nodes.add(seed);
        String seedSpec = "127.0.1.1:" + seed.peerPort() + "@" + seed.nodeId().hex();
        for (int i = 1; i <= 3; i++) nodes.add(DiscoveryNetworkIT.start(DiscoveryNetworkIT.config(dir.resolve("n" + i), i, List.of(seedSpec))));
        Path userDir = dir.resolve("n4");
        Node user = DiscoveryNetworkIT.start(DiscoveryNetworkIT.config(userDir, 4, List.of(seedSpec)));
        assertThat(await(() -> DiscoveryNetworkIT.relaysKnown(user) >= 5, 60_000)).as("all 5 relays known").isTrue();

        user.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        List<String> saved = Files.readAllLines(userDir.resolve("peers"));
        assertThat(saved).as("peers saved on stop").hasSizeGreaterThanOrEqualTo(2);
        seed.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        nodes.remove(seed);

        Node again = DiscoveryNetworkIT.start(DiscoveryNetworkIT.config(userDir, 4, List.of(seedSpec)));
        nodes.add(again);
        // the seed is down: only the saved peers can bring back the other three relays
        assertThat(await(() -> DiscoveryNetworkIT.relaysKnown(again) >= 4, 60_000))
                .as("relays known after a restart with the seed down: %s", DiscoveryNetworkIT.relaysKnown(again)).isTrue();
        HttpResponse<String> ready = Http.awaitOk("http://127.0.0.1:" + again.gatewayPort() + "/ready", 30_000);
        assertThat(ready).isNotNull();
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    }
}
