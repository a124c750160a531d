package org.parley.routing.cell;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RelayMessageCodecTest {
    private static Bytes rnd(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return Bytes.wrap(b);
    }

    static List<RelayMessage> samples() {
        Bytes inbox = rnd(32, 1);
        Bytes mid = rnd(16, 2);
        return List.of(
                new RelayMessage.Extend2(List.of(LinkSpecifier.nodeId(new NodeId(rnd(32, 3))),
                        LinkSpecifier.address("10.0.0.1:9001")), 3, rnd(139, 4)),
                new RelayMessage.Extended2(rnd(74, 5)),
                new RelayMessage.Data(rnd(100, 6)),
                new RelayMessage.EstablishInbox(inbox, rnd(32, 7), rnd(64, 8)),
                new RelayMessage.InboxEstablished(inbox, 3),
                new RelayMessage.Deliver(inbox, mid, rnd(300, 9)),
                new RelayMessage.Stored(mid, false),
                new RelayMessage.Push(inbox, mid, rnd(300, 9)),
                new RelayMessage.Ack(inbox, mid),
                new RelayMessage.Error(InboxErrorKind.QUOTA, mid),
                new RelayMessage.Sendme(),
                new RelayMessage.End(6),
                new RelayMessage.Unrecognized(250, rnd(10, 10)));
    }

    @Test
    void everyMessageRoundTripsAndReEncodesByteForByte() {
        for (RelayMessage m : samples()) {
            Bytes wire = RelayMessageCodec.encode(m);
            RelayMessage back = RelayMessageCodec.decode(m.code(), wire);
            assertThat(back).isEqualTo(m);
            assertThat(RelayMessageCodec.encode(back)).isEqualTo(wire);
        }
    }

    @Test
    void truncatedOrTrailingBytesAreMalformed() {
        for (RelayMessage m : samples()) {
            Bytes wire = RelayMessageCodec.encode(m);
            if (m instanceof RelayMessage.Data || m instanceof RelayMessage.Unrecognized
                    || m instanceof RelayMessage.Deliver || m instanceof RelayMessage.Push) {
                continue; // these end in "rest of body"
            }
            if (wire.length() > 0) {
                assertThatThrownBy(() -> RelayMessageCodec.decode(m.code(), wire.slice(0, wire.length() - 1)))
                        .as(m.getClass().getSimpleName()).isInstanceOf(ParleyException.class);
            }
            assertThatThrownBy(() -> RelayMessageCodec.decode(m.code(), Bytes.concat(wire, Bytes.fromHex("00"))))
                    .as(m.getClass().getSimpleName()).isInstanceOf(ParleyException.class);
        }
    }

    @Test
    void validationBoundsInboxIdsEnvelopesAndExtend2() {
        assertThatThrownBy(() -> RelayMessageCodec.validate(new RelayMessage.Ack(Bytes.EMPTY, rnd(16, 1)), 1000))
                .isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> RelayMessageCodec.validate(
                new RelayMessage.Deliver(rnd(8, 1), rnd(16, 1), rnd(1001, 1)), 1000))
                .isInstanceOfSatisfying(ParleyException.class,
                        e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.RESOURCE_LIMIT));
        assertThatThrownBy(() -> RelayMessageCodec.validate(
                new RelayMessage.Extend2(List.of(LinkSpecifier.address("x")), 3, rnd(10, 1)), 1000))
                .isInstanceOf(ParleyException.class);
    }

    @Test
    void largeMessagesFragmentAndReassembleExactly() {
        Bytes envelope = rnd(5000, 11);
        RelayMessage m = new RelayMessage.Deliver(rnd(32, 1), rnd(16, 2), envelope);
        List<byte[]> bodies = RelayFramer.frame(m);
        assertThat(bodies.size()).isGreaterThan(10);
        assertThat(bodies).allSatisfy(b -> assertThat(b).hasSize(Cell.PAYLOAD_LEN));
        Reassembler r = new Reassembler(10_000);
        RelayMessage out = null;
        for (int i = 0; i < bodies.size(); i++) {
            out = r.accept(RelayFramer.unframe(bodies.get(i)), 0);
            if (i < bodies.size() - 1) assertThat(out).isNull();
        }
        assertThat(out).isEqualTo(m);
        assertThat(r.inProgress()).isFalse();
    }

    @Test
    void reassemblyIsBoundedAndRejectsBrokenRuns() {
        RelayMessage big = new RelayMessage.Data(rnd(3000, 1));
        List<byte[]> bodies = RelayFramer.frame(big);
        assertThatThrownBy(() -> new Reassembler(2000).accept(RelayFramer.unframe(bodies.get(0)), 0))
                .isInstanceOfSatisfying(ParleyException.class,
                        e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.RESOURCE_LIMIT));
        Reassembler r = new Reassembler(10_000);
        assertThatThrownBy(() -> r.accept(RelayFramer.unframe(bodies.get(1)), 0)).isInstanceOf(ParleyException.class);
        r.accept(RelayFramer.unframe(bodies.get(0)), 0);
        List<byte[]> other = new ArrayList<>(RelayFramer.frame(new RelayMessage.Sendme()));
        assertThatThrownBy(() -> r.accept(RelayFramer.unframe(other.get(0)), 0)).isInstanceOf(ParleyException.class);
        assertThat(r.inProgress()).isFalse();
    }

    @Test
    void garbageRelayBodiesOnlyEverThrowParleyException() {
        Random rand = new Random(5);
        for (int i = 0; i < 20_000; i++) {
            byte[] body = new byte[Cell.PAYLOAD_LEN];
            rand.nextBytes(body);
            if (i % 2 == 0) {
                body[0] = (byte) RelayCommand.values()[rand.nextInt(RelayCommand.values().length)].code();
                int len = rand.nextInt(RelayFramer.DATA_LEN + 1);
                body[9] = (byte) (len >>> 8);
                body[10] = (byte) len;
            }
            try {
                new Reassembler(100_000).accept(RelayFramer.unframe(body), 0);
            } catch (ParleyException e) {
                assertThat(e.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
            }
        }
    }
}
