package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.invite.Invite;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceCodecTest {
    static final SecureRandom RND = SimNet.seeded(5);

    static Invite.ContactInbox inbox() {
        return new Invite.ContactInbox(InboxId.random(RND), List.of(new Invite.Relay(new NodeId(Bytes.fromHex("11".repeat(32))), "a:1"),
                new Invite.Relay(new NodeId(Bytes.fromHex("22".repeat(32))), "b:2")));
    }

    @Test
    void keptGroupStatesRoundTripAndDamagedOnesAreMalformed() {
        Map<String, List<Bytes>> kept = Map.of("g-" + "aa".repeat(16), List.of(Bytes.fromHex("0102"), Bytes.fromHex("03")),
                "g-" + "bb".repeat(16), List.of(Bytes.fromHex("04")));
        Bytes b = ServiceCodec.encodeKeptStates(kept);
        assertThat(ServiceCodec.decodeKeptStates(b)).isEqualTo(kept);
        assertThat(ServiceCodec.decodeKeptStates(ServiceCodec.encodeKeptStates(Map.of()))).isEmpty();
        for (int cut = 0; cut < b.length(); cut++) {
            Bytes damaged = b.slice(0, cut);
            assertThatThrownBy(() -> ServiceCodec.decodeKeptStates(damaged)).as("cut at %d", cut).isInstanceOf(ParleyException.class);
        }
        assertThatThrownBy(() -> ServiceCodec.decodeKeptStates(Bytes.concat(b, Bytes.fromHex("00"))))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
    }

    @Test
    void groupsStoredBeforeSignedStatesStillReadAndNewOnesKeepStateAndDepartures() {
        Bytes gid = Bytes.fromHex("44".repeat(16));
        // the first layout, built by hand: version 1 | id16 | u16 n | member16...
        Bytes v1 = new org.parley.delivery.internal.WireWriter(64).u8(1).bytes16(gid).u16(2)
                .bytes16(ServiceCodec.utf8("a")).bytes16(ServiceCodec.utf8("b")).toBytes();
        ServiceCodec.Group old = ServiceCodec.decodeGroup(v1);
        assertThat(old).isEqualTo(new ServiceCodec.Group(gid, List.of("a", "b")));
        assertThat(old.signed()).isFalse();
        assertThat(old.left()).isEmpty();
        assertThat(ServiceCodec.encodeGroup(old)).isEqualTo(v1); // unchanged groups keep the first layout
        ServiceCodec.Group signed = new ServiceCodec.Group(gid, List.of("a"), Bytes.fromHex("0102030405"), Map.of("b", 3L, "c", 0L));
        Bytes v2 = ServiceCodec.encodeGroup(signed);
        assertThat(v2.toArray()[0]).isEqualTo((byte) 2);
        assertThat(ServiceCodec.decodeGroup(v2)).isEqualTo(signed);
        ServiceCodec.Group leftOnly = new ServiceCodec.Group(gid, List.of(), Bytes.EMPTY, Map.of("me", 1L));
        assertThat(ServiceCodec.decodeGroup(ServiceCodec.encodeGroup(leftOnly))).isEqualTo(leftOnly);
        for (int cut = 0; cut < v2.length(); cut++) {
            Bytes part = v2.slice(0, cut);
            assertThatThrownBy(() -> ServiceCodec.decodeGroup(part)).isInstanceOfSatisfying(ParleyException.class,
                    e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
        }
        byte[] v3 = v2.toArray();
        v3[0] = 3;
        assertThatThrownBy(() -> ServiceCodec.decodeGroup(Bytes.wrap(v3))).isInstanceOf(ParleyException.class);
    }

    @Test
    void blobsRoundTrip() {
        Invite.ContactInbox in = inbox();
        assertThat(ServiceCodec.decodeInbox(ServiceCodec.encodeInbox(in))).isEqualTo(in);
        assertThat(ServiceCodec.decodeInbox(ServiceCodec.encodeInbox(null))).isNull();
        ServiceCodec.OurSide our = new ServiceCodec.OurSide(in, Bytes.fromHex("33".repeat(32)), 7, 9, true);
        assertThat(ServiceCodec.decodeOurSide(ServiceCodec.encodeOurSide(our))).isEqualTo(our);
        // retired inboxes ride after our side; a record without them (written before rotation) reads with none
        ServiceCodec.RetiredInbox gone = new ServiceCodec.RetiredInbox(in, Bytes.fromHex("44".repeat(32)), 123_456);
        Bytes both = ServiceCodec.encodeOurSide(our, List.of(gone));
        assertThat(ServiceCodec.decodeOurSideWithRetired(both).getKey()).isEqualTo(our);
        assertThat(ServiceCodec.decodeOurSideWithRetired(both).getValue()).containsExactly(gone);
        assertThat(ServiceCodec.decodeOurSide(both)).isEqualTo(our);
        assertThat(ServiceCodec.encodeOurSide(our, List.of())).isEqualTo(ServiceCodec.encodeOurSide(our));
        assertThat(ServiceCodec.decodeOurSideWithRetired(ServiceCodec.encodeOurSide(our)).getValue()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServiceCodec.decodeOurSideWithRetired(both.slice(0, both.length() - 3)))
                .isInstanceOf(org.parley.core.ParleyException.class);
        ServiceCodec.Group g = new ServiceCodec.Group(Bytes.fromHex("44".repeat(16)), List.of("a", "b"));
        assertThat(ServiceCodec.decodeGroup(ServiceCodec.encodeGroup(g))).isEqualTo(g);
        ServiceCodec.OutBody out = new ServiceCodec.OutBody(ServiceCodec.Kind.GROUP_TEXT, "hé", Bytes.fromHex("0102"),
                List.of(new ServiceCodec.Recipient("a", 3), new ServiceCodec.Recipient("b", 4)));
        assertThat(ServiceCodec.decodeOut(ServiceCodec.encodeOut(out))).isEqualTo(out);
        ServiceCodec.InBody inb = new ServiceCodec.InBody(ServiceCodec.Kind.TEXT, "a", "x", 5, 6);
        assertThat(ServiceCodec.decodeIn(ServiceCodec.encodeIn(inb))).isEqualTo(inb);
        ServiceCodec.Progress p = new ServiceCodec.Progress("why", List.of("g", "m", "r"), Map.of("a", 1, "b", 2));
        assertThat(ServiceCodec.decodeProgress(ServiceCodec.encodeProgress(p))).isEqualTo(p);
        assertThat(ServiceCodec.decodeSessions(ServiceCodec.encodeSessions(List.of(Bytes.fromHex("aa"), Bytes.fromHex("bbcc")))))
                .containsExactly(Bytes.fromHex("aa"), Bytes.fromHex("bbcc"));
        // base keys ride after the states; a record written before them reads with none
        Bytes k1 = Bytes.wrap(new byte[32]), k2 = Bytes.fromHex("11".repeat(32));
        ServiceCodec.Sessions withKeys = ServiceCodec.decodeSessionsWithBaseKeys(
                ServiceCodec.encodeSessions(List.of(Bytes.fromHex("aa")), List.of(k1, k2)));
        assertThat(withKeys.states()).containsExactly(Bytes.fromHex("aa"));
        assertThat(withKeys.baseKeys()).containsExactly(k1, k2);
        assertThat(ServiceCodec.decodeSessionsWithBaseKeys(ServiceCodec.encodeSessions(List.of(Bytes.fromHex("aa")))).baseKeys()).isEmpty();
        Bytes cut = ServiceCodec.encodeSessions(List.of(Bytes.fromHex("aa")), List.of(k1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServiceCodec.decodeSessionsWithBaseKeys(cut.slice(0, cut.length() - 1)))
                .isInstanceOf(org.parley.core.ParleyException.class);
        Account a = Account.create(RND, in.relays());
        Account back = Account.decode(a.encode());
        assertThat(back.identity().publicKey()).isEqualTo(a.identity().publicKey());
        assertThat(back.bundle()).isEqualTo(a.bundle());
        assertThat(back.requestInbox()).isEqualTo(a.requestInbox());
    }

    /** Every truncation and many random byte flips of each blob give a ParleyException or a value, never another exception. */
    @Test
    void damagedBlobsFailCleanly() {
        Invite.ContactInbox in = inbox();
        List<Bytes> blobs = List.of(ServiceCodec.encodeInbox(in),
                ServiceCodec.encodeOurSide(new ServiceCodec.OurSide(in, Bytes.fromHex("33".repeat(32)), 1, 1, false)),
                ServiceCodec.encodeOut(new ServiceCodec.OutBody(ServiceCodec.Kind.TEXT, "t", Bytes.fromHex("01"), List.of(new ServiceCodec.Recipient("a", 1)))),
                ServiceCodec.encodeIn(new ServiceCodec.InBody(ServiceCodec.Kind.TEXT, "a", "x", 5, 6)),
                ServiceCodec.encodeProgress(new ServiceCodec.Progress("", List.of("p"), Map.of("a", 1))),
                Account.create(RND, in.relays()).encode());
        List<Function<Bytes, Object>> decoders = List.of(ServiceCodec::decodeInbox, ServiceCodec::decodeOurSide, ServiceCodec::decodeOut,
                ServiceCodec::decodeIn, ServiceCodec::decodeProgress, Account::decode);
        Random r = new Random(1);
        int rejected = 0;
        for (int i = 0; i < blobs.size(); i++) {
            Bytes b = blobs.get(i);
            Function<Bytes, Object> d = decoders.get(i);
            for (int cut = 1; cut < b.length(); cut++) {
                Bytes truncated = b.slice(0, cut);
                assertThatThrownBy(() -> d.apply(truncated)).isInstanceOf(ParleyException.class);
                rejected++;
            }
            for (int k = 0; k < 200; k++) {
                byte[] x = b.toArray();
                x[r.nextInt(x.length)] ^= (byte) (1 + r.nextInt(255));
                try {
                    d.apply(Bytes.wrap(x));
                } catch (ParleyException e) {
                    rejected++;
                }
            }
        }
        assertThat(rejected).isGreaterThan(500);
        assertThatThrownBy(() -> ServiceCodec.decodeIn(Bytes.fromHex("02"))).isInstanceOf(ParleyException.class).hasMessageContaining("version");
    }
}
