package org.parley.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.storage.rocksdb.RocksDbStore;

import java.nio.file.Path;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageInboxTest {
    static final Bytes INBOX = Bytes.fromHex("aa".repeat(16));

    @Test
    void putListDeleteByMessageIdWithDuplicatesAndQuotaOnRocksDb(@TempDir Path dir) {
        StoreOptions opts = StoreOptions.of(dir, KeySource.none()).withInboxQuota(new InboxQuota(2, 1 << 20, 1 << 16));
        try (Store store = RocksDbStore.open(opts)) {
            MessageInbox inbox = new MessageInbox(store);
            long now = System.currentTimeMillis();
            assertThat(inbox.put(INBOX, Bytes.fromHex("01"), Bytes.fromHex("c0ffee"), now, now + 60_000).join())
                    .isEqualTo(MessageInbox.PutOutcome.STORED);
            assertThat(inbox.put(INBOX, Bytes.fromHex("01"), Bytes.fromHex("c0ffee"), now, now + 60_000).join())
                    .isEqualTo(MessageInbox.PutOutcome.DUPLICATE);
            assertThat(inbox.put(INBOX, Bytes.fromHex("02"), Bytes.fromHex("beef"), now, now + 60_000).join())
                    .isEqualTo(MessageInbox.PutOutcome.STORED);
            assertThatThrownBy(() -> inbox.put(INBOX, Bytes.fromHex("03"), Bytes.fromHex("00"), now, now + 60_000).join())
                    .isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(ParleyException.class).hasMessageStartingWith("QUOTA");
            assertThat(inbox.list(INBOX, now, 10)).extracting(MessageInbox.Item::messageId)
                    .containsExactly(Bytes.fromHex("01"), Bytes.fromHex("02"));
            assertThat(inbox.list(INBOX, now, 10).get(0).envelope()).isEqualTo(Bytes.fromHex("c0ffee"));

            assertThat(inbox.delete(INBOX, Bytes.fromHex("01"), now).join()).isEqualTo(MessageInbox.DeleteOutcome.DELETED);
            assertThat(inbox.delete(INBOX, Bytes.fromHex("09"), now).join()).isEqualTo(MessageInbox.DeleteOutcome.NOT_FOUND);
            // the refused message can be retried once there is room: it was not marked as seen
            assertThat(inbox.put(INBOX, Bytes.fromHex("03"), Bytes.fromHex("00"), now, now + 60_000).join())
                    .isEqualTo(MessageInbox.PutOutcome.STORED);
            assertThat(inbox.list(INBOX, now + 61_000, 10)).as("expired envelopes are not listed").isEmpty();

            assertThat(inbox.authKey(INBOX)).isEmpty();
            inbox.bindAuthKey(INBOX, Bytes.fromHex("11".repeat(32))).join();
            assertThat(inbox.authKey(INBOX)).contains(Bytes.fromHex("11".repeat(32)));
        }
        try (Store reopened = RocksDbStore.open(StoreOptions.of(dir, KeySource.none()))) {
            // two identical puts racing (neither durable when the other checks): only one stores
            MessageInbox inbox = new MessageInbox(reopened);
            long now = System.currentTimeMillis();
            inbox.delete(INBOX, Bytes.fromHex("03"), now).join();
            var first = inbox.put(INBOX, Bytes.fromHex("04"), Bytes.fromHex("01"), now, now + 60_000);
            var second = inbox.put(INBOX, Bytes.fromHex("04"), Bytes.fromHex("01"), now, now + 60_000);
            assertThat(java.util.List.of(first.join(), second.join()))
                    .containsExactlyInAnyOrder(MessageInbox.PutOutcome.STORED, MessageInbox.PutOutcome.DUPLICATE);
            assertThat(inbox.list(INBOX, now, 10)).extracting(MessageInbox.Item::messageId)
                    .containsExactly(Bytes.fromHex("02"), Bytes.fromHex("04"));
        }
        try (Store reopened = RocksDbStore.open(StoreOptions.of(dir, KeySource.none()))) {
            assertThat(new MessageInbox(reopened).list(INBOX, System.currentTimeMillis(), 10)).extracting(MessageInbox.Item::messageId)
                    .containsExactly(Bytes.fromHex("02"), Bytes.fromHex("04"));
        }
    }
}
