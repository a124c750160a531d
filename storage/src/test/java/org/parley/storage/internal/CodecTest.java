package org.parley.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.junit.jupiter.api.Test;

class CodecTest {
    @Test
    void successorIsTheFirstKeyAfterThePrefixRange() {
        assertThat(Codec.successor(new byte[] {1, 2})).containsExactly(1, 3);
        assertThat(Codec.successor(new byte[] {1, (byte) 0xff})).containsExactly(2);
        assertThat(Codec.successor(new byte[] {(byte) 0xff, (byte) 0xff})).isNull();
        byte[] prefix = {3, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        byte[] inside = Arrays.copyOf(prefix, 12);
        Arrays.fill(inside, 4, 12, (byte) 0xff);
        assertThat(Arrays.compareUnsigned(inside, Codec.successor(prefix))).isNegative();
    }

    @Test
    void bigEndianLongsSortAsNumbers() {
        assertThat(Arrays.compareUnsigned(Codec.longBytes(255), Codec.longBytes(256))).isNegative();
        assertThat(Codec.getLong(Codec.longBytes(1_700_000_000_123L), 0)).isEqualTo(1_700_000_000_123L);
    }

    @Test
    void writerAndReaderRoundTripAndRejectShortInput() {
        byte[] v = new Codec.Writer().u8(7).i64(-5).bytes(Bytes.fromHex("abcd")).str("hé").toArray();
        Codec.Reader r = new Codec.Reader(v);
        assertThat(r.u8()).isEqualTo(7);
        assertThat(r.i64()).isEqualTo(-5);
        assertThat(r.bytes()).isEqualTo(Bytes.fromHex("abcd"));
        assertThat(r.str()).isEqualTo("hé");
        r.end();
        Codec.Reader shortR = new Codec.Reader(Arrays.copyOf(v, v.length - 1));
        shortR.u8();
        shortR.i64();
        shortR.bytes();
        assertThatThrownBy(shortR::str).isInstanceOf(ParleyException.class).hasMessageContaining("corrupt");
    }

    @Test
    void idsMustFitTheLengthPrefix() {
        assertThat(Codec.id(Bytes.wrap(new byte[255]), "id").length()).isEqualTo(255);
        assertThatThrownBy(() -> Codec.id(Bytes.wrap(new byte[256]), "id"))
                .isInstanceOf(ParleyException.class)
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
    }
}
