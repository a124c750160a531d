package org.parley.delivery.handshake;

import org.parley.delivery.crypto.MlKem;
import org.parley.delivery.crypto.X25519KeyPair;

import java.util.Optional;

/**
 * The responder's private prekeys, by id. The storage layer implements it durably;
 * {@link InMemoryPreKeyStore} is the reference and test implementation.
 */
public interface PreKeyStore {
    Optional<X25519KeyPair> signedPreKey(long id);

    Optional<MlKem.KeyPair> kemPreKey(long id);

    /** Returns and deletes a one-time prekey: each is used at most once. */
    Optional<X25519KeyPair> takeOneTimePreKey(long id);
}
