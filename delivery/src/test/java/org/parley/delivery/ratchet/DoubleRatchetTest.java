package org.parley.delivery.ratchet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.delivery.ratchet.TestSessions.text;
import static org.parley.delivery.ratchet.TestSessions.utf8;

class DoubleRatchetTest {

    static Stream<RatchetParams> params() {
        return Stream.of(RatchetParams.PARLEY, RatchetParams.PARLEY.withHeaderEncryption(false),
                RatchetParams.LIBSIGNAL, RatchetParams.LIBSIGNAL.withHeaderEncryption(true));
    }

    private static void assertKind(Runnable r, ParleyException.Kind kind) {
        assertThatThrownBy(r::run).isInstanceOf(ParleyException.class)
                .satisfies(e -> assertThat(((ParleyException) e).kind()).isEqualTo(kind));
    }

    private static void assertRejected(Runnable r) {
        assertThatThrownBy(r::run).isInstanceOf(ParleyException.class);
    }

    @ParameterizedTest
    @MethodSource("params")
    void bothSidesDeriveTheSameKeys(RatchetParams p) {
        TestSessions t = new TestSessions(p, 1);
        t.handshake("hello bob");
        // After Bob's DH-ratchet step on Alice's first message his receiving chain follows her sending chain.
        assertThat(t.bob.receivingChainKey()).isNotEqualTo(Bytes.EMPTY);
        assertThat(t.alice.receivingCounter()).isZero();
        Bytes fromBob = t.cipher.encrypt(t.bob, utf8("hi alice"));
        assertThat(text(t.cipher.decrypt(t.alice, fromBob))).isEqualTo("hi alice");
        // Bob's sending chain (from his new ratchet key) is Alice's receiving chain, in step.
        assertThat(t.alice.receivingChainKey()).isEqualTo(t.bob.sendingChainKey());
        Bytes a2 = t.cipher.encrypt(t.alice, utf8("second"));
        assertThat(text(t.cipher.decrypt(t.bob, a2))).isEqualTo("second");
        // Alice's new sending chain is Bob's receiving chain, in step.
        assertThat(t.alice.sendingChainKey()).isEqualTo(t.bob.receivingChainKey());
        assertThat(t.alice.sendingCounter()).isEqualTo(t.bob.receivingCounter());
        assertThat(t.alice.hasPendingPreKey()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("params")
    void longConversationWithTurns(RatchetParams p) {
        TestSessions t = new TestSessions(p, 2);
        t.handshake("start");
        for (int turn = 0; turn < 30; turn++) {
            SessionState from = turn % 2 == 0 ? t.bob : t.alice;
            SessionState to = turn % 2 == 0 ? t.alice : t.bob;
            for (int i = 0; i < 1 + turn % 4; i++) {
                String m = "turn " + turn + " msg " + i;
                assertThat(text(t.cipher.decrypt(to, t.cipher.encrypt(from, utf8(m))))).isEqualTo(m);
            }
        }
        assertThat(t.alice.skippedKeyCount()).isZero();
        assertThat(t.bob.skippedKeyCount()).isZero();
    }

    @ParameterizedTest
    @MethodSource("params")
    void responderCanSendBeforeHearingAnything(RatchetParams p) {
        TestSessions t = new TestSessions(p, 3);
        t.handshake("first");
        Bytes b1 = t.cipher.encrypt(t.bob, utf8("b1"));
        Bytes b2 = t.cipher.encrypt(t.bob, utf8("b2"));
        assertThat(text(t.cipher.decrypt(t.alice, b2))).isEqualTo("b2");
        assertThat(text(t.cipher.decrypt(t.alice, b1))).isEqualTo("b1");
    }

    @ParameterizedTest
    @MethodSource("params")
    void responderInitialChainMessagesArriveAfterHisNextChain(RatchetParams p) {
        TestSessions t = new TestSessions(p, 13);
        t.handshake("first");
        Bytes b1 = t.cipher.encrypt(t.bob, utf8("b1")); // on the handshake chain (keyed to his signed prekey)
        Bytes b2 = t.cipher.encrypt(t.bob, utf8("b2"));
        Bytes a2 = t.cipher.encrypt(t.alice, utf8("a2"));
        assertThat(text(t.cipher.decrypt(t.bob, a2))).isEqualTo("a2");
        Bytes b3 = t.cipher.encrypt(t.bob, utf8("b3")); // new chain: header says PN = 2
        assertThat(text(t.cipher.decrypt(t.alice, b3))).isEqualTo("b3");
        assertThat(t.alice.skippedKeyCount()).isEqualTo(2);
        assertThat(text(t.cipher.decrypt(t.alice, b2))).isEqualTo("b2");
        assertThat(text(t.cipher.decrypt(t.alice, b1))).isEqualTo("b1");
        assertThat(t.alice.skippedKeyCount()).isZero();
        assertThatThrownBy(() -> t.cipher.decrypt(t.alice, b1)).isInstanceOf(ParleyException.class);
    }

    @ParameterizedTest
    @MethodSource("params")
    void outOfOrderAndLostMessagesAcrossRatchetSteps(RatchetParams p) {
        TestSessions t = new TestSessions(p, 4);
        t.handshake("first");
        List<Bytes> chain1 = new ArrayList<>();
        for (int i = 0; i < 5; i++) chain1.add(t.cipher.encrypt(t.alice, utf8("a1-" + i)));
        // Bob gets only a1-1, then answers: Alice ratchets, and a new chain starts.
        assertThat(text(t.cipher.decrypt(t.bob, chain1.get(1)))).isEqualTo("a1-1");
        assertThat(text(t.cipher.decrypt(t.alice, t.cipher.encrypt(t.bob, utf8("reply"))))).isEqualTo("reply");
        List<Bytes> chain2 = new ArrayList<>();
        for (int i = 0; i < 3; i++) chain2.add(t.cipher.encrypt(t.alice, utf8("a2-" + i)));
        // New chain, late: a2-2 first (skips a2-0, a2-1 and the rest of chain 1).
        assertThat(text(t.cipher.decrypt(t.bob, chain2.get(2)))).isEqualTo("a2-2");
        assertThat(text(t.cipher.decrypt(t.bob, chain1.get(4)))).isEqualTo("a1-4");
        assertThat(text(t.cipher.decrypt(t.bob, chain2.get(0)))).isEqualTo("a2-0");
        assertThat(text(t.cipher.decrypt(t.bob, chain1.get(0)))).isEqualTo("a1-0");
        // a1-2, a1-3, a2-1 are lost: their keys wait, nothing else is blocked.
        assertThat(t.bob.skippedKeyCount()).isEqualTo(3);
        assertThat(text(t.cipher.decrypt(t.alice, t.cipher.encrypt(t.bob, utf8("still fine"))))).isEqualTo("still fine");
        assertThat(text(t.cipher.decrypt(t.bob, chain1.get(3)))).isEqualTo("a1-3");
        assertThat(t.bob.skippedKeyCount()).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource("params")
    void gapInTheCurrentChainDoesNotBlockLaterMessagesOfThatChain(RatchetParams p) {
        TestSessions t = new TestSessions(p, 12);
        t.handshake("first");
        List<Bytes> m = new ArrayList<>();
        for (int i = 0; i < 6; i++) m.add(t.cipher.encrypt(t.alice, utf8("m" + i)));
        assertThat(text(t.cipher.decrypt(t.bob, m.get(2)))).isEqualTo("m2"); // m0, m1 skipped
        assertThat(text(t.cipher.decrypt(t.bob, m.get(3)))).isEqualTo("m3");
        assertThat(text(t.cipher.decrypt(t.bob, m.get(5)))).isEqualTo("m5"); // m4 skipped
        assertThat(t.bob.skippedKeyCount()).isEqualTo(3);
        assertThat(text(t.cipher.decrypt(t.bob, m.get(4)))).isEqualTo("m4");
        assertThat(text(t.cipher.decrypt(t.bob, m.get(0)))).isEqualTo("m0");
        assertThat(t.bob.skippedKeyCount()).isEqualTo(1);
        assertThatThrownBy(() -> t.cipher.decrypt(t.bob, m.get(3))).isInstanceOf(ParleyException.class);
    }

    @ParameterizedTest
    @MethodSource("params")
    void replayIsRejectedAndLeavesStateUsable(RatchetParams p) {
        TestSessions t = new TestSessions(p, 5);
        t.handshake("first");
        Bytes m0 = t.cipher.encrypt(t.alice, utf8("m0"));
        Bytes m1 = t.cipher.encrypt(t.alice, utf8("m1"));
        Bytes m2 = t.cipher.encrypt(t.alice, utf8("m2"));
        t.cipher.decrypt(t.bob, m0);
        assertKind(() -> t.cipher.decrypt(t.bob, m0), ParleyException.Kind.PROTOCOL_VIOLATION);
        t.cipher.decrypt(t.bob, m2); // skips m1
        assertKind(() -> t.cipher.decrypt(t.bob, m2), ParleyException.Kind.PROTOCOL_VIOLATION);
        assertThat(text(t.cipher.decrypt(t.bob, m1))).isEqualTo("m1");
        assertKind(() -> t.cipher.decrypt(t.bob, m1), ParleyException.Kind.PROTOCOL_VIOLATION);
        // A message from an old chain after a ratchet step is a replay too.
        t.cipher.decrypt(t.alice, t.cipher.encrypt(t.bob, utf8("reply")));
        Bytes n0 = t.cipher.encrypt(t.alice, utf8("n0"));
        t.cipher.decrypt(t.bob, n0);
        assertRejected(() -> t.cipher.decrypt(t.bob, m0));
        assertRejected(() -> t.cipher.decrypt(t.bob, n0));
        assertThat(text(t.cipher.decrypt(t.bob, t.cipher.encrypt(t.alice, utf8("n1"))))).isEqualTo("n1");
    }

    @ParameterizedTest
    @MethodSource("params")
    void tamperedHeaderOrBodyIsRejectedWithoutHarm(RatchetParams p) {
        TestSessions t = new TestSessions(p, 6);
        t.handshake("first");
        t.cipher.decrypt(t.alice, t.cipher.encrypt(t.bob, utf8("reply")));
        Bytes m = t.cipher.encrypt(t.alice, utf8("the message"));
        byte[] raw = m.toArray();
        String before = SessionStateCodec.encode(t.bob).hex();
        for (int i = 1; i < raw.length; i++) { // every byte after the session-message type
            byte[] bad = raw.clone();
            bad[i] ^= 0x01;
            assertRejected(() -> t.cipher.decrypt(t.bob, Bytes.wrap(bad)));
        }
        assertRejected(() -> t.cipher.decrypt(t.bob, m.slice(0, m.length() - 1)));
        assertThat(SessionStateCodec.encode(t.bob).hex()).isEqualTo(before);
        assertThat(text(t.cipher.decrypt(t.bob, m))).isEqualTo("the message");
    }

    @ParameterizedTest
    @MethodSource("params")
    void forwardSecrecyCapturedStateCannotReadEarlierMessages(RatchetParams p) {
        TestSessions t = new TestSessions(p, 7);
        t.handshake("first");
        List<Bytes> sent = new ArrayList<>();
        for (int turn = 0; turn < 6; turn++) {
            Bytes m = t.cipher.encrypt(t.alice, utf8("alice " + turn));
            sent.add(m);
            t.cipher.decrypt(t.bob, m);
            Bytes m2 = t.cipher.encrypt(t.alice, utf8("alice again " + turn));
            sent.add(m2);
            t.cipher.decrypt(t.bob, m2);
            t.cipher.decrypt(t.alice, t.cipher.encrypt(t.bob, utf8("bob " + turn)));
        }
        // An attacker takes Bob's whole state now (after message n) ...
        SessionState captured = SessionStateCodec.decode(SessionStateCodec.encode(t.bob));
        // ... and holds every earlier ciphertext: none decrypts.
        for (Bytes old : sent) {
            assertRejected(() -> t.cipher.decrypt(captured, old));
        }
        // The captured copy still works forwards (it is a real state), which proves the test can succeed.
        Bytes next = t.cipher.encrypt(t.alice, utf8("next"));
        assertThat(text(t.cipher.decrypt(captured, next))).isEqualTo("next");
    }

    @ParameterizedTest
    @MethodSource("params")
    void skippingMoreThanMaxSkipIsAnErrorNotGrowth(RatchetParams base) {
        RatchetParams p = base.withMaxSkip(10, 15);
        TestSessions t = new TestSessions(p, 8);
        t.handshake("first");
        List<Bytes> msgs = new ArrayList<>();
        for (int i = 0; i < 12; i++) msgs.add(t.cipher.encrypt(t.alice, utf8("m" + i)));
        assertKind(() -> t.cipher.decrypt(t.bob, msgs.get(11)), ParleyException.Kind.RESOURCE_LIMIT);
        assertThat(t.bob.skippedKeyCount()).isZero();
        assertThat(text(t.cipher.decrypt(t.bob, msgs.get(10)))).isEqualTo("m10"); // skips exactly 10
        assertThat(t.bob.skippedKeyCount()).isEqualTo(10);
        // Stored skipped keys are capped: a new chain that skips 10 more drops the oldest.
        t.cipher.decrypt(t.alice, t.cipher.encrypt(t.bob, utf8("reply")));
        List<Bytes> more = new ArrayList<>();
        for (int i = 0; i < 11; i++) more.add(t.cipher.encrypt(t.alice, utf8("n" + i)));
        assertThat(text(t.cipher.decrypt(t.bob, more.get(10)))).isEqualTo("n10");
        assertThat(t.bob.skippedKeyCount()).isEqualTo(15);
        assertRejected(() -> t.cipher.decrypt(t.bob, msgs.get(0))); // dropped as oldest
        assertThat(text(t.cipher.decrypt(t.bob, msgs.get(9)))).isEqualTo("m9");
        assertThat(text(t.cipher.decrypt(t.bob, more.get(0)))).isEqualTo("n0");
    }

    /**
     * Two users writing at once turn the ratchet several times a second, and delayed messages leave
     * a gap in most chains; a message retried a few seconds later must still find its key (with
     * 16 kept chains it did not, and was recovered only by a resend a receipt timeout later).
     */
    @ParameterizedTest
    @MethodSource("params")
    void aMessageLateAcrossAHundredRatchetTurnsWithGapsStillDecrypts(RatchetParams p) {
        TestSessions t = new TestSessions(p, 15);
        t.handshake("first");
        Bytes late = t.cipher.encrypt(t.alice, utf8("late"));
        for (int turn = 0; turn < 100; turn++) {
            t.cipher.encrypt(t.alice, utf8("delayed " + turn)); // never arrives: a gap in each chain
            t.cipher.decrypt(t.bob, t.cipher.encrypt(t.alice, utf8("seen " + turn)));
            t.cipher.decrypt(t.alice, t.cipher.encrypt(t.bob, utf8("reply " + turn)));
        }
        assertThat(text(t.cipher.decrypt(t.bob, late))).isEqualTo("late");
        assertRejected(() -> t.cipher.decrypt(t.bob, late)); // once only
    }

    @ParameterizedTest
    @MethodSource("params")
    void skippedKeysAreKeptForABoundedNumberOfChains(RatchetParams p) {
        TestSessions t = new TestSessions(p, 14);
        t.handshake("first");
        List<Bytes> lost = new ArrayList<>();
        for (int chain = 0; chain < SessionState.MAX_SKIPPED_CHAINS + 3; chain++) {
            lost.add(t.cipher.encrypt(t.alice, utf8("lost " + chain)));
            t.cipher.decrypt(t.bob, t.cipher.encrypt(t.alice, utf8("seen " + chain)));
            t.cipher.decrypt(t.alice, t.cipher.encrypt(t.bob, utf8("reply " + chain)));
        }
        assertThat(t.bob.skippedKeyCount()).isEqualTo(SessionState.MAX_SKIPPED_CHAINS);
        for (int i = 0; i < 3; i++) {
            int chain = i;
            assertThatThrownBy(() -> t.cipher.decrypt(t.bob, lost.get(chain))).isInstanceOf(ParleyException.class);
        }
        for (int chain = 3; chain < lost.size(); chain++) {
            assertThat(text(t.cipher.decrypt(t.bob, lost.get(chain)))).isEqualTo("lost " + chain);
        }
        assertThat(t.bob.skippedKeyCount()).isZero();
    }

    @ParameterizedTest
    @MethodSource("params")
    void stateSurvivesSerializationRoundTrip(RatchetParams p) {
        TestSessions t = new TestSessions(p, 9);
        List<Bytes> early = new ArrayList<>();
        for (int i = 0; i < 3; i++) early.add(t.cipher.encrypt(t.alice, utf8("e" + i)));
        SessionState alice2 = SessionStateCodec.decode(SessionStateCodec.encode(t.alice));
        assertThat(alice2.hasPendingPreKey()).isTrue();
        assertThat(SessionStateCodec.encode(alice2)).isEqualTo(SessionStateCodec.encode(t.alice));
        Bytes first = t.cipher.encrypt(alice2, utf8("after reload"));
        var acc = org.parley.delivery.handshake.SessionBuilder.accept(t.bobId, t.bobStore, first, p, t.cipher);
        assertThat(text(acc.plaintext().toArray())).isEqualTo("after reload");
        SessionState bob2 = SessionStateCodec.decode(SessionStateCodec.encode(acc.state()));
        assertThat(bob2.skippedKeyCount()).isEqualTo(3);
        assertThat(text(t.cipher.decrypt(bob2, early.get(1)))).isEqualTo("e1");
        Bytes reply = t.cipher.encrypt(bob2, utf8("reply"));
        assertThat(text(t.cipher.decrypt(alice2, reply))).isEqualTo("reply");
        assertThat(alice2.remoteIdentityKey()).isEqualTo(t.bobId.publicKey().encode());
    }

    @Test
    void damagedStateBytesAreMalformed() {
        TestSessions t = new TestSessions(RatchetParams.PARLEY, 10);
        byte[] enc = SessionStateCodec.encode(t.alice).toArray();
        for (int cut = 0; cut < enc.length; cut += 7) {
            Bytes part = Bytes.of(enc, 0, cut);
            assertKind(() -> SessionStateCodec.decode(part), ParleyException.Kind.MALFORMED_INPUT);
        }
        byte[] wrongVersion = enc.clone();
        wrongVersion[3] = 9;
        assertKind(() -> SessionStateCodec.decode(Bytes.wrap(wrongVersion)), ParleyException.Kind.MALFORMED_INPUT);
        assertKind(() -> SessionStateCodec.decode(Bytes.concat(Bytes.wrap(enc), Bytes.of(new byte[]{0}))),
                ParleyException.Kind.MALFORMED_INPUT);
        // Random single-byte damage: either still a state, or a ParleyException, never anything else.
        java.util.Random r = new java.util.Random(3);
        int rejected = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] bad = enc.clone();
            bad[r.nextInt(bad.length)] ^= (byte) (1 + r.nextInt(255));
            try {
                SessionStateCodec.decode(Bytes.wrap(bad));
            } catch (ParleyException e) {
                rejected++;
            }
        }
        assertThat(rejected).isPositive();
    }

    @Test
    void garbageMessagesGiveParleyExceptions() {
        TestSessions t = new TestSessions(RatchetParams.PARLEY, 11);
        t.handshake("first");
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 500; i++) {
            byte[] junk = new byte[r.nextInt(200)];
            r.nextBytes(junk);
            if (junk.length > 0 && r.nextBoolean()) junk[0] = (byte) (1 + r.nextInt(2));
            if (junk.length > 1 && r.nextBoolean()) junk[1] = (byte) (1 + r.nextInt(2));
            assertRejected(() -> t.cipher.decrypt(t.bob, Bytes.wrap(junk)));
        }
        assertThat(text(t.cipher.decrypt(t.bob, t.cipher.encrypt(t.alice, utf8("ok"))))).isEqualTo("ok");
    }
}
