package org.parley.delivery.group;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.envelope.InnerMessage;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.envelope.Plaintext;
import org.parley.delivery.envelope.PlaintextCodec;
import org.parley.delivery.envelope.PlaintextValidator;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.ratchet.TestSessions;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Signed group states ({@link GroupStateCodec}) and the GROUP_CONTROL body that carries them.
 * Fuzz targets: whatever the input, decoding succeeds and re-encodes to the same bytes or fails
 * with MALFORMED_INPUT; verifying fails only with PROTOCOL_VIOLATION or MALFORMED_INPUT. Committed
 * inputs: {@code src/test/resources/org/parley/delivery/group/GroupStateTestInputs/<target>/}.
 */
class GroupStateTest {
    static final SecureRandom RND = TestSessions.seeded(12);
    static final IdentityKeyPair ADMIN = IdentityKeyPair.generate(RND), BOB = IdentityKeyPair.generate(RND), CAROL = IdentityKeyPair.generate(RND);
    static final Bytes SALT = Bytes.fromHex("5a".repeat(16));
    static final Bytes GID = GroupStateCodec.groupId(ADMIN.publicKey(), SALT);

    static GroupState.Member admin(IdentityKeyPair k, long at) {
        return new GroupState.Member(k.publicKey(), at, true);
    }

    static GroupState.Member member(IdentityKeyPair k, long at) {
        return new GroupState.Member(k.publicKey(), at, false);
    }

    static GroupState v(IdentityKeyPair signer, long version, List<GroupState.Member> members) {
        return GroupStateCodec.sign(signer, GID, ADMIN.publicKey(), SALT, version, "tëam", members);
    }

