package org.parley.verticles.delivery;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.StorageMessage;
import org.parley.delivery.service.ContactRecord;
import org.parley.delivery.service.MessageRecord;
import org.parley.delivery.service.MessageState;
import org.parley.storage.KeySource;
import org.parley.storage.Store;
import org.parley.storage.StoreOptions;
import org.parley.storage.memory.InMemoryStore;
import org.parley.verticles.bus.BusCodecs;
import org.parley.verticles.bus.RecordCodec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link BusDeliveryStore} gathers the writes of one event-loop turn into one storage request. */
class BusDeliveryStoreBatchTest {
    Vertx vertx;
    Store store;
    final List<StorageMessage> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        BusCodecs.register(vertx.eventBus());
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        if (store != null) store.close();
    }

    private void serveFrom(Path dir) {
        store = InMemoryStore.open(StoreOptions.of(dir, KeySource.none()));
        StoreDeliveryHandler handler = new StoreDeliveryHandler(store);
        vertx.eventBus().<StorageMessage>consumer(Addresses.STORAGE_DELIVERY, m -> {
            requests.add(m.body());
            handler.handle(m.body()).whenComplete((r, e) -> {
                if (e == null) m.reply(r);
                else m.fail(500, e.getMessage());
            });
        });
    }

    /** Runs {@code calls} in one task on a Vert.x context and returns what it returned. */
    private <T> T inOneTurn(java.util.function.Function<BusDeliveryStore, T> calls, BusDeliveryStore s) throws Exception {
        CompletableFuture<T> out = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> out.complete(calls.apply(s)));
        return out.get(5, TimeUnit.SECONDS);
    }

    private static <T> T await(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static MessageRecord rec(String id) {
        return new MessageRecord("c1", id, true, Bytes.fromHex("0102"), MessageState.PENDING, Bytes.fromHex("aa"), 10, 10);
    }

    @Test
    void writesOfOneTurnGoAsOneBatchInCallOrderAndAReadFollowsThem(@TempDir Path dir) throws Exception {
        serveFrom(dir);
        BusDeliveryStore s = new BusDeliveryStore(vertx.eventBus(), 5_000);
        ContactRecord bob = new ContactRecord("c1", "Bob", Bytes.fromHex("01"), Bytes.fromHex("02"), Bytes.fromHex("03"), 5);
        List<CompletionStage<?>> stages = inOneTurn(st -> {
            List<CompletionStage<?>> l = new ArrayList<>();
            l.add(st.putContact(bob));
            l.add(st.putSession("c1", Bytes.fromHex("5e")));
            l.add(st.appendMessage(rec("m1")));
            l.add(st.updateMessage("m1", MessageState.SENT, Bytes.fromHex("bb"), 11));
            l.add(st.updateMessage("nope", MessageState.SENT, Bytes.EMPTY, 11));
            l.add(st.message("m1"));
            return l;
        }, s);
        assertThat(await(stages.get(2))).isEqualTo(true);
        assertThat(((MessageRecord) await(stages.get(3))).status()).isEqualTo(MessageState.SENT);
        // the read was sent after the batch, so it sees it
        @SuppressWarnings("unchecked")
        Optional<MessageRecord> read = (Optional<MessageRecord>) await(stages.get(5));
        assertThat(read).map(MessageRecord::status).contains(MessageState.SENT);
        // one failing write fails alone, with its kind
        assertThatThrownBy(() -> await(stages.get(4))).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.NOT_FOUND));
        await(stages.get(0));
        await(stages.get(1));

        assertThat(requests).hasSize(2);
        assertThat(requests.get(0)).isInstanceOfSatisfying(StorageMessage.DeliveryBatch.class, b -> assertThat(b.writes())
                .extracting(w -> w.getClass().getSimpleName())
                .containsExactly("DeliveryContactPut", "DeliverySessionPut", "DeliveryMessageAppend", "DeliveryMessageUpdate",
                        "DeliveryMessageUpdate"));
        assertThat(requests.get(1)).isInstanceOf(StorageMessage.DeliveryMessageGet.class);
        assertThat(await(s.contacts())).containsExactly(bob);

        // a lone write goes as itself; more than the cap go as several batches, still in order
        requests.clear();
        await(inOneTurn(st -> st.saveAccount(Bytes.fromHex("ab")), s));
        assertThat(requests).singleElement().isInstanceOf(StorageMessage.DeliveryAccountPut.class);
        requests.clear();
        List<CompletionStage<Boolean>> many = inOneTurn(st -> {
            List<CompletionStage<Boolean>> l = new ArrayList<>();
            for (int i = 0; i < BusDeliveryStore.MAX_BATCH + 3; i++) l.add(st.appendMessage(rec("k" + i)));
            return l;
        }, s);
        for (CompletionStage<Boolean> f : many) assertThat(await(f)).isTrue();
        assertThat(requests).extracting(r -> ((StorageMessage.DeliveryBatch) r).writes().size()).containsExactly(BusDeliveryStore.MAX_BATCH, 3);
    }

    @Test
    void aWriteCompletesOnlyWhenTheStorageAnswersTheBatch() throws Exception {
        List<Message<StorageMessage>> held = new CopyOnWriteArrayList<>();
        vertx.eventBus().<StorageMessage>consumer(Addresses.STORAGE_DELIVERY, held::add);
        BusDeliveryStore s = new BusDeliveryStore(vertx.eventBus(), 5_000);
        List<CompletionStage<Void>> stages = inOneTurn(st -> List.of(st.putSession("c1", Bytes.fromHex("01")),
                st.putSession("c2", Bytes.fromHex("02"))), s);
        for (int i = 0; i < 50 && held.isEmpty(); i++) Thread.sleep(20);
        assertThat(held).hasSize(1);
        Thread.sleep(50);
        assertThat(stages).noneMatch(f -> f.toCompletableFuture().isDone());
        held.get(0).reply(new StorageMessage.DeliveryBatchDone(List.of(new StorageMessage.Done(),
                new StorageMessage.DeliveryFailure(503, "disk gone"))));
        await(stages.get(0));
        assertThatThrownBy(() -> await(stages.get(1))).cause().isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.UNAVAILABLE));
    }

    @Test
    void batchesRoundTripThroughTheWireForm() {
        StorageMessage.DeliveryBatch b = new StorageMessage.DeliveryBatch(List.of(
                new StorageMessage.DeliveryContactPut(new StorageMessage.DeliveryContact("c1", "Bob", Bytes.fromHex("01"), Bytes.fromHex("02"),
                        Bytes.fromHex("03"), 5)),
                new StorageMessage.DeliveryMessageAppend(new StorageMessage.DeliveryStoredMessage("c1", "m1", true, Bytes.fromHex("0102"),
                        "pending", Bytes.fromHex("aa"), 1, 2)),
                new StorageMessage.DeliveryEventPut(7, Bytes.fromHex("e7"))));
        RecordCodec<StorageMessage.DeliveryBatch> codec = new RecordCodec<>(StorageMessage.DeliveryBatch.class);
        Buffer buf = Buffer.buffer();
        codec.encodeToWire(buf, b);
        assertThat(codec.decodeFromWire(0, buf)).isEqualTo(b);

        StorageMessage.DeliveryBatchDone d = new StorageMessage.DeliveryBatchDone(List.of(new StorageMessage.Done(),
                new StorageMessage.DeliveryAppended(true), new StorageMessage.DeliveryFailure(404, "no message x"),
                new StorageMessage.DeliveryMessages(List.of())));
        RecordCodec<StorageMessage.DeliveryBatchDone> dc = new RecordCodec<>(StorageMessage.DeliveryBatchDone.class);
        Buffer db = Buffer.buffer();
        dc.encodeToWire(db, d);
        assertThat(dc.decodeFromWire(0, db)).isEqualTo(d);
    }
}
