package org.parley.delivery.service;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.invite.Invite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for the stored records of {@link DeliveryService} (disk): byte 0 picks one of
 * {@link ServiceCodec}'s decoders (contact inbox, our side with retired inboxes, sessions with base
 * keys, group, kept group states, outgoing body, incoming body, progress) or {@link Account#decode}
 * (the stored account); the rest is the blob. Each gives a value or a MALFORMED_INPUT
 * {@link ParleyException} (as ServiceCodec documents); a value re-encodes to a blob that decodes
 * equal. Committed inputs:
 * {@code src/test/resources/org/parley/delivery/service/ServiceCodecFuzzTestInputs/storedRecordDecode/}.
 */
class ServiceCodecFuzzTest {
    static final String[] DECODERS = {"inbox", "our-side", "sessions", "group", "kept-states", "out", "in", "progress", "account"};

    @FuzzTest
    void storedRecordDecode(byte[] input) {
        if (input.length == 0) return;
        int which = (input[0] & 0xff) % DECODERS.length;
        Bytes blob = Bytes.of(input, 1, input.length - 1);
        try {
            roundTrip(which, blob);
        } catch (ParleyException e) {
            assertThat(e.kind()).as(DECODERS[which]).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
        }
    }

    /** Decodes {@code blob} with decoder {@code which}; a value must re-encode to a blob that decodes equal. */
    static void roundTrip(int which, Bytes blob) {
        switch (which) {
            case 0 -> {
                Invite.ContactInbox v = ServiceCodec.decodeInbox(blob);
                assertThat(ServiceCodec.decodeInbox(ServiceCodec.encodeInbox(v))).isEqualTo(v);
            }
            case 1 -> {
                var v = ServiceCodec.decodeOurSideWithRetired(blob);
                assertThat(ServiceCodec.decodeOurSideWithRetired(ServiceCodec.encodeOurSide(v.getKey(), v.getValue()))).isEqualTo(v);
            }
            case 2 -> {
                ServiceCodec.Sessions v = ServiceCodec.decodeSessionsWithBaseKeys(blob);
                assertThat(ServiceCodec.decodeSessionsWithBaseKeys(ServiceCodec.encodeSessions(v.states(), v.baseKeys()))).isEqualTo(v);
            }
            case 3 -> {
                ServiceCodec.Group v = ServiceCodec.decodeGroup(blob);
                assertThat(ServiceCodec.decodeGroup(ServiceCodec.encodeGroup(v))).isEqualTo(v);
            }
            case 4 -> {
                Map<String, List<Bytes>> v = ServiceCodec.decodeKeptStates(blob);
                assertThat(ServiceCodec.decodeKeptStates(ServiceCodec.encodeKeptStates(v))).isEqualTo(v);
            }
            case 5 -> {
                ServiceCodec.OutBody v = ServiceCodec.decodeOut(blob);
                assertThat(ServiceCodec.decodeOut(ServiceCodec.encodeOut(v))).isEqualTo(v);
            }
            case 6 -> {
                ServiceCodec.InBody v = ServiceCodec.decodeIn(blob);
                assertThat(ServiceCodec.decodeIn(ServiceCodec.encodeIn(v))).isEqualTo(v);
            }
            case 7 -> {
                ServiceCodec.Progress v = ServiceCodec.decodeProgress(blob);
                assertThat(ServiceCodec.decodeProgress(ServiceCodec.encodeProgress(v))).isEqualTo(v);
            }
            case 8 -> {
                Account v = Account.decode(blob);
                Account back = Account.decode(v.encode());
                assertThat(back.identity().publicKey()).isEqualTo(v.identity().publicKey());
                assertThat(back.bundle()).isEqualTo(v.bundle());
                assertThat(back.requestInbox()).isEqualTo(v.requestInbox());
                assertThat(back.retiredRequestInboxes()).isEqualTo(v.retiredRequestInboxes());
            }
            default -> throw new IllegalArgumentException("decoder " + which);
        }
    }

    static Map<String, byte[]> seeds() {
        SecureRandom rnd = SimNet.seeded(11);
        Invite.ContactInbox in = new Invite.ContactInbox(InboxId.random(rnd), List.of(
                new Invite.Relay(new NodeId(Bytes.fromHex("11".repeat(32))), "relay-a:4433"),
                new Invite.Relay(new NodeId(Bytes.fromHex("22".repeat(32))), "10.0.0.2:4433")));
        ServiceCodec.OurSide our = new ServiceCodec.OurSide(in, Bytes.fromHex("33".repeat(32)), 7, 9, true);
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("inbox", seed(0, ServiceCodec.encodeInbox(in)));
        s.put("inbox-unknown", seed(0, ServiceCodec.encodeInbox(null)));
        s.put("our-side", seed(1, ServiceCodec.encodeOurSide(our)));
        s.put("our-side-retired", seed(1, ServiceCodec.encodeOurSide(our,
                List.of(new ServiceCodec.RetiredInbox(in, Bytes.fromHex("44".repeat(32)), 123_456)))));
        s.put("sessions", seed(2, ServiceCodec.encodeSessions(List.of(Bytes.fromHex("aa"), Bytes.fromHex("bbcc")))));
        s.put("sessions-base-keys", seed(2, ServiceCodec.encodeSessions(List.of(Bytes.fromHex("aa")),
                List.of(Bytes.wrap(new byte[32]), Bytes.fromHex("11".repeat(32))))));
        Bytes gid = Bytes.fromHex("44".repeat(16));
        s.put("group-v1", seed(3, ServiceCodec.encodeGroup(new ServiceCodec.Group(gid, List.of("a", "b")))));
        s.put("group-v2", seed(3, ServiceCodec.encodeGroup(new ServiceCodec.Group(gid, List.of("a"),
                Bytes.fromHex("0102030405"), Map.of("b", 3L, "c", 0L)))));
        s.put("kept-states", seed(4, ServiceCodec.encodeKeptStates(Map.of("g-" + "aa".repeat(16),
                List.of(Bytes.fromHex("0102"), Bytes.fromHex("03")), "g-" + "bb".repeat(16), List.of(Bytes.fromHex("04"))))));
        s.put("out", seed(5, ServiceCodec.encodeOut(new ServiceCodec.OutBody(ServiceCodec.Kind.GROUP_TEXT, "hé", Bytes.fromHex("0102"),
                List.of(new ServiceCodec.Recipient("a", 3), new ServiceCodec.Recipient("b", 4)), List.of("file-1")))));
        s.put("in", seed(6, ServiceCodec.encodeIn(new ServiceCodec.InBody(ServiceCodec.Kind.ATTACHMENT, "a", "x", 5, 6, List.of("att-1")))));
        s.put("progress", seed(7, ServiceCodec.encodeProgress(new ServiceCodec.Progress("why", List.of("g", "m", "r"), Map.of("a", 1, "b", 2)))));
        s.put("progress-empty", seed(7, Bytes.EMPTY));
        Account a = Account.create(rnd, in.relays()).rotateRequestInbox(rnd, 1_000, 2_000);
        s.put("account", seed(8, a.encode()));
        s.put("bad-version", seed(6, Bytes.concat(Bytes.fromHex("02"), ServiceCodec.encodeIn(
                new ServiceCodec.InBody(ServiceCodec.Kind.TEXT, "a", "x", 5, 6)).slice(1, 20))));
        s.put("bad-kind", seed(5, new WireWriter(16).u8(ServiceCodec.VERSION).u8(99).toBytes()));
        Bytes sessions = ServiceCodec.encodeSessions(List.of(Bytes.fromHex("aa")), List.of(Bytes.wrap(new byte[32])));
        s.put("bad-truncated-sessions", seed(2, sessions.slice(0, sessions.length() - 1)));
        s.put("bad-trailing-group", seed(3, Bytes.concat(ServiceCodec.encodeGroup(new ServiceCodec.Group(gid, List.of("a"))), Bytes.fromHex("00"))));
        return s;
    }

    private static byte[] seed(int which, Bytes blob) {
        return Bytes.concat(Bytes.wrap(new byte[]{(byte) which}), blob).toArray();
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, byte[]> s = seeds();
        for (var e : s.entrySet()) {
            byte[] in = e.getValue();
            Bytes blob = Bytes.of(in, 1, in.length - 1);
            if (e.getKey().startsWith("bad-")) {
                try {
                    roundTrip(in[0], blob);
                    throw new AssertionError(e.getKey() + " decoded");
                } catch (ParleyException x) {
                    assertThat(x.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
                }
            } else {
                roundTrip(in[0], blob);
            }
        }
        assertThat(ServiceCodec.decodeOurSideWithRetired(Bytes.of(s.get("our-side-retired"), 1, s.get("our-side-retired").length - 1))
                .getValue()).hasSize(1);
        assertThat(Account.decode(Bytes.of(s.get("account"), 1, s.get("account").length - 1)).retiredRequestInboxes()).hasSize(1);
        if (Boolean.getBoolean("parley.fuzz.writeSeeds")) {
            Path d = Path.of("src/test/resources/org/parley/delivery/service/ServiceCodecFuzzTestInputs/storedRecordDecode");
            Files.createDirectories(d);
            for (var e : s.entrySet()) Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
