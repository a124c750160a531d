package org.parley.delivery.envelope;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.TestSessions;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeTest {
    private final SecureRandom random = TestSessions.seeded(99);

    private static boolean contains(Bytes hay, Bytes needle) {
        return hay.hex().contains(needle.hex());
    }

    @Test
    void firstContactThenReceiptRoundTripThroughSealedEnvelopes() {
        TestSessions t = new TestSessions(RatchetParams.PARLEY, 21);
        EnvelopeSealer sealer = new EnvelopeSealer(t.cipher, t.random);
        InboxId bobInbox = InboxId.random(random);
        InboxId aliceInbox = InboxId.random(random);
        MessageId id1 = MessageId.random(random);
        Plaintext hello = new Plaintext(id1, 0, 1_700_000_000_000L, new InnerMessage.Text("hello Bob, secret words"));
        Envelope env = sealer.seal(t.alice, t.aliceId, t.bobId.publicKey(), bobInbox, hello);

        Bytes wire = EnvelopeCodec.encode(env);
        // Only the inbox id and ciphertext are visible: no identity key, no text.
        assertThat(wire.slice(1, 33)).isEqualTo(bobInbox.value());
        assertThat(contains(wire, t.aliceId.publicKey().signingKey())).isFalse();
        assertThat(contains(wire, t.aliceId.publicKey().dhKey())).isFalse();
        assertThat(contains(wire, Bytes.wrap("secret words".getBytes(StandardCharsets.UTF_8)))).isFalse();

        Envelope received = EnvelopeCodec.decode(wire);
        SealedSender.Unsealed u = sealer.unseal(t.bobId, received);
        assertThat(u.sender()).isEqualTo(t.aliceId.publicKey());
        EnvelopeSealer.Accepted acc = sealer.accept(t.bobId, t.bobStore, RatchetParams.PARLEY, u);
        assertThat(acc.plaintext()).isEqualTo(hello);

        MessageId id2 = MessageId.random(random);
        Plaintext receipt = new Plaintext(MessageId.random(random), 0, 1_700_000_000_500L,
                new InnerMessage.DeliveryReceipt(List.of(id1, id2)));
        Envelope back = sealer.seal(acc.state(), t.bobId, t.aliceId.publicKey(), aliceInbox, receipt);
        SealedSender.Unsealed u2 = sealer.unseal(t.aliceId, EnvelopeCodec.decode(EnvelopeCodec.encode(back)));
        assertThat(u2.sender()).isEqualTo(t.bobId.publicKey());
        assertThat(sealer.open(t.alice, u2)).isEqualTo(receipt);
    }

    @Test
    void sealFromAnotherIdentityIsNotAcceptedForTheSession() {
        TestSessions t = new TestSessions(RatchetParams.PARLEY, 22);
        t.handshake("first");
        EnvelopeSealer sealer = new EnvelopeSealer(t.cipher, t.random);
        IdentityKeyPair mallory = IdentityKeyPair.generate(random);
        // Mallory re-seals a genuine session message from Alice under her own identity.
        Plaintext p = new Plaintext(MessageId.random(random), 1, 1, new InnerMessage.Text("x"));
        Envelope genuine = sealer.seal(t.alice, t.aliceId, t.bobId.publicKey(), InboxId.random(random), p);
        SealedSender.Unsealed inner = sealer.unseal(t.bobId, genuine);
        Bytes resealed = SealedSender.seal(mallory, t.bobId.publicKey(), inner.content(), random);
        SealedSender.Unsealed u = SealedSender.open(t.bobId, resealed);
        assertThat(u.sender()).isEqualTo(mallory.publicKey());
        assertThatThrownBy(() -> sealer.open(t.bob, u)).isInstanceOf(ParleyException.class)
                .hasMessageContaining("not this session's peer");
        // The genuine one still opens (the failed attempt did not advance the session).
        assertThat(sealer.open(t.bob, inner)).isEqualTo(p);
    }

    @Test
    void tamperedSealOrWrongRecipientIsRejected() {
        IdentityKeyPair a = IdentityKeyPair.generate(random);
        IdentityKeyPair b = IdentityKeyPair.generate(random);
        IdentityKeyPair c = IdentityKeyPair.generate(random);
        Bytes sealed = SealedSender.seal(a, b.publicKey(), Bytes.wrap(new byte[]{1, 2, 3}), random);
        assertThat(SealedSender.open(b, sealed).content()).isEqualTo(Bytes.wrap(new byte[]{1, 2, 3}));
        assertThatThrownBy(() -> SealedSender.open(c, sealed)).isInstanceOf(ParleyException.class);
        byte[] raw = sealed.toArray();
        for (int i = 0; i < raw.length; i++) {
            byte[] bad = raw.clone();
            bad[i] ^= 0x40;
            assertThatThrownBy(() -> SealedSender.open(b, Bytes.wrap(bad))).isInstanceOf(ParleyException.class);
        }
    }

    @Test
    void paddingHidesLengthWithinABucket() {
        assertThat(Padding.bucket(0)).isEqualTo(256);
        assertThat(Padding.bucket(255)).isEqualTo(256);
        assertThat(Padding.bucket(256)).isEqualTo(1024);
        assertThat(Padding.bucket(70_000)).isEqualTo(131072);
        TestSessions t = new TestSessions(RatchetParams.PARLEY, 23);
        t.handshake("first");
        EnvelopeSealer sealer = new EnvelopeSealer(t.cipher, t.random);
        InboxId inbox = InboxId.random(random);
        int short1 = EnvelopeCodec.encode(sealer.seal(t.alice, t.aliceId, t.bobId.publicKey(), inbox,
                new Plaintext(MessageId.random(random), 1, 1, new InnerMessage.Text("hi")))).length();
        int long1 = EnvelopeCodec.encode(sealer.seal(t.alice, t.aliceId, t.bobId.publicKey(), inbox,
                new Plaintext(MessageId.random(random), 2, 1, new InnerMessage.Text("x".repeat(150))))).length();
        assertThat(short1).isEqualTo(long1);
        assertThat(Padding.unpad(Padding.pad(Bytes.wrap(new byte[]{0, (byte) 0x80, 0})))).isEqualTo(Bytes.wrap(new byte[]{0, (byte) 0x80, 0}));
        assertThatThrownBy(() -> Padding.unpad(new byte[16])).isInstanceOf(ParleyException.class);
    }

    @Test
    void everyInnerTypeRoundTripsAndValidates() {
        Bytes member = Bytes.wrap(new byte[128]);
        List<InnerMessage> all = List.of(
                new InnerMessage.Text("héllo ✓✓"),
                new InnerMessage.DeliveryReceipt(List.of(MessageId.random(random), MessageId.random(random))),
                new InnerMessage.ReadReceipt(List.of(MessageId.random(random))),
                new InnerMessage.GroupControl(Bytes.wrap(new byte[16]), InnerMessage.GroupControl.Action.CREATE, "friends", List.of(member)),
                new InnerMessage.AttachmentPointer(Bytes.wrap(new byte[]{7}), Bytes.wrap(new byte[32]), Bytes.wrap(new byte[32]),
                        12345, "image/png", "cat.png"),
                new InnerMessage.Unrecognized(200, Bytes.wrap(new byte[]{1, 2})));
        long seq = 0;
        for (InnerMessage m : all) {
            Plaintext p = new Plaintext(MessageId.random(random), seq++, 42, m);
            Bytes enc = PlaintextCodec.encode(p);
            Plaintext back = PlaintextCodec.decode(enc);
            assertThat(back).isEqualTo(p);
            assertThat(PlaintextValidator.validate(back)).isEqualTo(p);
            assertThat(PlaintextCodec.encode(back)).isEqualTo(enc);
        }
    }

    @Test
    void validationRejectsWhatDecodingAccepts() {
        MessageId id = MessageId.random(random);
        List<InnerMessage> bad = List.of(
                new InnerMessage.DeliveryReceipt(List.of()),
                new InnerMessage.ReadReceipt(List.of(id, id)),
                new InnerMessage.Text("x".repeat(PlaintextValidator.MAX_TEXT_BYTES + 1)),
                new InnerMessage.GroupControl(Bytes.wrap(new byte[4]), InnerMessage.GroupControl.Action.RENAME, "n", List.of()),
                new InnerMessage.GroupControl(Bytes.wrap(new byte[16]), InnerMessage.GroupControl.Action.LEAVE, "", List.of(Bytes.wrap(new byte[128]))),
                new InnerMessage.AttachmentPointer(Bytes.wrap(new byte[]{7}), Bytes.wrap(new byte[31]), Bytes.wrap(new byte[32]), 1, "a", "b"));
        for (InnerMessage m : bad) {
            Plaintext decoded = PlaintextCodec.decode(PlaintextCodec.encode(new Plaintext(id, 1, 1, m)));
            assertThatThrownBy(() -> PlaintextValidator.validate(decoded)).as(m.getClass().getSimpleName())
                    .isInstanceOf(ParleyException.class)
                    .satisfies(e -> assertThat(((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
        }
    }

    @Test
    void decodersThrowOnlyParleyExceptionsOnGarbage() {
        Random r = new Random(7);
        Bytes good = PlaintextCodec.encode(new Plaintext(MessageId.random(random), 3, 4,
                new InnerMessage.GroupControl(Bytes.wrap(new byte[16]), InnerMessage.GroupControl.Action.ADD_MEMBERS, "g",
                        List.of(Bytes.wrap(new byte[128])))));
        IdentityKeyPair b = IdentityKeyPair.generate(random);
        for (int i = 0; i < 2000; i++) {
            byte[] junk;
            if (i % 2 == 0) {
                junk = good.toArray();
                junk[r.nextInt(junk.length)] ^= (byte) (1 << r.nextInt(8));
                if (r.nextBoolean()) junk = java.util.Arrays.copyOf(junk, r.nextInt(junk.length));
            } else {
                junk = new byte[r.nextInt(300)];
                r.nextBytes(junk);
            }
            Bytes in = Bytes.wrap(junk);
            try {
                PlaintextValidator.validate(PlaintextCodec.decode(in));
            } catch (ParleyException expected) {
                // fine
            }
            try {
                EnvelopeCodec.decode(in);
            } catch (ParleyException expected) {
                // fine
            }
            if (i % 20 == 0) {
                assertThatThrownBy(() -> SealedSender.open(b, in)).isInstanceOf(ParleyException.class);
            }
        }
        assertThat(PlaintextCodec.decode(good)).isNotNull();
    }

    @Test
    void messageIdsAreRandomAndSequencesTrackDuplicatesAndGaps() {
        Set<MessageId> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) ids.add(MessageId.random(random));
        assertThat(ids).hasSize(1000);
        ReceivedSequences s = new ReceivedSequences();
        assertThat(s.accept(0)).isEqualTo(ReceivedSequences.Outcome.NEW);
        assertThat(s.accept(3)).isEqualTo(ReceivedSequences.Outcome.NEW);
        assertThat(s.missingInWindow()).isEqualTo(2);
        assertThat(s.accept(3)).isEqualTo(ReceivedSequences.Outcome.DUPLICATE);
        assertThat(s.accept(1)).isEqualTo(ReceivedSequences.Outcome.NEW);
        assertThat(s.accept(1)).isEqualTo(ReceivedSequences.Outcome.DUPLICATE);
        assertThat(s.missingInWindow()).isEqualTo(1);
        assertThat(s.accept(5000)).isEqualTo(ReceivedSequences.Outcome.NEW);
        assertThat(s.accept(2)).isEqualTo(ReceivedSequences.Outcome.TOO_OLD);
        assertThat(s.accept(4999)).isEqualTo(ReceivedSequences.Outcome.NEW);
        assertThat(s.highest()).isEqualTo(5000);
    }
}
