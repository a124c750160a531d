package org.parley.routing.cell;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for the cell layer: {@link CellCodec}, {@link RelayMessageCodec}, and
 * {@link RelayFramer#unframe} feeding a {@link Reassembler}. Any input must give a value or a
 * {@link ParleyException}; anything else escapes and fails. Committed inputs live in
 * {@code src/test/resources/org/parley/routing/cell/CellFuzzTestInputs/<method>/}; see
 * docs/fuzzing.md.
 */
class CellFuzzTest {
    private static final int MAX_MESSAGE = 16 * 1024;

    @FuzzTest
    void cellDecode(byte[] input) {
        Cell cell;
        try {
            cell = CellCodec.decode(input);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(CellCodec.decode(Bytes.of(input))).isEqualTo(cell);
        try {
            CellCodec.validate(cell);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION);
        }
        byte[] again = CellCodec.encode(cell);
        assertThat(CellCodec.decode(again)).isEqualTo(cell);
    }

    /** First byte: the relay command; the rest: the body. */
    @FuzzTest
    void relayMessageDecode(byte[] input) {
        if (input.length == 0) return;
        int code = input[0] & 0xff;
        Bytes body = Bytes.of(input, 1, input.length - 1);
        RelayMessage m;
        try {
            m = RelayMessageCodec.decode(code, body);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(RelayMessageCodec.decode(code, RelayMessageCodec.encode(m))).isEqualTo(m);
        try {
            RelayMessageCodec.validate(m, MAX_MESSAGE);
        } catch (ParleyException e) {
            assertThat(e.kind()).isIn(ParleyException.Kind.PROTOCOL_VIOLATION, ParleyException.Kind.RESOURCE_LIMIT);
        }
    }

    /**
     * The input cut into 509-byte relay bodies (the last one zero-padded), each unframed (tor1)
     * and fed to one reassembler. A message it returns must survive framing and reassembly again.
     */
    @FuzzTest
    void unframeAndReassemble(byte[] input) {
        Reassembler r = new Reassembler(MAX_MESSAGE);
        for (int at = 0; at < input.length && at < 64 * Cell.PAYLOAD_LEN; at += Cell.PAYLOAD_LEN) {
            byte[] body = Arrays.copyOfRange(input, at, at + Cell.PAYLOAD_LEN);
            RelayFramer.Unit unit;
            try {
                unit = RelayFramer.unframe(body);
            } catch (ParleyException e) {
                assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
                continue;
            }
            RelayMessage m;
            try {
                m = r.accept(unit, at);
            } catch (ParleyException e) {
                assertThat(r.inProgress()).isFalse();
                continue;
            }
            if (m != null) {
                assertThat(refeed(m)).isEqualTo(m);
            }
        }
    }

    private static RelayMessage refeed(RelayMessage m) {
        Reassembler again = new Reassembler(MAX_MESSAGE);
        RelayMessage out = null;
        for (byte[] body : RelayFramer.frame(m)) {
            assertThat(out).isNull();
            out = again.accept(RelayFramer.unframe(body), 0);
        }
        return out;
    }

    // --- seed corpus ---------------------------------------------------------------------------

    /** Valid messages of every relay command (and one unknown), the seeds of the targets above. */
    static List<RelayMessage> sampleMessages() {
        Bytes inbox = Bytes.wrap(new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
        Bytes mid = Bytes.wrap(filled(16, 0x42));
        NodeId node = new NodeId(Bytes.wrap(filled(32, 0x17)));
        return List.of(
                new RelayMessage.Extend2(List.of(LinkSpecifier.nodeId(node), LinkSpecifier.address("10.0.0.1:9001")),
                        3, Bytes.wrap(filled(200, 0x33))),
                new RelayMessage.Extended2(Bytes.wrap(filled(96, 0x44))),
                new RelayMessage.Data(Bytes.wrap("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII))),
                new RelayMessage.EstablishInbox(inbox, Bytes.wrap(filled(32, 5)), Bytes.wrap(filled(64, 6))),
                new RelayMessage.InboxEstablished(inbox, 3),
                new RelayMessage.Deliver(inbox, mid, Bytes.wrap(filled(1500, 7))),
                new RelayMessage.Stored(mid, true),
                new RelayMessage.Push(inbox, mid, Bytes.wrap(filled(300, 8))),
                new RelayMessage.Ack(inbox, mid),
                new RelayMessage.Error(InboxErrorKind.fromCode(1), mid),
                new RelayMessage.Sendme(),
                new RelayMessage.End(2),
                new RelayMessage.Unrecognized(250, Bytes.wrap(new byte[]{9, 9})));
    }

    /** Named seed inputs per target: valid encodings plus a few malformed ones. */
    static Map<String, Map<String, byte[]>> seeds() {
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        Map<String, byte[]> cells = new LinkedHashMap<>();
        cells.put("create2", CellCodec.encode(new Cell.Create2(7, 3, Bytes.wrap(filled(180, 0x21)))));
        cells.put("created2", CellCodec.encode(new Cell.Created2(7, Bytes.wrap(filled(100, 0x22)))));
        cells.put("relay", CellCodec.encode(new Cell.Relay(9, Bytes.wrap(filled(Cell.PAYLOAD_LEN, 0x23)))));
        cells.put("relay-early", CellCodec.encode(new Cell.RelayEarly(9, Bytes.wrap(filled(Cell.PAYLOAD_LEN, 1)))));
        cells.put("destroy", CellCodec.encode(new Cell.Destroy(9, DestroyReason.fromCode(1))));
        cells.put("padding", CellCodec.encode(new Cell.Padding(0)));
        cells.put("unrecognized", CellCodec.encode(new Cell.Unrecognized(5, 200, Bytes.wrap(filled(10, 3)))));
        byte[] longHlen = CellCodec.encode(new Cell.Create2(7, 3, Bytes.EMPTY));
        longHlen[7] = (byte) 0xff;
        longHlen[8] = (byte) 0xff;
        cells.put("bad-create2-hlen", longHlen);
        cells.put("bad-short", new byte[]{0, 0, 0, 1, 10});
        all.put("cellDecode", cells);

        Map<String, byte[]> msgs = new LinkedHashMap<>();
        for (RelayMessage m : sampleMessages()) {
            msgs.put(m.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT),
                    Bytes.concat(Bytes.wrap(new byte[]{(byte) m.code()}), RelayMessageCodec.encode(m)).toArray());
        }
        msgs.put("bad-extend2-count", new byte[]{(byte) RelayCommand.EXTEND2.code(), (byte) 200, 1});
        msgs.put("bad-stored-flag", Bytes.concat(Bytes.wrap(new byte[]{(byte) RelayCommand.STORED.code()}),
                Bytes.wrap(filled(16, 1)), Bytes.wrap(new byte[]{7})).toArray());
        all.put("relayMessageDecode", msgs);

        Map<String, byte[]> runs = new LinkedHashMap<>();
        for (RelayMessage m : sampleMessages()) {
            runs.put(m.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT), concat(RelayFramer.frame(m)));
        }
        List<byte[]> frags = new ArrayList<>(RelayFramer.frame(sampleMessages().get(5)));
        frags.remove(frags.size() - 1);
        frags.add(RelayFramer.frame(sampleMessages().get(1)).get(0));
        runs.put("bad-interleaved", concat(frags));
        byte[] badLen = RelayFramer.frame(sampleMessages().get(2)).get(0);
        badLen[RelayCellFormat.TOR1.lengthOffset()] = (byte) 0xff;
        runs.put("bad-length", badLen);
        all.put("unframeAndReassemble", runs);
        return all;
    }

    @Test
    void seedsAreWhatTheyClaim() throws IOException {
        Map<String, Map<String, byte[]>> all = seeds();
        for (RelayMessage m : sampleMessages()) {
            assertThat(RelayMessageCodec.decode(m.code(), RelayMessageCodec.encode(m))).isEqualTo(m);
            assertThat(refeed(m)).isEqualTo(m);
        }
        all.get("cellDecode").forEach((name, b) -> {
            if (name.startsWith("bad-")) {
                assertThatMalformed(() -> CellCodec.decode(b));
            } else {
                assertThat(CellCodec.encode(CellCodec.decode(b))).isEqualTo(b);
            }
        });
        all.get("relayMessageDecode").forEach((name, b) -> {
            if (name.startsWith("bad-")) {
                assertThatMalformed(() -> RelayMessageCodec.decode(b[0] & 0xff, Bytes.of(b, 1, b.length - 1)));
            }
        });
        writeSeeds("org/parley/routing/cell/CellFuzzTestInputs", all);
    }

    static void assertThatMalformed(Runnable r) {
        try {
            r.run();
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        throw new AssertionError("expected MALFORMED_INPUT");
    }

    /** With {@code -Dparley.fuzz.writeSeeds=true}, (re)writes the seed files into src/test/resources. */
    static void writeSeeds(String dir, Map<String, Map<String, byte[]>> all) throws IOException {
        if (!Boolean.getBoolean("parley.fuzz.writeSeeds")) return;
        for (var target : all.entrySet()) {
            Path d = Path.of("src/test/resources", dir, target.getKey());
            Files.createDirectories(d);
            for (var seed : target.getValue().entrySet()) {
                Files.write(d.resolve("seed-" + seed.getKey()), seed.getValue());
            }
        }
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    static byte[] concat(List<byte[]> parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
