package org.parley.verticles.delivery;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.StorageMessage;
import org.parley.core.bus.StorageMessage.DeliveryStoredMessage;
import org.parley.storage.KeySource;
import org.parley.storage.MessageStatus;
import org.parley.storage.Store;
import org.parley.storage.StoreOptions;
import org.parley.storage.memory.InMemoryStore;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The delivery store's bus requests mapped onto the storage repositories (in-memory backend). */
class StoreDeliveryHandlerTest {
    Store store;
    StoreDeliveryHandler h;

    @AfterEach
    void close() {
        if (store != null) store.close();
    }

    @SuppressWarnings("unchecked")
    <T extends StorageMessage> T ask(StorageMessage m) {
        return (T) h.handle(m).toCompletableFuture().join();
    }

    static DeliveryStoredMessage msg(String conv, String id, boolean out, String status, long at) {
        return new DeliveryStoredMessage(conv, id, out, Bytes.fromHex("0102"), status, Bytes.fromHex("aa"), at, at);
    }

    @Test
    void everyRequestMapsOntoTheRepositories(@TempDir Path dir) {
        store = InMemoryStore.open(StoreOptions.of(dir, KeySource.none()));
        h = new StoreDeliveryHandler(store);
        assertThat(this.<StorageMessage.DeliveryBlob>ask(new StorageMessage.DeliveryAccountGet()).present()).isFalse();
        ask(new StorageMessage.DeliveryAccountPut(Bytes.fromHex("abcd")));
        assertThat(this.<StorageMessage.DeliveryBlob>ask(new StorageMessage.DeliveryAccountGet()).value()).isEqualTo(Bytes.fromHex("abcd"));

        StorageMessage.DeliveryContact c = new StorageMessage.DeliveryContact("c1", "Bob", Bytes.fromHex("01"), Bytes.fromHex("02"),
                Bytes.fromHex("03"), 5);
        ask(new StorageMessage.DeliveryContactPut(c));
        assertThat(this.<StorageMessage.DeliveryContacts>ask(new StorageMessage.DeliveryContactsList()).contacts()).containsExactly(c);
        ask(new StorageMessage.DeliverySessionPut("c1", Bytes.fromHex("5e"), 6));
        assertThat(this.<StorageMessage.DeliveryBlob>ask(new StorageMessage.DeliverySessionGet("c1")).value()).isEqualTo(Bytes.fromHex("5e"));

        StorageMessage.DeliveryConversation direct = new StorageMessage.DeliveryConversation("c1", "c1", "Bob", 1, Bytes.EMPTY);
        StorageMessage.DeliveryConversation group = new StorageMessage.DeliveryConversation("g-1", "", "team", 2, Bytes.fromHex("99"));
        ask(new StorageMessage.DeliveryConversationPut(direct));
        ask(new StorageMessage.DeliveryConversationPut(group));
        assertThat(this.<StorageMessage.DeliveryConversations>ask(new StorageMessage.DeliveryConversationsList()).conversations())
                .containsExactlyInAnyOrder(direct, group);

        // messages: duplicate refused, status forward only, "received" for incoming, extra kept
        assertThat(this.<StorageMessage.DeliveryAppended>ask(new StorageMessage.DeliveryMessageAppend(msg("c1", "m1", true, "pending", 10))).fresh()).isTrue();
        assertThat(this.<StorageMessage.DeliveryAppended>ask(new StorageMessage.DeliveryMessageAppend(msg("c1", "m1", true, "pending", 10))).fresh()).isFalse();
        ask(new StorageMessage.DeliveryMessageAppend(msg("c1", "m2", true, "pending", 11)));
        ask(new StorageMessage.DeliveryMessageAppend(msg("c1", "c1:m3", false, "received", 12)));
        StorageMessage.DeliveryMessages up = ask(new StorageMessage.DeliveryMessageUpdate("m1", "delivered", Bytes.fromHex("bb"), 20));
        assertThat(up.messages().get(0).status()).isEqualTo("delivered");
        StorageMessage.DeliveryMessages back = ask(new StorageMessage.DeliveryMessageUpdate("m1", "sent", Bytes.fromHex("cc"), 21));
        assertThat(back.messages().get(0).status()).isEqualTo("delivered");
        assertThat(store.messages().get(Bytes.wrap("c1:m3".getBytes())).orElseThrow().status()).isEqualTo(MessageStatus.DELIVERED);
        StorageMessage.DeliveryMessages in = ask(new StorageMessage.DeliveryMessageGet("c1:m3"));
        assertThat(in.messages().get(0).status()).isEqualTo("received");
        assertThat(in.messages().get(0).outgoing()).isFalse();
        StorageMessage.DeliveryMessages got = ask(new StorageMessage.DeliveryMessageGet("m1"));
        assertThat(got.messages().get(0).extra()).isEqualTo(Bytes.fromHex("cc"));
        StorageMessage.DeliveryMessages newest = ask(new StorageMessage.DeliveryMessagesBefore("c1", Long.MAX_VALUE, 2));
        assertThat(newest.messages()).extracting(DeliveryStoredMessage::messageId).containsExactly("c1:m3", "m2");
        StorageMessage.DeliveryMessages before = ask(new StorageMessage.DeliveryMessagesBefore("c1", 12, 10));
        assertThat(before.messages()).extracting(DeliveryStoredMessage::messageId).containsExactly("m2", "m1");
        StorageMessage.DeliveryMessages open = ask(new StorageMessage.DeliveryOpenOutgoing());
        assertThat(open.messages()).extracting(DeliveryStoredMessage::messageId).containsExactly("m2");
        assertThatThrownBy(() -> ask(new StorageMessage.DeliveryMessageUpdate("nope", "sent", Bytes.EMPTY, 1)))
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(ParleyException.class);

        // events by cursor, JSON-encoded as the verticle does
        assertThat(this.<StorageMessage.DeliveryLastCursor>ask(new StorageMessage.DeliveryLastCursorGet()).cursor()).isZero();
        for (long i = 1; i <= 5; i++) {
            DeliveryMessage.Event e = new DeliveryMessage.Event(i, "contact", null,
                    new DeliveryMessage.ContactView("c" + i, "n", "123", false), null);
            ask(new StorageMessage.DeliveryEventPut(i, BusDeliveryStore.encode(e)));
        }
        assertThat(this.<StorageMessage.DeliveryLastCursor>ask(new StorageMessage.DeliveryLastCursorGet()).cursor()).isEqualTo(5);
        StorageMessage.DeliveryEvents since = ask(new StorageMessage.DeliveryEventsSince(2, 2));
        assertThat(since.events().stream().map(BusDeliveryStore::decode).map(DeliveryMessage.Event::cursor).toList()).containsExactly(3L, 4L);
        assertThat(BusDeliveryStore.decode(since.events().get(0)).contact().contactId()).isEqualTo("c3");
    }