    static void assertKind(Runnable r, ParleyException.Kind kind) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }

    @Test
    void aStateRoundTripsAndVerifiesAgainstItsCreatorThenItsAdmins() {
        GroupState v1 = v(ADMIN, 1, List.of(admin(ADMIN, 1), member(BOB, 1)));
        Bytes enc = GroupStateCodec.encode(v1);
        GroupState back = GroupStateCodec.decode(enc);
        assertThat(back).isEqualTo(v1);
        assertThat(GroupStateCodec.encode(back)).isEqualTo(enc);
        GroupStateCodec.verify(back, Optional.empty()); // a new group: signed by its creator
        // bob made admin at v2 by the creator; bob may sign v3 for whoever holds v2, not for whoever holds nothing
        GroupState v2 = v(ADMIN, 2, List.of(admin(ADMIN, 1), admin(BOB, 1), member(CAROL, 2)));
        GroupStateCodec.verify(v2, Optional.of(v1));
        GroupState v3 = v(BOB, 3, List.of(admin(ADMIN, 1), admin(BOB, 1)));
        GroupStateCodec.verify(v3, Optional.of(v2));
        assertKind(() -> GroupStateCodec.verify(v3, Optional.empty()), ParleyException.Kind.PROTOCOL_VIOLATION);
        assertKind(() -> GroupStateCodec.verify(v3, Optional.of(v1)), ParleyException.Kind.PROTOCOL_VIOLATION);
    }

    @Test
    void forgeriesAreRefused() {
        GroupState v1 = v(ADMIN, 1, List.of(admin(ADMIN, 1), member(BOB, 1), member(CAROL, 1)));
        // a member signs a state listing itself as admin
        GroupState self = v(BOB, 2, List.of(admin(ADMIN, 1), admin(BOB, 1)));
        assertKind(() -> GroupStateCodec.verify(self, Optional.of(v1)), ParleyException.Kind.PROTOCOL_VIOLATION);
        // a member claims to be the creator of the existing id
        GroupState claims = GroupStateCodec.sign(BOB, GID, BOB.publicKey(), SALT, 2, "x", List.of(admin(BOB, 1)));
        assertKind(() -> GroupStateCodec.verify(claims, Optional.of(v1)), ParleyException.Kind.PROTOCOL_VIOLATION);
        assertKind(() -> GroupStateCodec.verify(claims, Optional.empty()), ParleyException.Kind.PROTOCOL_VIOLATION);
        // an admin's signature over other contents: every byte of the body is covered
        GroupState v2 = v(ADMIN, 2, List.of(admin(ADMIN, 1), member(BOB, 1)));
        byte[] enc = GroupStateCodec.encode(v2).toArray();
        int tampered = 0;
        for (int i = 0; i < enc.length - 64; i += 3) {
            byte[] t = enc.clone();
            t[i] ^= 1;
            GroupState s;
            try {
                s = GroupStateCodec.decode(Bytes.wrap(t));
            } catch (ParleyException e) {
                assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
                continue;
            }
            tampered++;
            assertThatThrownBy(() -> GroupStateCodec.verify(s, Optional.of(v1))).isInstanceOf(ParleyException.class);
        }
        assertThat(tampered).isGreaterThan(40);
    }

    @Test
    void shapesThatCannotBeAStateAreMalformed() {
        assertKind(() -> v(ADMIN, 0, List.of(admin(ADMIN, 1))), ParleyException.Kind.MALFORMED_INPUT);            // version 0
        assertKind(() -> v(ADMIN, 1, List.of(member(ADMIN, 1))), ParleyException.Kind.MALFORMED_INPUT);           // creator not admin
        assertKind(() -> v(ADMIN, 1, List.of(admin(ADMIN, 1), member(BOB, 2))), ParleyException.Kind.MALFORMED_INPUT); // added in the future
        assertKind(() -> v(ADMIN, 1, List.of(admin(ADMIN, 1), member(BOB, 1), member(BOB, 1))), ParleyException.Kind.MALFORMED_INPUT);
        assertKind(() -> GroupStateCodec.sign(ADMIN, GID, ADMIN.publicKey(), SALT, 1, "x".repeat(257), List.of(admin(ADMIN, 1))),
                ParleyException.Kind.MALFORMED_INPUT);
        Bytes good = GroupStateCodec.encode(v(ADMIN, 1, List.of(admin(ADMIN, 1), member(BOB, 1))));
        for (int cut = 0; cut < good.length(); cut += 5) {
            Bytes part = good.slice(0, cut);
            assertKind(() -> GroupStateCodec.decode(part), ParleyException.Kind.MALFORMED_INPUT);
        }
        assertKind(() -> GroupStateCodec.decode(Bytes.concat(good, Bytes.of(new byte[]{0}))), ParleyException.Kind.MALFORMED_INPUT);
        byte[] format2 = good.toArray();
        format2[0] = 2;
        assertKind(() -> GroupStateCodec.decode(Bytes.wrap(format2)), ParleyException.Kind.MALFORMED_INPUT);
    }

    @Test
    void groupControlCarriesVersionAndStateAndOlderBodiesStillDecode() {
        GroupState v1 = v(ADMIN, 1, List.of(admin(ADMIN, 1), member(BOB, 1)));
        MessageId id = new MessageId(Bytes.fromHex("01".repeat(16)));
        InnerMessage.GroupControl signed = new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.CREATE, "tëam",
                List.of(ADMIN.publicKey().encode(), BOB.publicKey().encode()), 1, GroupStateCodec.encode(v1));
        Plaintext p = new Plaintext(id, 4, 5, signed);
        Bytes enc = PlaintextCodec.encode(p);
        assertThat(PlaintextValidator.validate(PlaintextCodec.decode(enc))).isEqualTo(p);
        assertThat(PlaintextCodec.encode(PlaintextCodec.decode(enc))).isEqualTo(enc);
        // a LEAVE carries the version its sender held, no state
        InnerMessage.GroupControl leave = new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.LEAVE, "", List.of(), 7, Bytes.EMPTY);
        assertThat(PlaintextCodec.decode(PlaintextCodec.encode(new Plaintext(id, 1, 1, leave))).message()).isEqualTo(leave);

        // the body as written before signed states (hand-built): decodes with version 0 and no state, and re-encodes the same
        Bytes oldBody = new WireWriter(256).bytes16(GID).u8(3).bytes16(Bytes.EMPTY).u16(1).bytes16(BOB.publicKey().encode()).toBytes();
        Bytes oldPlain = new WireWriter(512).u8(1).raw(id.value()).u64(2).u64(3).u8(4).u32(oldBody.length()).raw(oldBody).toBytes();
        InnerMessage.GroupControl old = (InnerMessage.GroupControl) PlaintextValidator.validate(PlaintextCodec.decode(oldPlain)).message();
        assertThat(old).isEqualTo(new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.REMOVE_MEMBERS, "",
                List.of(BOB.publicKey().encode())));
        assertThat(old.version()).isZero();
        assertThat(old.signed()).isFalse();
        assertThat(PlaintextCodec.encode(new Plaintext(id, 2, 3, old))).isEqualTo(oldPlain);

        // an unknown extension, an empty one, trailing bytes: malformed; a LEAVE with a state, or a state without version: refused
        for (Bytes ext : List.of(new WireWriter(16).u8(2).u64(1).u32(0).toBytes(), new WireWriter(16).u8(1).u64(0).u32(0).toBytes(),
                new WireWriter(16).u8(1).u64(1).u32(0).u8(0).toBytes())) {
            Bytes body = Bytes.concat(oldBody, ext);
            Bytes plain = new WireWriter(512).u8(1).raw(id.value()).u64(2).u64(3).u8(4).u32(body.length()).raw(body).toBytes();
            assertKind(() -> PlaintextCodec.decode(plain), ParleyException.Kind.MALFORMED_INPUT);
        }
        for (InnerMessage.GroupControl bad : List.of(
                new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.LEAVE, "", List.of(), 1, GroupStateCodec.encode(v1)),
                new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.ADD_MEMBERS, "", List.of(BOB.publicKey().encode()), 0,
                        GroupStateCodec.encode(v1)))) {
            Plaintext decoded = PlaintextCodec.decode(PlaintextCodec.encode(new Plaintext(id, 1, 1, bad)));
            assertKind(() -> PlaintextValidator.validate(decoded), ParleyException.Kind.PROTOCOL_VIOLATION);
        }
    }

    @Test
    void aSignedCreateListsNoKeysOfItsOwnSoTheLargestGroupStaysUnderTheRoutingLimit() {
        List<GroupState.Member> many = new ArrayList<>();
        many.add(admin(ADMIN, 1));
        SecureRandom r = TestSessions.seeded(99);
        for (int i = 1; i < GroupStateCodec.MAX_MEMBERS; i++) many.add(member(IdentityKeyPair.generate(r), 1));
        GroupState big = v(ADMIN, 1, many);
        MessageId id = new MessageId(Bytes.fromHex("02".repeat(16)));
        Plaintext create = new Plaintext(id, 1, 1, new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.CREATE, "tëam",
                List.of(), 1, GroupStateCodec.encode(big)));
        Bytes enc = PlaintextCodec.encode(create);
        assertThat(PlaintextValidator.validate(PlaintextCodec.decode(enc))).isEqualTo(create);
        assertThat(enc.length()).isLessThan(200 * 1024); // envelopes are limited to 256 KiB on the routing layer
        GroupStateCodec.verify(GroupStateCodec.decode(GroupStateCodec.encode(big)), Optional.empty());
        // an unsigned CREATE without members still makes no sense
        Plaintext bare = new Plaintext(id, 1, 1, new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.CREATE, "g", List.of()));
        assertKind(() -> PlaintextValidator.validate(PlaintextCodec.decode(PlaintextCodec.encode(bare))), ParleyException.Kind.PROTOCOL_VIOLATION);
    }

    // ------------------------------------------------------------------ fuzz targets

    @FuzzTest
    void groupState(byte[] input) {
        GroupState s;
        try {
            s = GroupStateCodec.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(GroupStateCodec.encode(s)).isEqualTo(Bytes.wrap(input));
        for (Optional<GroupState> held : List.of(Optional.<GroupState>empty(), Optional.of(HELD))) {
            try {
                GroupStateCodec.verify(s, held);
            } catch (ParleyException e) {
                assertThat(e.kind()).isIn(ParleyException.Kind.PROTOCOL_VIOLATION, ParleyException.Kind.MALFORMED_INPUT);
            }
        }
    }

    /** A GROUP_CONTROL body inside a plaintext: decodes and re-encodes the same, or fails with MALFORMED_INPUT. */
    @FuzzTest
    void groupControlBody(byte[] input) {
        Bytes plain = new WireWriter(input.length + 48).u8(1).raw(new byte[16]).u64(1).u64(1).u8(4).u32(input.length).raw(input).toBytes();
        Plaintext p;
        try {
            p = PlaintextCodec.decode(plain);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(PlaintextCodec.encode(p)).isEqualTo(plain);
        try {
            PlaintextValidator.validate(p);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION);
        }
    }

    static final GroupState HELD = v(ADMIN, 1, List.of(admin(ADMIN, 1), member(BOB, 1)));

    static Map<String, Map<String, byte[]>> seeds() {
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        Map<String, byte[]> states = new LinkedHashMap<>();
        states.put("v1", GroupStateCodec.encode(HELD).toArray());
        states.put("v2-three", GroupStateCodec.encode(v(ADMIN, 2, List.of(admin(ADMIN, 1), member(BOB, 1), member(CAROL, 2)))).toArray());
        states.put("by-member", GroupStateCodec.encode(v(BOB, 2, List.of(admin(ADMIN, 1), admin(BOB, 1)))).toArray());
        all.put("groupState", states);
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("signed-add", body(new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.ADD_MEMBERS, "",
                List.of(CAROL.publicKey().encode()), 1, GroupStateCodec.encode(HELD))));
        bodies.put("leave", body(new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.LEAVE, "", List.of(), 3, Bytes.EMPTY)));
        bodies.put("old-create", body(new InnerMessage.GroupControl(GID, InnerMessage.GroupControl.Action.CREATE, "g",
                List.of(BOB.publicKey().encode()))));
        all.put("groupControlBody", bodies);
        return all;
    }

    /** The body of a GROUP_CONTROL plaintext (after the 38-byte header and the u32 length). */
    static byte[] body(InnerMessage.GroupControl g) {
        byte[] p = PlaintextCodec.encode(new Plaintext(new MessageId(Bytes.wrap(new byte[16])), 1, 1, g)).toArray();
        return java.util.Arrays.copyOfRange(p, 1 + 16 + 8 + 8 + 1 + 4, p.length);
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, Map<String, byte[]>> s = seeds();
        for (byte[] in : s.get("groupState").values()) groupState(in);
        for (byte[] in : s.get("groupControlBody").values()) groupControlBody(in);
        GroupStateCodec.verify(GroupStateCodec.decode(Bytes.wrap(s.get("groupState").get("v2-three"))), Optional.of(HELD));
        assertKind(() -> GroupStateCodec.verify(GroupStateCodec.decode(Bytes.wrap(s.get("groupState").get("by-member"))), Optional.of(HELD)),
                ParleyException.Kind.PROTOCOL_VIOLATION);
        // every bit flip of every seed either fails cleanly or round-trips (the targets assert which)
        int flips = 0;
        for (Map<String, byte[]> target : s.values()) {
            boolean state = target == s.get("groupState");
            for (byte[] in : target.values()) {
                for (int i = 0; i < in.length * 8; i += 11) {
                    byte[] f = in.clone();
                    f[i / 8] ^= (byte) (1 << (i % 8));
                    if (state) groupState(f);
                    else groupControlBody(f);
                    flips++;
                }
            }
        }
        assertThat(flips).isGreaterThan(500);
        List<String> names = new ArrayList<>(s.get("groupState").keySet());
        assertThat(names).containsExactly("v1", "v2-three", "by-member");
        writeSeeds("org/parley/delivery/group/GroupStateTestInputs", s);
    }

    static void writeSeeds(String dir, Map<String, Map<String, byte[]>> all) throws IOException {
        if (!Boolean.getBoolean("parley.fuzz.writeSeeds")) return;
        for (var t : all.entrySet()) {
            java.nio.file.Path d = java.nio.file.Path.of("src/test/resources", dir, t.getKey());
            java.nio.file.Files.createDirectories(d);
            for (var e : t.getValue().entrySet()) java.nio.file.Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
