package org.parley.delivery.handshake;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.MlKem;
import org.parley.delivery.crypto.X25519KeyPair;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.KdfProfile;
import org.parley.delivery.ratchet.KeySchedule;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionState;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * PQXDH (signal.org PQXDH spec, revision 3) with X25519 and ML-KEM-768:
 * {@code SK = KDF(F | DH1 | DH2 | DH3 [| DH4] | SS)}, {@code AD = Encode(IK_A) | Encode(IK_B)},
 * where Encode(IK) = {@code type byte | X25519 key | Ed25519 key} (the X25519 key is bound to the
 * Ed25519 key by signature, checked before use). The session then runs the Double Ratchet:
 * the initiator's state carries the encoded {@link InitialMessage} until the peer answers.
 */
public final class Pqxdh {
    private Pqxdh() {
    }

    /** Alice: validates Bob's bundle and starts a session. Encrypt with {@link org.parley.delivery.ratchet.SessionCipher}. */
    public static SessionState initiate(IdentityKeyPair ours, PreKeyBundle theirs, RatchetParams params,
                                        SecureRandom random) {
        theirs.validate();
        X25519KeyPair ek = X25519KeyPair.generate(random);
        Bytes opk = theirs.oneTimePreKey().map(PreKeyBundle.OneTimePreKey::publicKey).orElse(null);
        byte[] dh = X3dh.initiatorKeyMaterial(ours.dhKeyPair().privateKey(), ek.privateKey(),
                theirs.identity().dhKey(), theirs.signedPreKey().publicKey(), opk);
        MlKem.Encapsulation enc = MlKem.encapsulate(theirs.kemPreKey().publicKey(), random);
        KeySchedule.HandshakeSecrets secrets = secrets(params, dh, enc.sharedSecret().toArray());
        SessionState state = SessionState.initiator(params, secrets, theirs.signedPreKey().publicKey(),
                associatedData(params.profile(), ours.publicKey(), theirs.identity()), theirs.identity().encode(), random);
        InitialMessage init = new InitialMessage(ours.publicKey(), ek.publicKey(), theirs.signedPreKey().id(),
                theirs.kemPreKey().id(), enc.ciphertext(),
                theirs.oneTimePreKey().stream().mapToLong(PreKeyBundle.OneTimePreKey::id).findFirst());
        state.setPendingPreKey(init.encode());
        return state;
    }

    /**
     * Bob: builds his side from Alice's initial message. Consumes the one-time prekey it names.
     * Throws NOT_FOUND when a named prekey is unknown, PROTOCOL_VIOLATION on a bad identity binding.
     */
    public static SessionState respond(IdentityKeyPair ours, PreKeyStore store, InitialMessage msg,
                                       RatchetParams params) {
        msg.identity().validate();
        X25519KeyPair spk = store.signedPreKey(msg.signedPreKeyId()).orElseThrow(() ->
                new ParleyException(ParleyException.Kind.NOT_FOUND, "unknown signed prekey " + msg.signedPreKeyId()));
        MlKem.KeyPair kem = store.kemPreKey(msg.kemPreKeyId()).orElseThrow(() ->
                new ParleyException(ParleyException.Kind.NOT_FOUND, "unknown ML-KEM prekey " + msg.kemPreKeyId()));
        Bytes opkPriv = null;
        if (msg.oneTimePreKeyId().isPresent()) {
            long id = msg.oneTimePreKeyId().getAsLong();
            opkPriv = store.takeOneTimePreKey(id).orElseThrow(() ->
                    new ParleyException(ParleyException.Kind.NOT_FOUND, "unknown or used one-time prekey " + id))
                    .privateKey();
        }
        byte[] dh = X3dh.responderKeyMaterial(ours.dhKeyPair().privateKey(), spk.privateKey(), opkPriv,
                msg.identity().dhKey(), msg.ephemeralKey());
        byte[] ss = kem.decapsulate(msg.kemCiphertext());
        KeySchedule.HandshakeSecrets secrets = secrets(params, dh, ss);
        return SessionState.responder(params, secrets, spk,
                associatedData(params.profile(), msg.identity(), ours.publicKey()), msg.identity().encode());
    }

    private static KeySchedule.HandshakeSecrets secrets(RatchetParams params, byte[] dh, byte[] ss) {
        byte[] km = Arrays.copyOf(dh, dh.length + ss.length);
        System.arraycopy(ss, 0, km, dh.length, ss.length);
        Arrays.fill(dh, (byte) 0);
        Arrays.fill(ss, (byte) 0);
        try {
            return KeySchedule.handshake(params.profile(), km, params.headerEncryption());
        } finally {
            Arrays.fill(km, (byte) 0);
        }
    }

    /** AD = Encode(IK_A) | Encode(IK_B), initiator first. */
    public static Bytes associatedData(KdfProfile p, IdentityKey initiator, IdentityKey responder) {
        return Bytes.concat(p.encodeDhKey(initiator.dhKey()), initiator.signingKey(),
                p.encodeDhKey(responder.dhKey()), responder.signingKey());
    }
}