    @Test
    void aBatchAppliesItsWritesInOrderAndAFailingOneFailsAlone(@TempDir Path dir) {
        store = InMemoryStore.open(StoreOptions.of(dir, KeySource.none()));
        h = new StoreDeliveryHandler(store);
        StorageMessage.DeliveryContact c = new StorageMessage.DeliveryContact("c1", "Bob", Bytes.fromHex("01"), Bytes.fromHex("02"),
                Bytes.fromHex("03"), 5);
        StorageMessage.DeliveryConversation group = new StorageMessage.DeliveryConversation("g-1", "", "team", 2, Bytes.fromHex("99"));
        StorageMessage.DeliveryBatchDone done = ask(new StorageMessage.DeliveryBatch(List.of(
                new StorageMessage.DeliveryContactPut(c),
                new StorageMessage.DeliveryMessageAppend(msg("c1", "m1", true, "pending", 10)),
                new StorageMessage.DeliveryEventPut(1, Bytes.fromHex("e1")),
                new StorageMessage.DeliveryMessageUpdate("m1", "sent", Bytes.fromHex("bb"), 11), // sees the append before it
                new StorageMessage.DeliveryMessageUpdate("nope", "sent", Bytes.fromHex("bb"), 11),
                new StorageMessage.DeliveryMessageAppend(msg("c1", "m1", true, "pending", 12)),
                new StorageMessage.DeliveryMessageAppend(msg("c1", "m2", true, "bogus", 12)),
                new StorageMessage.DeliveryConversationPut(group),
                new StorageMessage.DeliveryEventPut(2, Bytes.fromHex("e2")),
                new StorageMessage.DeliverySessionPut("c1", Bytes.fromHex("5e"), 6))));
        List<StorageMessage> r = done.replies();
        assertThat(r).hasSize(10);
        assertThat(r.get(0)).isInstanceOf(StorageMessage.Done.class);
        assertThat(r.get(1)).isEqualTo(new StorageMessage.DeliveryAppended(true));
        assertThat(((StorageMessage.DeliveryMessages) r.get(3)).messages().get(0).status()).isEqualTo("sent");
        assertThat(r.get(4)).isInstanceOfSatisfying(StorageMessage.DeliveryFailure.class, f -> assertThat(f.code()).isEqualTo(404));
        assertThat(r.get(5)).isEqualTo(new StorageMessage.DeliveryAppended(false));
        assertThat(r.get(6)).isInstanceOfSatisfying(StorageMessage.DeliveryFailure.class, f -> assertThat(f.code()).isEqualTo(400));
        // what the batch kept is in the store; the failed writes left nothing
        assertThat(this.<StorageMessage.DeliveryContacts>ask(new StorageMessage.DeliveryContactsList()).contacts()).containsExactly(c);
        StorageMessage.DeliveryMessages m1 = ask(new StorageMessage.DeliveryMessageGet("m1"));
        assertThat(m1.messages().get(0).status()).isEqualTo("sent");
        assertThat(m1.messages().get(0).extra()).isEqualTo(Bytes.fromHex("bb"));
        assertThat(this.<StorageMessage.DeliveryMessages>ask(new StorageMessage.DeliveryMessageGet("m2")).messages()).isEmpty();
        assertThat(this.<StorageMessage.DeliveryConversations>ask(new StorageMessage.DeliveryConversationsList()).conversations())
                .containsExactly(group);
        assertThat(this.<StorageMessage.DeliveryBlob>ask(new StorageMessage.DeliverySessionGet("c1")).value()).isEqualTo(Bytes.fromHex("5e"));
        assertThat(this.<StorageMessage.DeliveryLastCursor>ask(new StorageMessage.DeliveryLastCursorGet()).cursor()).isEqualTo(2);
        assertThat(this.<StorageMessage.DeliveryEvents>ask(new StorageMessage.DeliveryEventsSince(0, 10)).events())
                .containsExactly(Bytes.fromHex("e1"), Bytes.fromHex("e2"));
        // a batch may hold only writes
        assertThatThrownBy(() -> ask(new StorageMessage.DeliveryBatch(List.of(new StorageMessage.DeliveryAccountGet()))))
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(ParleyException.class);
    }

