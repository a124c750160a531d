package org.parley.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BytesTest {
    @Test
    void copiesOnTheWayInAndOut() {
        byte[] raw = {1, 2, 3};
        Bytes b = Bytes.of(raw);
        raw[0] = 9;
        assertThat(b.get(0)).isEqualTo((byte) 1);
        b.toArray()[1] = 9;
        assertThat(b.get(1)).isEqualTo((byte) 2);
    }

    @Test
    void hexRoundTripAndEquality() {
        Bytes b = Bytes.fromHex("00ff10");
        assertThat(b.hex()).isEqualTo("00ff10");
        assertThat(b).isEqualTo(Bytes.of(new byte[]{0, (byte) 0xff, 0x10}));
        assertThat(b.toString()).doesNotContain("ff");
        assertThat(Bytes.concat(b, Bytes.fromHex("01")).hex()).isEqualTo("00ff1001");
        assertThat(b.slice(1, 3).hex()).isEqualTo("ff10");
    }

    record Holder(Bytes value) {}

    @Test
    void jacksonWritesAndReadsBytesAsBinary() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        Holder h = new Holder(Bytes.fromHex("0102ff"));
        String json = mapper.writeValueAsString(h);
        assertThat(json).isEqualTo("{\"value\":\"AQL/\"}");
        assertThat(mapper.readValue(json, Holder.class)).isEqualTo(h);
    }

    @Test
    void badHexIsMalformedInput() {
        assertThatThrownBy(() -> Bytes.fromHex("zz"))
                .isInstanceOf(ParleyException.class)
                .extracting(e -> ((ParleyException) e).kind())
                .isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
    }
}
