package org.parley.delivery.envelope;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.handshake.PreKeyStore;
import org.parley.delivery.handshake.SessionBuilder;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionCipher;
import org.parley.delivery.ratchet.SessionState;

import java.security.SecureRandom;

/**
 * The whole outbound and inbound path of one message, minus transport and storage:
 * encode → pad → ratchet-encrypt → seal → envelope, and back (unseal → decrypt → unpad →
 * decode → validate). Stateless apart from its cipher and random source.
 */
public final class EnvelopeSealer {
    private final SessionCipher cipher;
    private final SecureRandom random;

    public EnvelopeSealer(SessionCipher cipher, SecureRandom random) {
        this.cipher = cipher;
        this.random = random;
    }

    /** Encrypts {@code plaintext} in {@code session} (advancing it) for the recipient's inbox. */
    public Envelope seal(SessionState session, IdentityKeyPair me, IdentityKey recipient, InboxId inbox,
                         Plaintext plaintext) {
        byte[] padded = Padding.pad(PlaintextCodec.encode(plaintext));
        Bytes sessionMessage = cipher.encrypt(session, padded);
        return new Envelope(inbox, SealedSender.seal(me, recipient, sessionMessage, random));
    }

    /** Opens the seal: the sender's identity (to find the session) and the session message. */
    public SealedSender.Unsealed unseal(IdentityKeyPair me, Envelope envelope) {
        return SealedSender.open(me, envelope.sealed());
    }

    /** Decrypts in an existing session whose peer must be the sealed sender. */
    public Plaintext open(SessionState session, SealedSender.Unsealed unsealed) {
        if (!session.remoteIdentityKey().equals(unsealed.sender().encode())) {
            throw ParleyException.protocol("sealed sender is not this session's peer");
        }
        return readPlaintext(cipher.decrypt(session, unsealed.content()));
    }

    /** First contact: builds the session from the PreKey message and decrypts its plaintext. */
    public Accepted accept(IdentityKeyPair me, PreKeyStore store, RatchetParams params, SealedSender.Unsealed unsealed) {
        SessionBuilder.Accepted acc = SessionBuilder.accept(me, store, unsealed.content(), params, cipher);
        if (!acc.remoteIdentity().equals(unsealed.sender())) {
            throw ParleyException.protocol("sealed sender differs from the handshake's identity");
        }
        return new Accepted(acc.state(), acc.remoteIdentity(), readPlaintext(acc.plaintext().toArray()));
    }

    /** A session created by a first message, and that message. */
    public record Accepted(SessionState state, IdentityKey remoteIdentity, Plaintext plaintext) {
    }

    public static Plaintext readPlaintext(byte[] padded) {
        return PlaintextValidator.validate(PlaintextCodec.decode(Padding.unpad(padded)));
    }
}
