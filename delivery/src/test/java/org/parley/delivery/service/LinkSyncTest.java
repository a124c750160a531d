package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.delivery.device.DeviceMessage;
import org.parley.delivery.device.DeviceMessageCodec;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The link sync's batching: every batch fits one envelope of the inbox path and decodes on the new device. */
class LinkSyncTest {
    @Test
    void historyBatchesKeepOrderAndStayUnderTheEntryAndByteLimits() {
        List<DeviceMessage.SyncedMessage> all = new ArrayList<>();
        for (int i = 0; i < LinkSync.MAX_HISTORY; i++) {
            int len = i % 10 == 0 ? 30_000 : 500; // some long texts among short ones
            all.add(new DeviceMessage.SyncedMessage(String.format("%032x", i), i % 2 == 0, i % 2 == 0 ? "" : "ab".repeat(16),
                    i % 2 == 0 ? 2 : 3, 1_000L + i, 1_000L + i, "x".repeat(len)));
        }
        List<List<DeviceMessage.SyncedMessage>> batches = LinkSync.batches(all, DeviceMessageCodec.MAX_HISTORY_BATCH,
                m -> DeviceMessageCodec.encode(new DeviceMessage.HistorySync("c", List.of(m))).length());
        assertThat(batches.size()).isGreaterThan(2);
        List<DeviceMessage.SyncedMessage> joined = new ArrayList<>();
        for (List<DeviceMessage.SyncedMessage> b : batches) {
            assertThat(b).isNotEmpty().hasSizeLessThanOrEqualTo(DeviceMessageCodec.MAX_HISTORY_BATCH);
            var wire = DeviceMessageCodec.encode(new DeviceMessage.HistorySync("c0ffee", b));
            assertThat(wire.length()).isLessThanOrEqualTo(LinkSync.BATCH_BYTES + 64);
            assertThat(((DeviceMessage.HistorySync) DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, wire)).messages()).isEqualTo(b);
            joined.addAll(b);
        }
        assertThat(joined).isEqualTo(all); // nothing lost, nothing repeated, order kept
    }

    @Test
    void anEntryLargerThanTheByteLimitGoesAloneAndTheCountLimitHolds() {
        List<Integer> sizes = List.of(10, LinkSync.BATCH_BYTES + 1, 10, 10, 10);
        assertThat(LinkSync.batches(sizes, 100, s -> s)).containsExactly(List.of(10), List.of(LinkSync.BATCH_BYTES + 1), List.of(10, 10, 10));
        assertThat(LinkSync.batches(sizes.subList(2, 5), 2, s -> s)).containsExactly(List.of(10, 10), List.of(10));
        assertThat(LinkSync.batches(List.<Integer>of(), 2, s -> s)).isEmpty();
    }
}
