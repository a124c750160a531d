package org.parley.storage.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.parley.core.ParleyException;
import org.parley.storage.Argon2Params;
import org.parley.storage.KeySource;

/**
 * The store's data key: 32 random bytes made when the store is created, kept in the SYS column
 * family sealed (AES-256-GCM) under a key-encryption key derived from a passphrase (Argon2id)
 * or a key file (HKDF-SHA256). Header layout:
 * {@code version(1)=1 kind(1) salt(16) memoryKiB(4) iterations(4) parallelism(4) nonce(12) sealedKey(48)}.
 */
public final class KeyVault {
    static final byte[] HEADER_KEY = "datakey".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_VERSION = 1;
    private static final int SALT = 16;
    private static final int NONCE = 12;
    private static final int PARAMS_END = 2 + SALT + 12;
    private static final int HEADER_LEN = PARAMS_END + NONCE + 32 + 16;

    private KeyVault() {
    }

    /** Creates the data key and returns the header to store. */
    static Created create(KeySource source) {
        SecureRandom rnd = new SecureRandom();
        if (source.kind() == KeySource.Kind.NONE) {
            return new Created(new byte[] {HEADER_VERSION, 0}, AtRestCipher.plaintext());
        }
        byte[] header = new byte[HEADER_LEN];
        header[0] = HEADER_VERSION;
        header[1] = (byte) source.kind().code();
        byte[] salt = new byte[SALT];
        rnd.nextBytes(salt);
        System.arraycopy(salt, 0, header, 2, SALT);
        Argon2Params p = source.kind() == KeySource.Kind.PASSPHRASE ? source.argon2() : new Argon2Params(8, 1, 1);
        putInt(header, 2 + SALT, p.memoryKiB());
        putInt(header, 2 + SALT + 4, p.iterations());
        putInt(header, 2 + SALT + 8, p.parallelism());
        byte[] nonce = new byte[NONCE];
        rnd.nextBytes(nonce);
        System.arraycopy(nonce, 0, header, PARAMS_END, NONCE);
        byte[] dataKey = new byte[32];
        rnd.nextBytes(dataKey);
        byte[] kek = deriveKek(source, salt, p);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(header, 0, PARAMS_END);
            c.doFinal(dataKey, 0, 32, header, PARAMS_END + NONCE);
            return new Created(header, AtRestCipher.aes256(dataKey));
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "sealing the data key failed", e);
        } finally {
            Arrays.fill(kek, (byte) 0);
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    record Created(byte[] header, AtRestCipher cipher) {
    }

    /** Unlocks an existing store's data key; wrong secrets fail with CONFIG. */
    static AtRestCipher unlock(byte[] header, KeySource source, String where) {
        if (header.length < 2 || header[0] != HEADER_VERSION) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "store at " + where + " has an unknown key header");
        }
        int kind = header[1];
        if (kind != source.kind().code()) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "store at " + where + " was created with key source "
                    + kindName(kind) + " but " + source.kind() + " is configured");
        }
        if (kind == KeySource.Kind.NONE.code()) return AtRestCipher.plaintext();
        if (header.length != HEADER_LEN) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "store at " + where + " has a damaged key header");
        }
        byte[] salt = Arrays.copyOfRange(header, 2, 2 + SALT);
        Argon2Params p = new Argon2Params(getInt(header, 2 + SALT), getInt(header, 2 + SALT + 4),
                getInt(header, 2 + SALT + 8));
        byte[] kek = deriveKek(source, salt, p);
        byte[] dataKey = null;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"),
                    new GCMParameterSpec(128, header, PARAMS_END, NONCE));
            c.updateAAD(header, 0, PARAMS_END);
            dataKey = c.doFinal(header, PARAMS_END + NONCE, 48);
            return AtRestCipher.aes256(dataKey);
        } catch (AEADBadTagException e) {
            String what = kind == KeySource.Kind.PASSPHRASE.code() ? "wrong passphrase" : "wrong key file";
            throw new ParleyException(ParleyException.Kind.CONFIG,
                    what + " for the store at " + where + " (the data key does not unseal)");
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "unsealing the data key failed", e);
        } finally {
            Arrays.fill(kek, (byte) 0);
            if (dataKey != null) Arrays.fill(dataKey, (byte) 0);
        }
    }

    private static String kindName(int code) {
        for (KeySource.Kind k : KeySource.Kind.values()) {
            if (k.code() == code) return k.name();
        }
        return "unknown(" + code + ")";
    }

    private static byte[] deriveKek(KeySource source, byte[] salt, Argon2Params p) {
        switch (source.kind()) {
            case PASSPHRASE -> {
                byte[] pass = source.passphraseUtf8();
                try {
                    Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                            .withSalt(salt)
                            .withMemoryAsKB(p.memoryKiB())
                            .withIterations(p.iterations())
                            .withParallelism(p.parallelism())
                            .build();
                    Argon2BytesGenerator gen = new Argon2BytesGenerator();
                    gen.init(params);
                    byte[] out = new byte[32];
                    gen.generateBytes(pass, out);
                    return out;
                } finally {
                    Arrays.fill(pass, (byte) 0);
                }
            }
            case KEY_FILE -> {
                byte[] content;
                try {
                    content = Files.readAllBytes(source.keyFile());
                } catch (NoSuchFileException e) {
                    throw new ParleyException(ParleyException.Kind.CONFIG, "store key file " + source.keyFile() + " does not exist");
                } catch (IOException e) {
                    throw new ParleyException(ParleyException.Kind.CONFIG, "store key file " + source.keyFile() + " cannot be read", e);
                }
                try {
                    if (content.length < 32) {
                        throw new ParleyException(ParleyException.Kind.CONFIG,
                                "store key file " + source.keyFile() + " must hold at least 32 bytes");
                    }
                    return hkdfSha256(salt, content, "parley store kek v1".getBytes(StandardCharsets.US_ASCII));
                } finally {
                    Arrays.fill(content, (byte) 0);
                }
            }
            default -> throw new ParleyException(ParleyException.Kind.INTERNAL, "no key to derive");
        }
    }

    /** HKDF-SHA256 (RFC 5869) with a 32-byte output: one expand block. */
    static byte[] hkdfSha256(byte[] salt, byte[] ikm, byte[] info) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            byte[] prk = mac.doFinal(ikm);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            mac.update(info);
            mac.update((byte) 1);
            byte[] okm = mac.doFinal();
            Arrays.fill(prk, (byte) 0);
            return okm;
        } catch (GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "HMAC-SHA256 unavailable", e);
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static int getInt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }
}
