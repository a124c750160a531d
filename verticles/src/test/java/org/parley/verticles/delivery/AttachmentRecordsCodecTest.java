package org.parley.verticles.delivery;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.bus.DeliveryMessage;
import org.parley.verticles.bus.RecordCodec;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The attachment bus records survive the clustered wire form (CBOR), as every bus record must. */
class AttachmentRecordsCodecTest {
    static <T extends Record> T roundTrip(Class<T> type, T value) {
        RecordCodec<T> codec = new RecordCodec<>(type);
        Buffer b = Buffer.buffer().appendString("xx");
        codec.encodeToWire(b, value);
        return codec.decodeFromWire(2, b);
    }

    @Test
    void attachmentRequestsRepliesAndViewsRoundTrip() {
        DeliveryMessage.AttachmentChunk c = new DeliveryMessage.AttachmentChunk(3, 9, Bytes.fromHex("00ff10"));
        assertThat(roundTrip(DeliveryMessage.AttachmentChunk.class, c)).isEqualTo(c);
        DeliveryMessage.AttachmentPart p = new DeliveryMessage.AttachmentPart("ab", Bytes.wrap(new byte[70_000]));
        assertThat(roundTrip(DeliveryMessage.AttachmentPart.class, p)).isEqualTo(p);
        DeliveryMessage.SendAttachments s = new DeliveryMessage.SendAttachments("c", "", List.of("a", "b"));
        assertThat(roundTrip(DeliveryMessage.SendAttachments.class, s)).isEqualTo(s);
        DeliveryMessage.MessageReply m = new DeliveryMessage.MessageReply(new DeliveryMessage.MessageView("m", "c", "out", "A", "", "pending",
                null, 1, 1, List.of("hops=3"), List.of(new DeliveryMessage.AttachmentView("ab", "n", "text/plain", 5, "sending", 0.25))));
        assertThat(roundTrip(DeliveryMessage.MessageReply.class, m)).isEqualTo(m);
        // the old ten-field view still builds, with no attachments
        assertThat(new DeliveryMessage.MessageView("m", "c", "in", "B", "t", "received", null, 1, 1, List.of()).attachments()).isEmpty();
    }
}
