package org.parley.delivery.invite;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.ManualClock;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.handshake.InMemoryPreKeyStore;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.TestSessions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for invite links ({@link InviteCodec#decode(String)} and
 * {@link InviteCodec#parse}). Input byte 0 = 0: the rest is the link body (base64url-encoded
 * behind the prefix, so the fuzzer works on the binary layout); otherwise the rest, as UTF-8, is
 * the whole link. Committed inputs:
 * {@code src/test/resources/org/parley/delivery/invite/InviteFuzzTestInputs/inviteLink/}.
 */
class InviteFuzzTest {
    private static final ManualClock CLOCK = new ManualClock(1_000_000L);

    static String link(byte[] input) {
        if (input.length == 0) return "";
        byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        return input[0] == 0 ? InviteCodec.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(rest)
                : new String(rest, StandardCharsets.UTF_8);
    }

    @FuzzTest
    void inviteLink(byte[] input) {
        String link = link(input);
        Invite inv;
        try {
            inv = InviteCodec.decode(link);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
            return;
        }
        assertThat(InviteCodec.decode(InviteCodec.toLink(inv))).isEqualTo(inv);
        try {
            InviteCodec.parse(link, CLOCK);
        } catch (ParleyException e) {
            assertThat(e.kind()).isNotEqualTo(ParleyException.Kind.INTERNAL);
        }
    }

    static Map<String, Map<String, byte[]>> seeds() {
        SecureRandom random = TestSessions.seeded(5);
        IdentityKeyPair bob = IdentityKeyPair.generate(random);
        InMemoryPreKeyStore store = new InMemoryPreKeyStore(bob, random);
        Invite.ContactInbox inbox = new Invite.ContactInbox(new InboxId(Bytes.wrap(new byte[InboxId.SIZE])), List.of(
                new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[32])), "10.0.0.1:7400"),
                new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[]{1})), "relay.example:7400")));
        String named = InviteCodec.toLink(InviteCodec.create(bob, store.bundle(false), inbox, Optional.of("Bob \u2713"), 2_000_000L));
        String plain = InviteCodec.toLink(InviteCodec.create(bob, store.bundle(false), inbox, Optional.empty(), 2_000_000L));
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("named", binary(named));
        s.put("plain", binary(plain));
        s.put("text-named", text(named));
        s.put("bad-not-base64", text(InviteCodec.PREFIX + "!!!"));
        s.put("bad-prefix", text("https://example.org/"));
        byte[] sig = binary(named);
        sig[sig.length - 1] ^= 1;
        s.put("bad-signature", sig);
        return Map.of("inviteLink", s);
    }

    private static byte[] binary(String link) {
        byte[] raw = Base64.getUrlDecoder().decode(link.substring(InviteCodec.PREFIX.length()));
        byte[] out = new byte[raw.length + 1];
        System.arraycopy(raw, 0, out, 1, raw.length);
        return out;
    }

    private static byte[] text(String link) {
        byte[] t = link.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[t.length + 1];
        out[0] = 1;
        System.arraycopy(t, 0, out, 1, t.length);
        return out;
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, byte[]> s = seeds().get("inviteLink");
        assertThat(InviteCodec.parse(link(s.get("named")), CLOCK).displayName()).contains("Bob \u2713");
        assertThat(InviteCodec.parse(link(s.get("text-named")), CLOCK).displayName()).contains("Bob \u2713");
        for (String bad : List.of("bad-not-base64", "bad-prefix", "bad-signature")) {
            try {
                InviteCodec.parse(link(s.get(bad)), CLOCK);
                throw new AssertionError(bad + " parsed");
            } catch (ParleyException e) {
                assertThat(e.kind()).isIn(ParleyException.Kind.MALFORMED_INPUT, ParleyException.Kind.PROTOCOL_VIOLATION);
            }
        }
        writeSeeds("org/parley/delivery/invite/InviteFuzzTestInputs", seeds());
    }

    /** With {@code -Dparley.fuzz.writeSeeds=true} (run from the module directory), rewrites the seed files. */
    static void writeSeeds(String dir, Map<String, Map<String, byte[]>> all) throws IOException {
        if (!Boolean.getBoolean("parley.fuzz.writeSeeds")) return;
        for (var t : all.entrySet()) {
            Path d = Path.of("src/test/resources", dir, t.getKey());
            Files.createDirectories(d);
            for (var e : t.getValue().entrySet()) Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
