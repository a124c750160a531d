package org.parley.discovery.wire;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.sim.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DhtMessageCodecTest {
    private final Random random = new Random(11);

    private NodeIdentity identity() {
        byte[] s = new byte[32];
        random.nextBytes(s);
        return NodeIdentity.fromSeed(Bytes.wrap(s));
    }

    private Contact contact(int i) {
        PeerAddress a = i % 2 == 0 ? PeerAddress.ipv4(192, 0, 2, i, 7000 + i)
                : new PeerAddress(Bytes.wrap(new byte[16]), 9000 + i);
        return new Contact(identity().publicKey(), a);
    }

    private List<DhtMessage> oneOfEach() {
        Header h = new Header(0x0123456789abcdefL, contact(0), false);
        Header light = new Header(-1L, contact(1), true);
        SignedRecord rec = Fixtures.relayRecord(identity(), 1_700_000_000_000L, 3, random);
        List<Contact> cs = new ArrayList<>();
        for (int i = 0; i < 20; i++) cs.add(contact(i));
        return List.of(
                new DhtMessage.Ping(h),
                new DhtMessage.Pong(light),
                new DhtMessage.FindNode(h, new NodeId(Bytes.wrap(new byte[32]))),
                new DhtMessage.Nodes(h, cs),
                new DhtMessage.Nodes(h, List.of()),
                new DhtMessage.FindValue(h, rec.key()),
                new DhtMessage.Value(h, List.of(rec), cs.subList(0, 3)),
                new DhtMessage.Value(h, List.of(), cs),
                new DhtMessage.Store(light, rec),
                new DhtMessage.StoreAck(h, DhtMessage.StoreStatus.STALE),
                new DhtMessage.GetRelays(h, 64),
                new DhtMessage.Relays(h, List.of(rec, rec)),
                new DhtMessage.Unrecognized(h, 200, Bytes.of(new byte[] {1, 2, 3})));
    }

    @Test
    void everyMessageRoundTripsByteForByte() {
        for (DhtMessage m : oneOfEach()) {
            Bytes enc = DhtMessageCodec.encode(m);
            DhtMessage back = DhtMessageCodec.decode(enc);
            assertThat(back).as("%s", m.getClass().getSimpleName()).isEqualTo(m);
            assertThat(DhtMessageCodec.encode(back)).isEqualTo(enc);
        }
    }

    @Test
    void unknownTypeDecodesAsUnrecognized() {
        Bytes enc = DhtMessageCodec.encode(new DhtMessage.Ping(new Header(7, contact(0), false)));
        byte[] b = enc.toArray();
        b[1] = 99;
        DhtMessage m = DhtMessageCodec.decode(Bytes.wrap(b));
        assertThat(m).isInstanceOf(DhtMessage.Unrecognized.class);
        assertThat(((DhtMessage.Unrecognized) m).code()).isEqualTo(99);
        assertThat(m.header().requestId()).isEqualTo(7);
    }

    @Test
    void truncationsAndTrailingBytesAreMalformed() {
        for (DhtMessage m : oneOfEach()) {
            if (m instanceof DhtMessage.Unrecognized) continue;
            byte[] enc = DhtMessageCodec.encode(m).toArray();
            for (int cut = 0; cut < enc.length; cut += Math.max(1, enc.length / 40)) {
                Bytes t = Bytes.of(enc, 0, cut);
                assertThatThrownBy(() -> DhtMessageCodec.decode(t)).isInstanceOf(ParleyException.class)
                        .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            }
            Bytes longer = Bytes.concat(Bytes.wrap(enc), Bytes.of(new byte[] {0}));
            assertThatThrownBy(() -> DhtMessageCodec.decode(longer)).isInstanceOf(ParleyException.class);
        }
    }

    @Test
    void overCountListsAndBadFieldsAreRejected() {
        byte[] nodes = DhtMessageCodec.encode(new DhtMessage.Nodes(new Header(1, contact(0), false), List.of())).toArray();
        nodes[nodes.length - 1] = 33; // contact count over 32
        assertThatThrownBy(() -> DhtMessageCodec.decode(Bytes.wrap(nodes))).isInstanceOf(ParleyException.class)
                .hasMessageContaining("too many contacts");
        byte[] ping = DhtMessageCodec.encode(new DhtMessage.Ping(new Header(1, contact(0), false))).toArray();
        ping[0] = 0x00;
        assertThatThrownBy(() -> DhtMessageCodec.decode(Bytes.wrap(ping))).hasMessageContaining("magic");
        byte[] ack = DhtMessageCodec.encode(new DhtMessage.StoreAck(new Header(1, contact(0), false), DhtMessage.StoreStatus.STORED)).toArray();
        ack[ack.length - 1] = 77;
        assertThatThrownBy(() -> DhtMessageCodec.decode(Bytes.wrap(ack))).hasMessageContaining("store status");
        assertThatThrownBy(() -> DhtMessageCodec.decode(Bytes.wrap(new byte[DhtMessageCodec.MAX_MESSAGE_BYTES + 1])))
                .isInstanceOf(ParleyException.class).extracting(e -> ((ParleyException) e).kind())
                .isEqualTo(ParleyException.Kind.RESOURCE_LIMIT);
    }

    @Test
    void randomMutationsOnlyEverThrowParleyException() {
        List<DhtMessage> all = oneOfEach();
        int decoded = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = DhtMessageCodec.encode(all.get(i % all.size())).toArray();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            try {
                DhtMessageCodec.decode(Bytes.wrap(b));
                decoded++;
            } catch (ParleyException expected) {
                // fine: any other exception type fails the test
            }
        }
        assertThat(decoded).isGreaterThan(0); // many mutations hit payload bytes and still parse
    }
}
