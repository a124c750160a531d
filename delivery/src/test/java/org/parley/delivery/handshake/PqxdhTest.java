package org.parley.delivery.handshake;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionCipher;
import org.parley.delivery.ratchet.SessionMessage;
import org.parley.delivery.ratchet.SessionMessageCodec;
import org.parley.delivery.ratchet.SessionState;
import org.parley.delivery.ratchet.TestSessions;

import java.security.SecureRandom;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PqxdhTest {
    private final SecureRandom random = TestSessions.seeded(61);
    private final SessionCipher cipher = new SessionCipher(random);
    private final IdentityKeyPair alice = IdentityKeyPair.generate(random);
    private final IdentityKeyPair bob = IdentityKeyPair.generate(random);
    private final InMemoryPreKeyStore store = new InMemoryPreKeyStore(bob, random);

    private static void assertKind(Runnable r, ParleyException.Kind kind) {
        assertThatThrownBy(r::run).isInstanceOf(ParleyException.class)
                .satisfies(e -> assertThat(((ParleyException) e).kind()).isEqualTo(kind));
    }

    @Test
    void oneTimePreKeyIsUsedOnceAndLastResortWorksWithout() {
        PreKeyBundle withOpk = store.bundle(true);
        int before = store.oneTimePreKeyCount();
        SessionState a = Pqxdh.initiate(alice, withOpk, RatchetParams.PARLEY, random);
        Bytes first = cipher.encrypt(a, new byte[]{1});
        assertThat(SessionBuilder.accept(bob, store, first, RatchetParams.PARLEY, cipher).plaintext())
                .isEqualTo(Bytes.wrap(new byte[]{1}));
        assertThat(store.oneTimePreKeyCount()).isEqualTo(before - 1);
        // The same first message again: its one-time prekey is gone.
        assertKind(() -> SessionBuilder.accept(bob, store, first, RatchetParams.PARLEY, cipher), ParleyException.Kind.NOT_FOUND);
        SessionState b2 = Pqxdh.initiate(alice, store.bundle(false), RatchetParams.PARLEY, random);
        Bytes m = cipher.encrypt(b2, new byte[]{2});
        assertThat(SessionBuilder.accept(bob, store, m, RatchetParams.PARLEY, cipher).plaintext())
                .isEqualTo(Bytes.wrap(new byte[]{2}));
    }

    @Test
    void privatePreKeysSurviveTheirCodecAndStillDecapsulate() {
        org.parley.delivery.crypto.X25519KeyPair x = org.parley.delivery.crypto.X25519KeyPair.generate(random);
        assertThat(PreKeyCodec.decodeX25519(PreKeyCodec.encode(x))).isEqualTo(x);
        org.parley.delivery.crypto.MlKem.KeyPair k = org.parley.delivery.crypto.MlKem.generate(random);
        org.parley.delivery.crypto.MlKem.KeyPair k2 = PreKeyCodec.decodeMlKem(PreKeyCodec.encode(k));
        var enc = org.parley.delivery.crypto.MlKem.encapsulate(k2.publicKey(), random);
        assertThat(Bytes.wrap(k2.decapsulate(enc.ciphertext()))).isEqualTo(enc.sharedSecret());
        byte[] bad = PreKeyCodec.encode(x).toArray();
        bad[40] ^= 1; // public half no longer matches
        assertKind(() -> PreKeyCodec.decodeX25519(Bytes.wrap(bad)), ParleyException.Kind.MALFORMED_INPUT);
        assertKind(() -> PreKeyCodec.decodeMlKem(PreKeyCodec.encode(x)), ParleyException.Kind.MALFORMED_INPUT);
    }

    @Test
    void forgedBundlesAreRefusedBeforeAnyKeyIsUsed() {
        PreKeyBundle good = store.bundle(false);
        IdentityKeyPair mallory = IdentityKeyPair.generate(random);
        PreKeyBundle mal = new InMemoryPreKeyStore(mallory, random).bundle(false);
        PreKeyBundle swappedSpk = new PreKeyBundle(good.identity(), mal.signedPreKey(), good.kemPreKey(), Optional.empty());
        PreKeyBundle swappedKem = new PreKeyBundle(good.identity(), good.signedPreKey(), mal.kemPreKey(), Optional.empty());
        assertKind(() -> Pqxdh.initiate(alice, swappedSpk, RatchetParams.PARLEY, random), ParleyException.Kind.PROTOCOL_VIOLATION);
        assertKind(() -> Pqxdh.initiate(alice, swappedKem, RatchetParams.PARLEY, random), ParleyException.Kind.PROTOCOL_VIOLATION);
        assertThat(PreKeyBundle.decode(good.encode())).isEqualTo(good);
    }

    @Test
    void initialMessageWithTamperedHandshakeFails() {
        SessionState a = Pqxdh.initiate(alice, store.bundle(false), RatchetParams.PARLEY, random);
        SessionMessage.PreKey pre = (SessionMessage.PreKey) SessionMessageCodec.decode(cipher.encrypt(a, new byte[]{9}));
        InitialMessage init = InitialMessage.decode(pre.handshake());
        // Flip a byte of the KEM ciphertext: ML-KEM rejects implicitly, so the keys differ and the first message fails.
        byte[] ct = init.kemCiphertext().toArray();
        ct[0] ^= 1;
        InitialMessage bad = new InitialMessage(init.identity(), init.ephemeralKey(), init.signedPreKeyId(),
                init.kemPreKeyId(), Bytes.wrap(ct), init.oneTimePreKeyId());
        Bytes msg = SessionMessageCodec.encode(new SessionMessage.PreKey(bad.encode(), pre.ratchetMessage()));
        assertKind(() -> SessionBuilder.accept(bob, store, msg, RatchetParams.PARLEY, cipher), ParleyException.Kind.PROTOCOL_VIOLATION);
        // An impostor identity (Mallory's signing key, Alice's DH key) fails the binding check.
        IdentityKeyPair mallory = IdentityKeyPair.generate(random);
        InitialMessage imp = new InitialMessage(new org.parley.delivery.identity.IdentityKey(mallory.publicKey().signingKey(),
                init.identity().dhKey(), init.identity().binding()), init.ephemeralKey(), init.signedPreKeyId(),
                init.kemPreKeyId(), init.kemCiphertext(), init.oneTimePreKeyId());
        Bytes msg2 = SessionMessageCodec.encode(new SessionMessage.PreKey(imp.encode(), pre.ratchetMessage()));
        assertKind(() -> SessionBuilder.accept(bob, store, msg2, RatchetParams.PARLEY, cipher), ParleyException.Kind.PROTOCOL_VIOLATION);
        // The untouched message still works.
        Bytes ok = SessionMessageCodec.encode(pre);
        assertThat(SessionBuilder.accept(bob, store, ok, RatchetParams.PARLEY, cipher).plaintext()).isEqualTo(Bytes.wrap(new byte[]{9}));
    }
}
