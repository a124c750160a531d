package org.parley.delivery.handshake;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionCipher;
import org.parley.delivery.ratchet.SessionMessage;
import org.parley.delivery.ratchet.SessionMessageCodec;
import org.parley.delivery.ratchet.SessionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The responder's entry point for a first message: parses a PreKey session message, runs
 * {@link Pqxdh#respond} and decrypts the first ciphertext. A named one-time prekey is taken
 * from the store before the ciphertext is checked; a durable store should commit that removal
 * together with the returned state (and roll it back if this throws).
 */
public final class SessionBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(SessionBuilder.class);

    private SessionBuilder() {
    }

    /** A session born from a first message, with that message's plaintext. */
    public record Accepted(SessionState state, IdentityKey remoteIdentity, Bytes plaintext) {
    }

    public static boolean isPreKeyMessage(Bytes sessionMessage) {
        return !sessionMessage.isEmpty() && (sessionMessage.get(0) & 0xFF) == SessionMessageCodec.TYPE_PREKEY;
    }

    /**
     * The base key (the initiator's ephemeral handshake key) of a PreKey message: the same for every
     * first message of one session, so a responder that already made a session from it knows a
     * repeated one (a relay's redelivery, a replay) and must not make a second session (Signal's
     * session builder skips a PreKey message whose base key it has seen for the same reason).
     */
    public static Bytes baseKey(Bytes sessionMessage) {
        SessionMessage m = SessionMessageCodec.decode(sessionMessage);
        if (!(m instanceof SessionMessage.PreKey pre)) throw ParleyException.protocol("not a PreKey message");
        return InitialMessage.decode(pre.handshake()).ephemeralKey();
    }

    public static Accepted accept(IdentityKeyPair ours, PreKeyStore store, Bytes sessionMessage, RatchetParams params,
                                  SessionCipher cipher) {
        SessionMessage m = SessionMessageCodec.decode(sessionMessage);
        if (!(m instanceof SessionMessage.PreKey pre)) {
            throw ParleyException.protocol("no session for this sender and the message is not a PreKey message");
        }
        InitialMessage init = InitialMessage.decode(pre.handshake());
        SessionState state = Pqxdh.respond(ours, store, init, params);
        byte[] pt = cipher.decryptRatchet(state, pre.ratchetMessage());
        LOG.debug("accepted a PQXDH session (signed prekey {}, ML-KEM prekey {}, one-time prekey {})",
                init.signedPreKeyId(), init.kemPreKeyId(), init.oneTimePreKeyId().isPresent());
        return new Accepted(state, init.identity(), Bytes.wrap(pt));
    }
}