    @Test
    void openOutgoingFindsControlAndChunkMessagesOutsideListedConversationsAndEventsKeepAttachments(@TempDir Path dir) {
        store = InMemoryStore.open(StoreOptions.of(dir, KeySource.none()));
        h = new StoreDeliveryHandler(store);
        byte[] chunk = new byte[64 * 1024];
        chunk[7] = 7;
        ask(new StorageMessage.DeliveryMessageAppend(new DeliveryStoredMessage("_attx", "k1", true, Bytes.wrap(chunk), "pending",
                Bytes.EMPTY, 5, 5)));
        ask(new StorageMessage.DeliveryMessageAppend(msg("_control", "card", true, "sent", 6)));
        ask(new StorageMessage.DeliveryMessageAppend(msg("_attx", "k2", true, "pending", 7)));
        ask(new StorageMessage.DeliveryMessageUpdate("k2", "delivered", Bytes.EMPTY, 8));
        StorageMessage.DeliveryMessages open = ask(new StorageMessage.DeliveryOpenOutgoing());
        assertThat(open.messages()).extracting(DeliveryStoredMessage::messageId).containsExactlyInAnyOrder("k1", "card");
        assertThat(open.messages().stream().filter(m -> m.messageId().equals("k1")).findFirst().orElseThrow().body())
                .isEqualTo(Bytes.wrap(chunk));

        DeliveryMessage.AttachmentView a = new DeliveryMessage.AttachmentView("ab", "f.bin", "image/png", 9, "receiving", 0.5);
        DeliveryMessage.Event e = new DeliveryMessage.Event(1, "attachment", new DeliveryMessage.MessageView("m", "c", "in", "Bob", "",
                "received", null, 1, 2, List.of(), List.of(a)), null, null);
        assertThat(BusDeliveryStore.decode(BusDeliveryStore.encode(e))).isEqualTo(e);
        // an event stored before attachments existed still decodes
        String old = "{\"cursor\":2,\"type\":\"message\",\"message\":{\"messageId\":\"m\",\"conversationId\":\"c\",\"direction\":\"in\","
                + "\"senderName\":\"B\",\"text\":\"t\",\"status\":\"received\",\"sentAtMillis\":1,\"updatedAtMillis\":1,\"path\":[]}}";
        assertThat(BusDeliveryStore.decode(Bytes.wrap(old.getBytes())).message().text()).isEqualTo("t");
    }
}
