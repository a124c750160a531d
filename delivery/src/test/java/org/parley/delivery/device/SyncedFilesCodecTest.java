package org.parley.delivery.device;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.internal.WireWriter;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The attachments section of a history-sync batch: round trip, old batches unchanged, bad sections refused. */
class SyncedFilesCodecTest {
    static final DeviceMessage.SyncedFile PHOTO = new DeviceMessage.SyncedFile("photo \u2713.jpg", "image/jpeg", 70_000, Bytes.wrap(new byte[32]));
    static final DeviceMessage.SyncedFile EMPTY = new DeviceMessage.SyncedFile("", "", 0, Bytes.fromHex("ab".repeat(32)));

    static DeviceMessage.SyncedMessage msg(int i, List<DeviceMessage.SyncedFile> files) {
        return new DeviceMessage.SyncedMessage(String.format("%032x", i), true, "", 2, 1_000 + i, 2_000 + i, "m" + i, files);
    }

    static Bytes textOnly() {
        return DeviceMessageCodec.encode(new DeviceMessage.HistorySync("c0ffee", List.of(msg(0, List.of()), msg(1, List.of()), msg(2, List.of()))));
    }

    @Test
    void filesRoundTripOnTheEntriesThatHaveThemAndTextOnlyBatchesKeepTheirOldBytes() {
        DeviceMessage.HistorySync h = new DeviceMessage.HistorySync("c0ffee",
                List.of(msg(0, List.of()), msg(1, List.of(PHOTO, EMPTY)), msg(2, List.of()), msg(3, List.of(PHOTO))));
        Bytes wire = DeviceMessageCodec.encode(h);
        assertThat(DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, wire)).isEqualTo(h);
        // a batch without files is byte for byte what a device without this section writes and reads
        Bytes old = textOnly();
        WireWriter w = new WireWriter(256).bytes16(utf8("c0ffee")).u16(3);
        for (int i = 0; i < 3; i++) {
            w.bytes16(utf8(String.format("%032x", i))).u8(1).bytes16(Bytes.EMPTY).u8(2).u64(1_000 + i).u64(2_000 + i).bytes32(utf8("m" + i));
        }
        assertThat(old).isEqualTo(w.toBytes());
        // every truncation of the section is MALFORMED_INPUT, never another exception
        int entriesEnd = DeviceMessageCodec.encode(new DeviceMessage.HistorySync("c0ffee",
                List.of(msg(0, List.of()), msg(1, List.of()), msg(2, List.of()), msg(3, List.of())))).length();
        assertThat(wire.slice(0, entriesEnd)).isEqualTo(DeviceMessageCodec.encode(new DeviceMessage.HistorySync("c0ffee",
                List.of(msg(0, List.of()), msg(1, List.of()), msg(2, List.of()), msg(3, List.of()))))); // the section only follows
        for (int cut = entriesEnd + 1; cut < wire.length(); cut++) {
            Bytes part = wire.slice(0, cut);
            assertThatThrownBy(() -> DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, part))
                    .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
        }
    }

    @Test
    void badAttachmentSectionsAreMalformed() {
        Bytes base = textOnly();
        // count 0, more lists than entries, an index out of range, indexes not increasing, 0 or 9 files, a name or type too long, a negative size
        for (Bytes section : List.of(
                new WireWriter(8).u16(0).toBytes(),
                section(4, new int[] {0, 1, 2, 2}, 1, "a", "", 1),
                section(1, new int[] {3}, 1, "a", "", 1),
                section(2, new int[] {1, 1}, 1, "a", "", 1),
                section(2, new int[] {2, 1}, 1, "a", "", 1),
                section(1, new int[] {0}, 0, "a", "", 1),
                section(1, new int[] {0}, DeviceMessageCodec.MAX_SYNCED_FILES + 1, "a", "", 1),
                section(1, new int[] {0}, 1, "x".repeat(DeviceMessageCodec.MAX_FILE_NAME + 1), "", 1),
                section(1, new int[] {0}, 1, "a", "t".repeat(DeviceMessageCodec.MAX_FILE_MIME + 1), 1),
                section(1, new int[] {0}, 1, "a", "", -1))) {
            Bytes bad = Bytes.concat(base, section);
            assertThatThrownBy(() -> DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, bad))
                    .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
        }
        // the same shape with good values decodes
        DeviceMessage.HistorySync ok = (DeviceMessage.HistorySync) DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC,
                Bytes.concat(base, section(2, new int[] {0, 2}, 2, "a", "text/plain", 5)));
        assertThat(ok.messages()).extracting(m -> m.files().size()).containsExactly(2, 0, 2);
        // a digest that is not 32 bytes is refused when encoding
        assertThatThrownBy(() -> DeviceMessageCodec.encode(new DeviceMessage.HistorySync("c0ffee",
                List.of(msg(0, List.of(new DeviceMessage.SyncedFile("a", "", 1, Bytes.wrap(new byte[31]))))))))
                .isInstanceOf(ParleyException.class);
    }

    private static Bytes section(int count, int[] indexes, int files, String name, String mime, long size) {
        WireWriter w = new WireWriter(512).u16(count);
        for (int i : indexes) {
            w.u16(i).u8(files);
            for (int f = 0; f < files; f++) w.bytes16(utf8(name)).bytes16(utf8(mime)).u64(size).raw(Bytes.wrap(new byte[32]));
        }
        return w.toBytes();
    }

    private static Bytes utf8(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
