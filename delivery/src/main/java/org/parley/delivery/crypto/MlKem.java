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

    /** An ML-KEM-768 key pair: the private key as its 64-byte seed, the public key encoded. */
    public record KeyPair(Bytes privateSeed, Bytes publicKey) {
        public KeyPair {
            if (privateSeed.length() != PRIVATE_SEED_SIZE || publicKey.length() != PUBLIC_KEY_SIZE) {
                throw ParleyException.malformed("ML-KEM-768 key pair has wrong sizes");
            }
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
