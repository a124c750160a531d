package org.parley.discovery.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.sim.Fixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for {@link DhtMessageCodec#decode}: every input gives a message or a
 * {@link ParleyException}; a decoded message re-encodes to something that decodes to the same
 * message. Committed inputs: {@code src/test/resources/org/parley/discovery/wire/DhtMessageFuzzTestInputs/}.
 */
class DhtMessageFuzzTest {
    @FuzzTest
    void dhtMessageDecode(byte[] input) {
        DhtMessage m;
        try {
            m = DhtMessageCodec.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.RESOURCE_LIMIT);
            return;
        }
        Bytes again = DhtMessageCodec.encode(m);
        assertThat(DhtMessageCodec.decode(again)).isEqualTo(m);
        assertThat(DhtMessageCodec.encode(DhtMessageCodec.decode(again))).isEqualTo(again);
    }

    static Map<String, byte[]> seeds() {
        Random random = new Random(5);
        NodeIdentity id = NodeIdentity.fromSeed(Bytes.wrap(new byte[32]));
        Contact c4 = new Contact(id.publicKey(), PeerAddress.ipv4(192, 0, 2, 1, 7000));
        Contact c6 = new Contact(id.publicKey(), new PeerAddress(Bytes.wrap(new byte[16]), 9001));
        Header h = new Header(42, c4, false);
        SignedRecord rec = Fixtures.relayRecord(id, 1_700_000_000_000L, 3, random);
        Map<String, byte[]> s = new LinkedHashMap<>();
        List<DhtMessage> ms = List.of(
                new DhtMessage.Ping(h),
                new DhtMessage.Pong(new Header(-1, c6, true)),
                new DhtMessage.FindNode(h, new NodeId(Bytes.wrap(new byte[32]))),
                new DhtMessage.Nodes(h, List.of(c4, c6)),
                new DhtMessage.FindValue(h, rec.key()),
                new DhtMessage.Value(h, List.of(rec), List.of(c6)),
                new DhtMessage.Store(h, rec),
                new DhtMessage.StoreAck(h, DhtMessage.StoreStatus.STALE),
                new DhtMessage.GetRelays(h, 8),
                new DhtMessage.Relays(h, List.of(rec)),
                new DhtMessage.Unrecognized(h, 200, Bytes.of(new byte[]{1, 2, 3})));
        for (DhtMessage m : ms) {
            s.put(m.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT), DhtMessageCodec.encode(m).toArray());
        }
        byte[] badMagic = DhtMessageCodec.encode(ms.get(0)).toArray();
        badMagic[0] = 0;
        s.put("bad-magic", badMagic);
        s.put("bad-truncated", java.util.Arrays.copyOf(DhtMessageCodec.encode(ms.get(5)).toArray(), 150));
        return s;
    }

    @Test
    void seedsDecodeOrAreMalformed() throws IOException {
        Map<String, byte[]> s = seeds();
        s.forEach((name, b) -> {
            if (name.startsWith("bad-")) {
                try {
                    DhtMessageCodec.decode(Bytes.wrap(b));
                    throw new AssertionError(name + " decoded");
                } catch (ParleyException e) {
                    assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
                }
            } else {
                assertThat(DhtMessageCodec.encode(DhtMessageCodec.decode(Bytes.wrap(b))).toArray()).isEqualTo(b);
            }
        });
        if (Boolean.getBoolean("parley.fuzz.writeSeeds")) {
            Path d = Path.of("src/test/resources/org/parley/discovery/wire/DhtMessageFuzzTestInputs/dhtMessageDecode");
            Files.createDirectories(d);
            for (var e : s.entrySet()) Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
