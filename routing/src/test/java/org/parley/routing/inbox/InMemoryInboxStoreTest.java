package org.parley.routing.inbox;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryInboxStoreTest {
    private static final Bytes INBOX = Bytes.of(new byte[]{1});

    private static Bytes id(int i) {
        return Bytes.of(new byte[]{(byte) i, (byte) (i >> 8)});
    }

    private static InboxStore.StoreOutcome store(InMemoryInboxStore s, int i, int len, long now) {
        return s.store(INBOX, id(i), Bytes.wrap(new byte[len]), now).toCompletableFuture().join();
    }

    @Test
    void theByteQuotaFollowsStoresDeletesAndExpiry() {
        InMemoryInboxStore s = new InMemoryInboxStore(100, 1_000, 10_000);
        assertThat(store(s, 1, 400, 0)).isEqualTo(InboxStore.StoreOutcome.STORED);
        assertThat(store(s, 2, 400, 5_000)).isEqualTo(InboxStore.StoreOutcome.STORED);
        assertThatThrownBy(() -> store(s, 3, 400, 5_000)).hasCauseInstanceOf(ParleyException.class);
        // a delete frees its bytes
        s.delete(INBOX, id(2), 5_000).toCompletableFuture().join();
        assertThat(store(s, 3, 400, 5_000)).isEqualTo(InboxStore.StoreOutcome.STORED);
        assertThatThrownBy(() -> store(s, 4, 400, 6_000)).hasCauseInstanceOf(ParleyException.class);
        // the first envelope expires at 10,000: its bytes are free again, the second is still held
        assertThat(store(s, 4, 400, 10_000)).isEqualTo(InboxStore.StoreOutcome.STORED);
        assertThat(s.size(INBOX)).isEqualTo(2);
        assertThatThrownBy(() -> store(s, 5, 400, 10_000)).hasCauseInstanceOf(ParleyException.class);
        // purge frees bytes too
        assertThat(s.purgeExpired(100_000)).isEqualTo(2);
        assertThat(store(s, 6, 1_000, 100_000)).isEqualTo(InboxStore.StoreOutcome.STORED);
    }

    @Test
    void theCountQuotaAndDuplicates() {
        InMemoryInboxStore s = new InMemoryInboxStore(3, 1L << 20, 10_000);
        for (int i = 0; i < 3; i++) assertThat(store(s, i, 10, 0)).isEqualTo(InboxStore.StoreOutcome.STORED);
        assertThat(store(s, 1, 10, 0)).isEqualTo(InboxStore.StoreOutcome.DUPLICATE);
        assertThatThrownBy(() -> store(s, 9, 10, 0)).hasCauseInstanceOf(ParleyException.class);
        assertThat(s.listNow(INBOX, 0, 10)).hasSize(3);
    }
}
