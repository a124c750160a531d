package org.parley.verticles.link;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
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
 * Fuzz target for {@link LinkControl#decode}: any frame gives a {@link LinkControl} or a
 * {@code MALFORMED_INPUT}; a decoded known type re-encodes to a frame that decodes equal (and, as
 * the format is canonical for them, to exactly the input when its padding is zero).
 * Committed inputs: {@code src/test/resources/org/parley/verticles/link/LinkControlFuzzTestInputs/decode/}.
 */
class LinkControlFuzzTest {
    @FuzzTest
    void decode(byte[] input) {
        LinkControl c;
        try {
            c = LinkControl.decode(input);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(input).hasSize(Cell.CELL_LEN);
        assertThat(c.type()).isEqualTo(input[Cell.HEADER_LEN] & 0xff);
        if (c instanceof LinkControl.Unrecognized u) {
            assertThat(u.type()).isNotIn(1, 2, 3);
            return;
        }
        byte[] again = LinkControl.encode(c);
        assertThat(LinkControl.decode(again)).isEqualTo(c);
        assertThat(LinkControl.isControlFrame(again)).isTrue();
        byte[] zeroPadded = input.clone();
        Arrays.fill(zeroPadded, Cell.HEADER_LEN + 1, zeroPadded.length, (byte) 0);
        assertThat(again).isEqualTo(zeroPadded);
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("hello", LinkControl.encode(LinkControl.HELLO));
        s.put("keep", LinkControl.encode(LinkControl.KEEP));
        s.put("retire", LinkControl.encode(LinkControl.RETIRE));
        s.put("unrecognized-type", LinkControl.encode(new LinkControl.Unrecognized(77)));
        byte[] circ = LinkControl.encode(LinkControl.HELLO);
        circ[2] = 5;
        s.put("bad-circuit-id", circ);
        s.put("bad-short-frame", Arrays.copyOf(LinkControl.encode(LinkControl.KEEP), Cell.HEADER_LEN + 1));
        byte[] cmd = LinkControl.encode(LinkControl.KEEP);
        cmd[4] = (byte) LinkRpcCodec.COMMAND;
        s.put("bad-command", cmd);
        return s;
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, byte[]> s = seeds();
        assertThat(LinkControl.decode(s.get("hello"))).isEqualTo(LinkControl.HELLO);
        assertThat(LinkControl.decode(s.get("keep"))).isEqualTo(LinkControl.KEEP);
        assertThat(LinkControl.decode(s.get("retire"))).isEqualTo(LinkControl.RETIRE);
        assertThat(LinkControl.decode(s.get("unrecognized-type"))).isEqualTo(new LinkControl.Unrecognized(77));
        for (String bad : List.of("bad-circuit-id", "bad-short-frame", "bad-command")) {
            try {
                LinkControl.decode(s.get(bad));
                throw new AssertionError(bad + " decoded");
            } catch (ParleyException e) {
                assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            }
        }
        for (byte[] b : s.values()) decode(b);
        if (Boolean.getBoolean("parley.fuzz.writeSeeds")) {
            Path d = Path.of("src/test/resources/org/parley/verticles/link/LinkControlFuzzTestInputs/decode");
            Files.createDirectories(d);
            for (var e : s.entrySet()) Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
