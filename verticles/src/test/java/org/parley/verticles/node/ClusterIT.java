package org.parley.verticles.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.bus.Addresses.Concern;
import org.parley.verticles.config.NodeConfig;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One node spread over two clustered Vert.x members in this JVM; a request crosses members and comes back. */
@Tag("cluster")
class ClusterIT {
    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void readinessProbeTravelsGatewayToDeliveryToStorageAcrossMembers(@TempDir Path dir) throws Exception {
        int pa = freePort();
        int pb = freePort();
        NodeConfig base = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0);
        NodeConfig a = base.withCluster(true, pa, List.of("127.0.0.1:" + pb), EnumSet.of(Concern.GATEWAY, Concern.DELIVERY));
        NodeConfig b = base.withCluster(true, pb, List.of("127.0.0.1:" + pa), EnumSet.of(Concern.STORAGE, Concern.ROUTING, Concern.DISCOVERY));
        Node nb = NodeIT.start(b);
        Node na = null;
        try {
            na = NodeIT.start(a);
            assertThat(na.member()).isNotEqualTo(nb.member());
            assertThat(na.nodeId()).isEqualTo(nb.nodeId());
            HttpResponse<String> ready = Http.awaitOk("http://127.0.0.1:" + na.gatewayPort() + "/ready", 30_000);
            assertThat(ready).isNotNull();
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            JsonObject body = new JsonObject(ready.body());
            assertThat(body.getJsonArray("probe").getList()).containsExactly(
                    "gateway@" + na.member(), "delivery@" + na.member(), "storage@" + nb.member());
            for (Object o : body.getJsonArray("concerns")) {
                JsonObject c = (JsonObject) o;
                String expected = EnumSet.of(Concern.GATEWAY, Concern.DELIVERY).contains(Concern.fromId(c.getString("concern")))
                        ? na.member() : nb.member();
                assertThat(c.getString("member")).as(c.encode()).isEqualTo(expected);
            }
        } finally {
            if (na != null) NodeIT.stop(na);
            NodeIT.stop(nb);
        }
    }
}
