package org.parley.verticles.gateway;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for the event stream's first WebSocket frame ({@link EventStream.FirstFrame#parse}),
 * the one text a client sends before it is authenticated: byte 0 bit 0 says whether the query
 * string carried a cursor (7), the rest is the frame as UTF-8. Every input gives a verdict, never
 * an exception; a cursor is never negative; a malformed frame carries no token and no cursor.
 * Committed inputs: {@code src/test/resources/org/parley/verticles/gateway/EventStreamFuzzTestInputs/firstFrame/}.
 */
class EventStreamFuzzTest {
    @FuzzTest
    void firstFrame(byte[] input) {
        Long queryCursor = input.length > 0 && (input[0] & 1) == 1 ? 7L : null;
        String text = input.length == 0 ? "" : new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
        EventStream.FirstFrame f = EventStream.FirstFrame.parse(text, queryCursor);
        if (f.malformed()) {
            assertThat(f.token()).isNull();
            assertThat(f.cursor()).isNull();
            assertThat(f.badCursor()).isFalse();
        } else if (f.badCursor()) {
            assertThat(f.cursor()).isNull();
        } else if (f.cursor() != null) {
            assertThat(f.cursor()).isGreaterThanOrEqualTo(0L);
        }
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("token", frame(0, "{\"token\":\"abc\"}"));
        s.put("token-and-cursor", frame(0, "{\"token\":\"abc\",\"cursor\":5}"));
        s.put("query-cursor", frame(1, "{\"token\":\"abc\"}"));
        s.put("bad-negative-cursor", frame(0, "{\"token\":\"abc\",\"cursor\":-1}"));
        s.put("bad-string-cursor", frame(1, "{\"token\":\"abc\",\"cursor\":\"5\"}"));
        s.put("bad-number-token", frame(0, "{\"token\":5}"));
        s.put("bad-array", frame(0, "[\"token\"]"));
        s.put("bad-not-json", frame(0, "token abc"));
        s.put("bad-empty", frame(0, ""));
        s.put("bad-deep", frame(0, "{\"token\":" + "[".repeat(3000) + "]".repeat(3000) + "}"));
        s.put("huge-cursor", frame(0, "{\"token\":\"abc\",\"cursor\":1e999999999}"));
        return s;
    }

    private static byte[] frame(int flags, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[t.length + 1];
        out[0] = (byte) flags;
        System.arraycopy(t, 0, out, 1, t.length);
        return out;
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, byte[]> s = seeds();
        EventStream.FirstFrame ok = parse(s.get("token-and-cursor"));
        assertThat(ok.token()).isEqualTo("abc");
        assertThat(ok.cursor()).isEqualTo(5L);
        assertThat(parse(s.get("query-cursor")).cursor()).isEqualTo(7L);
        assertThat(parse(s.get("bad-negative-cursor")).badCursor()).isTrue();
        assertThat(parse(s.get("bad-string-cursor")).badCursor()).isTrue();
        assertThat(parse(s.get("bad-number-token")).token()).isNull();
        for (String m : new String[]{"bad-array", "bad-not-json", "bad-empty", "bad-deep"}) {
            assertThat(parse(s.get(m)).malformed()).as(m).isTrue();
        }
        for (var e : s.entrySet()) firstFrame(e.getValue()); // and the target's own checks
        if (Boolean.getBoolean("parley.fuzz.writeSeeds")) {
            Path d = Path.of("src/test/resources/org/parley/verticles/gateway/EventStreamFuzzTestInputs/firstFrame");
            Files.createDirectories(d);
            for (var e : s.entrySet()) Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }

    private static EventStream.FirstFrame parse(byte[] in) {
        return EventStream.FirstFrame.parse(new String(in, 1, in.length - 1, StandardCharsets.UTF_8), (in[0] & 1) == 1 ? 7L : null);
    }
}
