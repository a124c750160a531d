package org.parley.verticles.link;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.routing.cell.Cell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for {@link LinkRpcCodec.Reassembly#accept}: the input cut into 514-byte frames (the
 * last one as short as the input leaves it) fed to one reassembly. Every frame gives null, a
 * message, or a {@link ParleyException}; a message re-encodes into frames that reassemble to it.
 * Committed inputs: {@code src/test/resources/org/parley/verticles/link/LinkRpcFuzzTestInputs/reassemble/}.
 */
class LinkRpcFuzzTest {
    @FuzzTest
    void reassemble(byte[] input) {
        LinkRpcCodec.Reassembly r = new LinkRpcCodec.Reassembly();
        int at = 0;
        do {
            int n = Math.min(Cell.CELL_LEN, input.length - at);
            Bytes frame = Bytes.of(input, at, n);
            at += n;
            Bytes whole;
            try {
                whole = r.accept(frame);
            } catch (ParleyException e) {
                assertThat(e.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.RESOURCE_LIMIT);
                continue;
            }
            if (whole != null) {
                assertThat(whole.length()).isLessThanOrEqualTo(LinkRpcCodec.MAX_MESSAGE);
                assertThat(reassembleAll(LinkRpcCodec.encode(whole))).isEqualTo(whole);
            }
        } while (at < input.length);
    }

    private static Bytes reassembleAll(List<Bytes> frames) {
        LinkRpcCodec.Reassembly r = new LinkRpcCodec.Reassembly();
        Bytes out = null;
        for (Bytes f : frames) {
            assertThat(out).isNull();
            out = r.accept(f);
        }
        return out;
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("empty-message", concat(LinkRpcCodec.encode(Bytes.EMPTY)));
        s.put("short-message", concat(LinkRpcCodec.encode(Bytes.wrap(new byte[]{(byte) 0xD1, 1, 0}))));
        byte[] big = new byte[1500];
        Arrays.fill(big, (byte) 7);
        s.put("three-frames", concat(LinkRpcCodec.encode(Bytes.wrap(big))));
        byte[] circ = concat(LinkRpcCodec.encode(Bytes.wrap(new byte[]{1})));
        circ[3] = 1;
        s.put("bad-circuit-id", circ);
        byte[] len = concat(LinkRpcCodec.encode(Bytes.wrap(new byte[]{1})));
        len[6] = (byte) 0xff;
        s.put("bad-chunk-length", len);
        // Found while writing this target: frames shorter than 8 bytes or shorter than their
        // chunk length threw ArrayIndexOutOfBounds / IndexOutOfBounds before the length check.
        s.put("regress-7-byte-frame", new byte[]{0, 0, 0, 0, (byte) LinkRpcCodec.COMMAND, 0, 5});
        byte[] shortFrame = new byte[100];
        shortFrame[4] = (byte) LinkRpcCodec.COMMAND;
        shortFrame[6] = 1;
        shortFrame[7] = (byte) 0xfa;
        s.put("regress-short-frame-long-chunk", shortFrame);
        return s;
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, byte[]> s = seeds();
        byte[] three = s.get("three-frames");
        LinkRpcCodec.Reassembly r = new LinkRpcCodec.Reassembly();
        assertThat(r.accept(Bytes.of(three, 0, Cell.CELL_LEN))).isNull();
        assertThat(r.accept(Bytes.of(three, Cell.CELL_LEN, Cell.CELL_LEN))).isNull();
        assertThat(r.accept(Bytes.of(three, 2 * Cell.CELL_LEN, Cell.CELL_LEN)).length()).isEqualTo(1500);
        for (String bad : List.of("bad-circuit-id", "bad-chunk-length", "regress-7-byte-frame",
                "regress-short-frame-long-chunk")) {
            byte[] b = s.get(bad);
            try {
                new LinkRpcCodec.Reassembly().accept(Bytes.of(b, 0, Math.min(b.length, Cell.CELL_LEN)));
                throw new AssertionError(bad + " accepted");
            } catch (ParleyException e) {
                assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            }
        }
        if (Boolean.getBoolean("parley.fuzz.writeSeeds")) {
            Path d = Path.of("src/test/resources/org/parley/verticles/link/LinkRpcFuzzTestInputs/reassemble");
            Files.createDirectories(d);
            for (var e : s.entrySet()) Files.write(d.resolve((e.getKey().startsWith("regress-") ? "" : "seed-") + e.getKey()), e.getValue());
        }
    }

    private static byte[] concat(List<Bytes> frames) {
        byte[] out = new byte[frames.size() * Cell.CELL_LEN];
        for (int i = 0; i < frames.size(); i++) frames.get(i).copyTo(out, i * Cell.CELL_LEN);
        return out;
    }
}
