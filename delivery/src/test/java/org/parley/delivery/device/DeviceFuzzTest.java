package org.parley.delivery.device;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.ManualClock;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.handshake.InMemoryPreKeyStore;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.ratchet.TestSessions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for the multi-device decoders: signed device lists, link codes and the device
 * inner messages. Whatever the input, decoding either succeeds and re-encodes to the same bytes,
 * or fails with MALFORMED_INPUT; verification fails only with a ParleyException that is not
 * INTERNAL. Committed inputs: {@code src/test/resources/org/parley/delivery/device/DeviceFuzzTestInputs/<target>/}.
 */
class DeviceFuzzTest {
    private static final ManualClock CLOCK = new ManualClock(1_000_000L);

    @FuzzTest
    void deviceList(byte[] input) {
        DeviceList l;
        try {
            l = DeviceListCodec.decode(Bytes.wrap(input));
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(DeviceListCodec.encode(l)).isEqualTo(Bytes.wrap(input));
        try {
            DeviceListVerifier.verify(l, Optional.empty());
        } catch (ParleyException e) {
            assertThat(e.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
        }
    }

    /** Byte 0 = 0: the rest is the code's binary body; otherwise the rest, as UTF-8, is the whole code. */
    @FuzzTest
    void linkCode(byte[] input) {
        if (input.length == 0) return;
        byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        String code = input[0] == 0 ? LinkCodec.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(rest)
                : new String(rest, StandardCharsets.UTF_8);
        LinkOffer o;
        try {
            o = LinkCodec.decode(code);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(LinkCodec.decode(LinkCodec.toCode(o))).isEqualTo(o);
        try {
            LinkCodec.parse(code, CLOCK);
        } catch (ParleyException e) {
            assertThat(e.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
        }
    }

    /** Byte 0 picks the type (0x78 + byte % 7), the rest is the body. */
    @FuzzTest
    void deviceMessage(byte[] input) {
        if (input.length == 0) return;
        int type = DeviceMessageCodec.ANNOUNCE + Math.floorMod(input[0], 7);
        Bytes body = Bytes.wrap(Arrays.copyOfRange(input, 1, input.length));
        DeviceMessage m;
        try {
            m = DeviceMessageCodec.decode(type, body);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(DeviceMessageCodec.typeOf(m)).isEqualTo(type);
        assertThat(DeviceMessageCodec.encode(m)).isEqualTo(body);
    }

    static Map<String, Map<String, byte[]>> seeds() {
        SecureRandom rnd = TestSessions.seeded(9);
        IdentityKeyPair phone = IdentityKeyPair.generate(rnd), laptop = IdentityKeyPair.generate(rnd);
        Invite.ContactInbox inbox = new Invite.ContactInbox(new InboxId(Bytes.wrap(new byte[InboxId.SIZE])),
                List.of(new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[32])), "10.0.0.1:7400")));
        DeviceList list = DeviceListCodec.sign(phone, 2, List.of(new Device(phone.publicKey(), "Phone", 10, 0),
                new Device(laptop.publicKey(), "Laptop", 20, 0)));
        DeviceList removed = DeviceListCodec.sign(phone, 3, List.of(new Device(phone.publicKey(), "Phone", 10, 0),
                new Device(laptop.publicKey(), "Laptop", 20, 30)));
        LinkOffer offer = LinkCodec.create(laptop, new InMemoryPreKeyStore(laptop, rnd).bundle(false), inbox, "Laptop", 2_000_000L, rnd);
        String code = LinkCodec.toCode(offer);
        byte[] codeBody = Base64.getUrlDecoder().decode(code.substring(LinkCodec.PREFIX.length()));

        Map<String, byte[]> lists = new LinkedHashMap<>();
        lists.put("two", DeviceListCodec.encode(list).toArray());
        lists.put("removed", DeviceListCodec.encode(removed).toArray());
        byte[] bad = DeviceListCodec.encode(list).toArray();
        bad[bad.length - 1] ^= 1;
        lists.put("bad-signature", bad);

        Map<String, byte[]> codes = new LinkedHashMap<>();
        codes.put("binary", prefixed((byte) 0, codeBody));
        codes.put("text", prefixed((byte) 1, code.getBytes(StandardCharsets.UTF_8)));
        codes.put("bad-prefix", prefixed((byte) 1, "parley://invite/AAAA".getBytes(StandardCharsets.UTF_8)));

        Map<String, byte[]> msgs = new LinkedHashMap<>();
        msgs.put("announce", prefixed((byte) 0, DeviceMessageCodec.encode(new DeviceMessage.Announce(list,
                List.of(new DeviceContact(offer.bundle(), inbox)))).toArray()));
        msgs.put("approval", prefixed((byte) 1, DeviceMessageCodec.encode(new DeviceMessage.LinkApproval(offer.secret(), list)).toArray()));
        msgs.put("transcript", prefixed((byte) 2, DeviceMessageCodec.encode(new DeviceMessage.SentTranscript(0, "c0ffee",
                "hello \u2713", List.of("c0ffee", "beef"))).toArray()));
        msgs.put("read", prefixed((byte) 3, DeviceMessageCodec.encode(new DeviceMessage.ReadSync("c0ffee",
                List.of(new MessageId(Bytes.wrap(new byte[16]))))).toArray()));
        msgs.put("contacts", prefixed((byte) 4, DeviceMessageCodec.encode(new DeviceMessage.ContactSync(List.of(
                new DeviceMessage.SyncedContact("Bob", laptop.publicKey(), Optional.of(inbox)),
                new DeviceMessage.SyncedContact("Carol \u2713", phone.publicKey(), Optional.empty())))).toArray()));
        msgs.put("groups", prefixed((byte) 5, DeviceMessageCodec.encode(new DeviceMessage.GroupSync(List.of(
                new DeviceMessage.SyncedGroup(Bytes.wrap(new byte[16]), "team", List.of("c0ffee", "beef"))))).toArray()));
        msgs.put("history", prefixed((byte) 6, DeviceMessageCodec.encode(new DeviceMessage.HistorySync("c0ffee", List.of(
                new DeviceMessage.SyncedMessage("00ff", true, "", 2, 1_000, 2_000, "sent \u2713"),
                new DeviceMessage.SyncedMessage("c0ffee:000000000001:00ff", false, "c0ffee", 3, 1_500, 1_500, "")))).toArray()));
        return Map.of("deviceList", lists, "linkCode", codes, "deviceMessage", msgs);
    }

    private static byte[] prefixed(byte first, byte[] rest) {
        byte[] out = new byte[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, Map<String, byte[]>> s = seeds();
        for (byte[] in : s.get("deviceList").values()) deviceList(in);
        for (byte[] in : s.get("linkCode").values()) linkCode(in);
        for (byte[] in : s.get("deviceMessage").values()) deviceMessage(in);
        DeviceList good = DeviceListCodec.decode(Bytes.wrap(s.get("deviceList").get("two")));
        assertThat(DeviceListVerifier.verify(good, Optional.empty()).added()).hasSize(2);
        DeviceList bad = DeviceListCodec.decode(Bytes.wrap(s.get("deviceList").get("bad-signature")));
        DeviceListTest.assertProtocol(() -> DeviceListVerifier.verify(bad, Optional.empty()));
        DeviceMessage t = DeviceMessageCodec.decode(DeviceMessageCodec.SENT_TRANSCRIPT,
                Bytes.wrap(Arrays.copyOfRange(s.get("deviceMessage").get("transcript"), 1, s.get("deviceMessage").get("transcript").length)));
        assertThat(((DeviceMessage.SentTranscript) t).text()).isEqualTo("hello \u2713");
        writeSeeds("org/parley/delivery/device/DeviceFuzzTestInputs", s);
    }

    @Test
    void linkSyncMessagesRoundTripAndRefuseBadInput() {
        Map<String, byte[]> msgs = seeds().get("deviceMessage");
        for (String name : List.of("contacts", "groups", "history")) {
            byte[] in = msgs.get(name);
            int type = DeviceMessageCodec.ANNOUNCE + in[0];
            Bytes body = Bytes.wrap(Arrays.copyOfRange(in, 1, in.length));
            DeviceMessage m = DeviceMessageCodec.decode(type, body);
            assertThat(DeviceMessageCodec.decode(type, DeviceMessageCodec.encode(m))).isEqualTo(m);
            // every truncation fails cleanly; every single bit flip either fails cleanly or re-encodes to itself
            for (int cut = 0; cut < body.length(); cut++) {
                Bytes part = body.slice(0, cut);
                assertMalformed(() -> DeviceMessageCodec.decode(type, part));
            }
            for (int i = 0; i < body.length() * 8; i += 3) {
                byte[] flipped = body.toArray();
                flipped[i / 8] ^= (byte) (1 << (i % 8));
                deviceMessage(prefixed(in[0], flipped));
            }
        }
        DeviceMessage.HistorySync h = (DeviceMessage.HistorySync) DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC,
                Bytes.wrap(Arrays.copyOfRange(msgs.get("history"), 1, msgs.get("history").length)));
        assertThat(h.messages()).extracting(DeviceMessage.SyncedMessage::text).containsExactly("sent \u2713", "");
        assertThat(h.messages().get(1).senderId()).isEqualTo("c0ffee");

        IdentityKeyPair k = IdentityKeyPair.generate(TestSessions.seeded(3));
        org.parley.delivery.internal.WireWriter w;
        // a count of 0, or over the limit
        assertMalformed(() -> DeviceMessageCodec.decode(DeviceMessageCodec.CONTACT_SYNC, Bytes.wrap(new byte[] {0, 0})));
        assertMalformed(() -> DeviceMessageCodec.decode(DeviceMessageCodec.GROUP_SYNC, Bytes.wrap(new byte[] {0, 65})));
        // a contact with a blank name, a control character in a name, a flag byte of 2
        for (String bad : List.of(" ", "bo\u0007b", "x".repeat(DeviceMessageCodec.MAX_SYNC_NAME + 1))) {
            w = new org.parley.delivery.internal.WireWriter(256).u16(1);
            k.publicKey().write(w);
            Bytes b = w.bytes16(Bytes.wrap(bad.getBytes(StandardCharsets.UTF_8))).u8(0).toBytes();
            assertMalformed(() -> DeviceMessageCodec.decode(DeviceMessageCodec.CONTACT_SYNC, b));
        }
        w = new org.parley.delivery.internal.WireWriter(256).u16(1);
        k.publicKey().write(w);
        Bytes flag2 = w.bytes16(Bytes.wrap("bob".getBytes(StandardCharsets.UTF_8))).u8(2).toBytes();
        assertMalformed(() -> DeviceMessageCodec.decode(DeviceMessageCodec.CONTACT_SYNC, flag2));
        // history: an outgoing message that names a sender, an incoming one without, a status out of range, a negative time
        assertMalformed(() -> DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, history(1, "c0ffee", 1, 10)));
        assertMalformed(() -> DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, history(0, "", 3, 10)));
        assertMalformed(() -> DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, history(0, "c0ffee", 6, 10)));
        assertMalformed(() -> DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, history(0, "c0ffee", 3, -1)));
        assertThat(DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, history(0, "c0ffee", 3, 10)))
                .isInstanceOf(DeviceMessage.HistorySync.class); // the same with good values decodes
        // more entries than a batch may hold
        org.parley.delivery.internal.WireWriter many = new org.parley.delivery.internal.WireWriter(64)
                .bytes16(Bytes.wrap("c0ffee".getBytes(StandardCharsets.UTF_8))).u16(DeviceMessageCodec.MAX_HISTORY_BATCH + 1);
        assertMalformed(() -> DeviceMessageCodec.decode(DeviceMessageCodec.HISTORY_SYNC, many.toBytes()));
    }

    private static Bytes history(int outgoing, String sender, int status, long at) {
        return new org.parley.delivery.internal.WireWriter(128).bytes16(Bytes.wrap("c0ffee".getBytes(StandardCharsets.UTF_8))).u16(1)
                .bytes16(Bytes.wrap("c0ffee:000000000001:00".getBytes(StandardCharsets.UTF_8))).u8(outgoing)
                .bytes16(Bytes.wrap(sender.getBytes(StandardCharsets.UTF_8))).u8(status).u64(at).u64(Math.max(at, 0))
                .bytes32(Bytes.wrap("hi".getBytes(StandardCharsets.UTF_8))).toBytes();
    }

    private static void assertMalformed(Runnable r) {
        try {
            r.run();
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        throw new AssertionError("decoded bad input");
    }

    /** With {@code -Dparley.fuzz.writeSeeds=true} (run from the module directory), rewrites the seed files. */
    static void writeSeeds(String dir, Map<String, Map<String, byte[]>> all) throws IOException {
        if (!Boolean.getBoolean("parley.fuzz.writeSeeds")) return;
        for (var t : all.entrySet()) {
            java.nio.file.Path d = java.nio.file.Path.of("src/test/resources", dir, t.getKey());
            java.nio.file.Files.createDirectories(d);
            for (var e : t.getValue().entrySet()) java.nio.file.Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
