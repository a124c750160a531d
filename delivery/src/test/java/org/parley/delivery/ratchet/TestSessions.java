package org.parley.delivery.ratchet;

import org.parley.core.Bytes;
import org.parley.delivery.handshake.InMemoryPreKeyStore;
import org.parley.delivery.handshake.Pqxdh;
import org.parley.delivery.handshake.SessionBuilder;
import org.parley.delivery.identity.IdentityKeyPair;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/** Builds an Alice/Bob session pair through PQXDH with a seeded random source. */
public final class TestSessions {
    public final SecureRandom random;
    public final SessionCipher cipher;
    public final IdentityKeyPair aliceId;
    public final IdentityKeyPair bobId;
    public final InMemoryPreKeyStore bobStore;
    public final SessionState alice;
    public SessionState bob;

    public TestSessions(RatchetParams params, long seed) {
        random = seeded(seed);
        cipher = new SessionCipher(random);
        aliceId = IdentityKeyPair.generate(random);
        bobId = IdentityKeyPair.generate(random);
        bobStore = new InMemoryPreKeyStore(bobId, random);
        alice = Pqxdh.initiate(aliceId, bobStore.bundle(true), params, random);
    }

    /** Alice's first message, accepted by Bob (creating his state). */
    public void handshake(String firstText) {
        Bytes first = cipher.encrypt(alice, utf8(firstText));
        SessionBuilder.Accepted acc = SessionBuilder.accept(bobId, bobStore, first, alice.params(), cipher);
        bob = acc.state();
        if (!acc.plaintext().equals(Bytes.wrap(utf8(firstText)))) throw new AssertionError("first message differs");
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    public static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
