package org.parley.verticles.bus;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.parley.core.bus.Probe;
import org.parley.core.bus.Status;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RecordCodecTest {
    @Test
    void recordsRoundTripThroughTheWireForm() {
        RecordCodec<Status> codec = new RecordCodec<>(Status.class);
        Status s = new Status("routing", "m1", "UP", Map.of("peerPort", "9000"));
        Buffer buf = Buffer.buffer().appendString("prefix");
        codec.encodeToWire(buf, s);
        assertThat(codec.decodeFromWire(6, buf)).isEqualTo(s);
        assertThat(codec.transform(s)).isSameAs(s);

        RecordCodec<Probe> pc = new RecordCodec<>(Probe.class);
        Probe p = new Probe("t", List.of("gateway@a")).visit("delivery", "b");
        Buffer pb = Buffer.buffer();
        pc.encodeToWire(pb, p);
        assertThat(pc.decodeFromWire(0, pb).trail()).containsExactly("gateway@a", "delivery@b");
    }
}
