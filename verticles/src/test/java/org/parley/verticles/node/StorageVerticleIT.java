package org.parley.verticles.node;

import io.vertx.core.eventbus.ReplyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.StorageMessage;
import org.parley.verticles.config.NodeConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The storage verticle serves the inbox-relay store over the bus, durably, with metrics. */
class StorageVerticleIT {
    @SuppressWarnings("unchecked")
    static <T> T ask(Node n, Object body) throws Exception {
        return (T) n.vertx().eventBus().request(Addresses.STORAGE_INBOX, body)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
    }

    @Test
    void inboxOverTheBusSurvivesARestartAndShowsStorageMetrics(@TempDir Path dir) throws Exception {
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0);
        Bytes inbox = Bytes.fromHex("ab".repeat(16));
        long now = System.currentTimeMillis();
        Node node = NodeIT.start(cfg);
        try {
            StorageMessage.InboxPutResult r = ask(node, new StorageMessage.InboxPut(inbox, Bytes.fromHex("01"), Bytes.fromHex("cafe"), now, now + 60_000));
            assertThat(r.outcome()).isEqualTo("STORED");
            StorageMessage.InboxPutResult dup = ask(node, new StorageMessage.InboxPut(inbox, Bytes.fromHex("01"), Bytes.fromHex("cafe"), now, now + 60_000));
            assertThat(dup.outcome()).isEqualTo("DUPLICATE");
            ask(node, new StorageMessage.InboxAuthBind(inbox, Bytes.fromHex("22".repeat(32))));
            assertThatThrownBy(() -> ask(node, new StorageMessage.InboxPut(inbox, Bytes.EMPTY, Bytes.fromHex("00"), now, now + 1)))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ReplyException.class)
                    .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(400));
            String metrics = Http.get("http://127.0.0.1:" + node.gatewayPort() + "/metrics").body();
            assertThat(metrics).contains("parley_storage_writes_total{repository=\"inbox\"}");
            assertThat(metrics).contains("parley_storage_write_seconds_bucket");
            assertThat(metrics).contains("parley_storage_bytes{repository=\"inbox\"}");
        } finally {
            NodeIT.stop(node);
        }
        assertThat(Files.exists(dir.resolve("store.key"))).isTrue();
        Node again = NodeIT.start(cfg);
        try {
            StorageMessage.InboxItems items = ask(again, new StorageMessage.InboxList(inbox, now, 10));
            assertThat(items.items()).hasSize(1);
            assertThat(items.items().get(0).envelope()).isEqualTo(Bytes.fromHex("cafe"));
            StorageMessage.InboxAuth auth = ask(again, new StorageMessage.InboxAuthGet(inbox));
            assertThat(auth.authKey()).isEqualTo(Bytes.fromHex("22".repeat(32)));
            StorageMessage.InboxDeleted del = ask(again, new StorageMessage.InboxDelete(inbox, Bytes.fromHex("01"), now));
            assertThat(del.outcome()).isEqualTo("DELETED");
        } finally {
            NodeIT.stop(again);
        }
    }
}
