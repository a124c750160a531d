package org.parley.delivery.handshake;

import org.parley.delivery.crypto.MlKem;
import org.parley.delivery.crypto.X25519KeyPair;
import org.parley.delivery.identity.IdentityKeyPair;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Prekeys in memory: generates signed prekeys and one-time prekeys and hands out bundles.
 * Not thread-safe.
 */
public final class InMemoryPreKeyStore implements PreKeyStore {
    private final IdentityKeyPair identity;
    private final SecureRandom random;
    private final Map<Long, X25519KeyPair> signed = new HashMap<>();
    private final Map<Long, MlKem.KeyPair> kem = new HashMap<>();
    private final Map<Long, X25519KeyPair> oneTime = new HashMap<>();
    private final Map<Long, PreKeyBundle.SignedPreKey> signedPublic = new HashMap<>();
    private final Map<Long, PreKeyBundle.KemPreKey> kemPublic = new HashMap<>();
    private long nextId = 1;
    private long currentSigned = -1;
    private long currentKem = -1;

    public InMemoryPreKeyStore(IdentityKeyPair identity, SecureRandom random) {
        this.identity = identity;
        this.random = random;
        rotateSignedPreKeys();
    }

    /** New signed X25519 and ML-KEM prekeys become current; old ones stay usable for late initiators. */
    public void rotateSignedPreKeys() {
        X25519KeyPair spk = X25519KeyPair.generate(random);
        long sid = nextId++;
        PreKeyBundle.SignedPreKey spkPub = new PreKeyBundle.SignedPreKey(sid, spk.publicKey(),
                identity.sign(PreKeyBundle.SignedPreKey.signedBytes(sid, spk.publicKey())));
        signed.put(sid, spk);
        signedPublic.put(sid, spkPub);
        currentSigned = sid;
        MlKem.KeyPair kp = MlKem.generate(random);
        long kid = nextId++;
        PreKeyBundle.KemPreKey kemPub = new PreKeyBundle.KemPreKey(kid, kp.publicKey(),
                identity.sign(PreKeyBundle.KemPreKey.signedBytes(kid, kp.publicKey())));
        kem.put(kid, kp);
        kemPublic.put(kid, kemPub);
        currentKem = kid;
    }

    /** A fresh one-time prekey's public half; its private half stays here until used. */
    public PreKeyBundle.OneTimePreKey newOneTimePreKey() {
        X25519KeyPair opk = X25519KeyPair.generate(random);
        long id = nextId++;
        oneTime.put(id, opk);
        return new PreKeyBundle.OneTimePreKey(id, opk.publicKey());
    }

    /** The current bundle, with a fresh one-time prekey if {@code withOneTime}. */
    public PreKeyBundle bundle(boolean withOneTime) {
        return new PreKeyBundle(identity.publicKey(), signedPublic.get(currentSigned), kemPublic.get(currentKem),
                withOneTime ? Optional.of(newOneTimePreKey()) : Optional.empty());
    }

    public int oneTimePreKeyCount() {
        return oneTime.size();
    }

    @Override
    public Optional<X25519KeyPair> signedPreKey(long id) {
        return Optional.ofNullable(signed.get(id));
    }

    @Override
    public Optional<MlKem.KeyPair> kemPreKey(long id) {
        return Optional.ofNullable(kem.get(id));
    }

    @Override
    public Optional<X25519KeyPair> takeOneTimePreKey(long id) {
        return Optional.ofNullable(oneTime.remove(id));
    }
}
