package org.parley.delivery.crypto;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.generators.MLKEMKeyPairGenerator;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMKeyGenerationParameters;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.security.SecureRandom;

/** ML-KEM-768 (FIPS 203) through Bouncy Castle 1.87's low-level classes. */
public final class MlKem {
    public static final int PUBLIC_KEY_SIZE = 1184;
    public static final int CIPHERTEXT_SIZE = 1088;
    public static final int SHARED_SECRET_SIZE = 32;
    /** Private keys are stored as the 64-byte seed (d || z). */
    public static final int PRIVATE_SEED_SIZE = 64;
    private static final MLKEMParameters PARAMS = MLKEMParameters.ml_kem_768;

    private MlKem() {
    }

    /**
     * An ML-KEM-768 key pair: the private key as its 64-byte seed, the public key encoded. The
     * expanded private key is computed on first decapsulation and kept (expansion costs about as
     * much as a decapsulation). Not a record: it caches, and its seed is secret.
     */
    public static final class KeyPair {
        private final Bytes privateSeed;
        private final Bytes publicKey;
        private volatile MLKEMPrivateKeyParameters expanded;

        public KeyPair(Bytes privateSeed, Bytes publicKey) {
            if (privateSeed.length() != PRIVATE_SEED_SIZE || publicKey.length() != PUBLIC_KEY_SIZE) {
                throw ParleyException.malformed("ML-KEM-768 key pair has wrong sizes");
            }
            this.privateSeed = privateSeed;
            this.publicKey = publicKey;
        }

        public Bytes privateSeed() {
            return privateSeed;
        }

        public Bytes publicKey() {
            return publicKey;
        }

        /** The shared secret for {@code ciphertext} (implicit rejection: a wrong ciphertext gives a random-looking secret). */
        public byte[] decapsulate(Bytes ciphertext) {
            if (ciphertext.length() != CIPHERTEXT_SIZE) {
                throw ParleyException.malformed("ML-KEM-768 ciphertext must be " + CIPHERTEXT_SIZE + " bytes");
            }
            MLKEMPrivateKeyParameters k = expanded;
            if (k == null) {
                k = privateKey(privateSeed);
                expanded = k;
            }
            return new MLKEMExtractor(k).extractSecret(ciphertext.toArray());
        }

        @Override
        public String toString() {
            return "MlKem.KeyPair[public " + publicKey.slice(0, 4).hex() + "…]";
        }
    }

    /** The result of encapsulating: send {@code ciphertext}, keep {@code sharedSecret}. */
    public record Encapsulation(Bytes ciphertext, Bytes sharedSecret) {
    }

    public static KeyPair generate(SecureRandom random) {
        MLKEMKeyPairGenerator gen = new MLKEMKeyPairGenerator();
        gen.init(new MLKEMKeyGenerationParameters(random, PARAMS));
        AsymmetricCipherKeyPair kp = gen.generateKeyPair();
        MLKEMPrivateKeyParameters priv = (MLKEMPrivateKeyParameters) kp.getPrivate();
        MLKEMPublicKeyParameters pub = (MLKEMPublicKeyParameters) kp.getPublic();
        return new KeyPair(Bytes.wrap(priv.getSeed()), Bytes.wrap(pub.getEncoded()));
    }

    public static Encapsulation encapsulate(Bytes publicKey, SecureRandom random) {
        if (publicKey.length() != PUBLIC_KEY_SIZE) {
            throw ParleyException.malformed("ML-KEM-768 public key must be " + PUBLIC_KEY_SIZE + " bytes");
        }
        try {
            MLKEMPublicKeyParameters pub = new MLKEMPublicKeyParameters(PARAMS, publicKey.toArray());
            SecretWithEncapsulation swe = new MLKEMGenerator(random).generateEncapsulated(pub);
            return new Encapsulation(Bytes.wrap(swe.getEncapsulation()), Bytes.wrap(swe.getSecret()));
        } catch (RuntimeException e) {
            throw new ParleyException(ParleyException.Kind.PROTOCOL_VIOLATION, "ML-KEM-768 public key rejected", e);
        }
    }

    public static byte[] decapsulate(Bytes privateSeed, Bytes ciphertext) {
        if (ciphertext.length() != CIPHERTEXT_SIZE) {
            throw ParleyException.malformed("ML-KEM-768 ciphertext must be " + CIPHERTEXT_SIZE + " bytes");
        }
        MLKEMPrivateKeyParameters priv = privateKey(privateSeed);
        return new MLKEMExtractor(priv).extractSecret(ciphertext.toArray());
    }

    /** Expands a stored seed; callers that decapsulate often may keep the result. */
    public static MLKEMPrivateKeyParameters privateKey(Bytes privateSeed) {
        if (privateSeed.length() != PRIVATE_SEED_SIZE) {
            throw ParleyException.malformed("ML-KEM-768 private seed must be 64 bytes");
        }
        return new MLKEMPrivateKeyParameters(PARAMS, privateSeed.toArray());
    }
}
