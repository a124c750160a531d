package org.parley.delivery.invite;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.ManualClock;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.handshake.InMemoryPreKeyStore;
import org.parley.delivery.handshake.Pqxdh;
import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionCipher;
import org.parley.delivery.ratchet.SessionState;
import org.parley.delivery.ratchet.TestSessions;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InviteTest {
    private final SecureRandom random = TestSessions.seeded(31);
    private final IdentityKeyPair bob = IdentityKeyPair.generate(random);
    private final InMemoryPreKeyStore store = new InMemoryPreKeyStore(bob, random);
    private final ManualClock clock = new ManualClock(1_000_000L);

    private Invite invite(Optional<String> name, long expires) {
        Invite.ContactInbox inbox = new Invite.ContactInbox(InboxId.random(random), List.of(
                new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[32])), "10.0.0.1:7400"),
                new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[]{1})), "relay.example:7400")));
        return InviteCodec.create(bob, store.bundle(false), inbox, name, expires);
    }

    private static void assertKind(Runnable r, ParleyException.Kind kind) {
        assertThatThrownBy(r::run).isInstanceOf(ParleyException.class)
                .satisfies(e -> assertThat(((ParleyException) e).kind()).isEqualTo(kind));
    }

    @Test
    void linkRoundTripsAndStartsASession() {
        Invite inv = invite(Optional.of("Bob ✓"), 2_000_000L);
        String link = InviteCodec.toLink(inv);
        assertThat(link).startsWith("parley://invite/");
        assertThat(link.substring(InviteCodec.PREFIX.length())).matches("[A-Za-z0-9_-]+");
        Invite parsed = InviteCodec.parse(link, clock);
        assertThat(parsed).isEqualTo(inv);
        assertThat(InviteCodec.toLink(parsed)).isEqualTo(link);
        // Alice starts a session from the invite alone.
        IdentityKeyPair alice = IdentityKeyPair.generate(random);
        SessionCipher cipher = new SessionCipher(random);
        SessionState s = Pqxdh.initiate(alice, parsed.bundle(), RatchetParams.PARLEY, random);
        Bytes first = cipher.encrypt(s, "hi".getBytes());
        var acc = org.parley.delivery.handshake.SessionBuilder.accept(bob, store, first, RatchetParams.PARLEY, cipher);
        assertThat(new String(acc.plaintext().toArray())).isEqualTo("hi");
    }

    @Test
    void expiredInviteIsRejected() {
        String link = InviteCodec.toLink(invite(Optional.empty(), 1_500_000L));
        assertThat(InviteCodec.parse(link, clock).displayName()).isEmpty();
        clock.advance(500_000L);
        assertKind(() -> InviteCodec.parse(link, clock), ParleyException.Kind.PROTOCOL_VIOLATION);
    }

    @Test
    void forgedOrAlteredInvitesAreRejected() {
        Invite inv = invite(Optional.of("Bob"), 2_000_000L);
        // Changed expiry, same signature.
        Invite longer = new Invite(inv.bundle(), inv.inbox(), inv.displayName(), 9_000_000L, inv.signature());
        assertKind(() -> InviteCodec.parse(InviteCodec.toLink(longer), clock), ParleyException.Kind.PROTOCOL_VIOLATION);
        // Mallory's inbox in Bob's invite.
        Invite redirected = new Invite(inv.bundle(), new Invite.ContactInbox(InboxId.random(random), inv.inbox().relays()),
                inv.displayName(), inv.expiresAtMillis(), inv.signature());
        assertKind(() -> InviteCodec.parse(InviteCodec.toLink(redirected), clock), ParleyException.Kind.PROTOCOL_VIOLATION);
        // Mallory signs with her own key but keeps Bob's identity in the bundle.
        IdentityKeyPair mallory = IdentityKeyPair.generate(random);
        PreKeyBundle malloryBundle = new InMemoryPreKeyStore(mallory, random).bundle(false);
        Invite forged = InviteCodec.create(mallory, malloryBundle, inv.inbox(), inv.displayName(), inv.expiresAtMillis());
        Invite swapped = new Invite(inv.bundle(), forged.inbox(), forged.displayName(), forged.expiresAtMillis(),
                forged.signature());
        assertKind(() -> InviteCodec.parse(InviteCodec.toLink(swapped), clock), ParleyException.Kind.PROTOCOL_VIOLATION);
        // Every single-byte change of the link payload is caught.
        byte[] raw = Base64.getUrlDecoder().decode(InviteCodec.toLink(inv).substring(InviteCodec.PREFIX.length()));
        for (int i = 0; i < raw.length; i += 3) {
            byte[] bad = raw.clone();
            bad[i] ^= 0x01;
            String link = InviteCodec.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bad);
            assertThatThrownBy(() -> InviteCodec.parse(link, clock)).as("byte " + i).isInstanceOf(ParleyException.class);
        }
    }

    @Test
    void garbageLinksAreMalformed() {
        assertKind(() -> InviteCodec.parse("https://x/", clock), ParleyException.Kind.MALFORMED_INPUT);
        assertKind(() -> InviteCodec.parse("parley://invite/!!!", clock), ParleyException.Kind.MALFORMED_INPUT);
        assertKind(() -> InviteCodec.parse("parley://invite/AQID", clock), ParleyException.Kind.MALFORMED_INPUT);
        assertKind(() -> InviteCodec.parse("parley://invite/" + "A".repeat(9000), clock), ParleyException.Kind.MALFORMED_INPUT);
    }
}
