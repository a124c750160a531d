package org.parley.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where the key that unlocks the store's data key comes from: a passphrase (Argon2id), a key
 * file (its content, at least 32 bytes, through HKDF), or nothing (values stored in plaintext:
 * only for tests and explicitly unencrypted light nodes).
 */
public final class KeySource {
    /** Kind codes, recorded in the store. */
    public enum Kind {
        NONE(0),
        PASSPHRASE(1),
        KEY_FILE(2);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    private final Kind kind;
    private final byte[] passphrase;
    private final Path keyFile;
    private final Argon2Params argon2;

    private KeySource(Kind kind, byte[] passphrase, Path keyFile, Argon2Params argon2) {
        this.kind = kind;
        this.passphrase = passphrase;
        this.keyFile = keyFile;
        this.argon2 = argon2;
    }

    public static KeySource none() {
        return new KeySource(Kind.NONE, null, null, null);
    }

    public static KeySource passphrase(char[] passphrase) {
        return passphrase(passphrase, Argon2Params.DEFAULT);
    }

    /** {@code argon2} is used only when the store is created. */
    public static KeySource passphrase(char[] passphrase, Argon2Params argon2) {
        Objects.requireNonNull(passphrase, "passphrase");
        java.nio.ByteBuffer bb = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(passphrase));
        byte[] exact = new byte[bb.remaining()];
        bb.get(exact);
        if (bb.hasArray()) Arrays.fill(bb.array(), (byte) 0);
        return new KeySource(Kind.PASSPHRASE, exact, null, Objects.requireNonNull(argon2, "argon2"));
    }

    public static KeySource keyFile(Path keyFile) {
        return new KeySource(Kind.KEY_FILE, null, Objects.requireNonNull(keyFile, "keyFile"), null);
    }

    public Kind kind() {
        return kind;
    }

    /** A copy of the UTF-8 passphrase; the caller wipes it. */
    public byte[] passphraseUtf8() {
        return passphrase == null ? null : passphrase.clone();
    }

    public Path keyFile() {
        return keyFile;
    }

    public Argon2Params argon2() {
        return argon2;
    }

    /** Never the passphrase. */
    @Override
    public String toString() {
        return "KeySource[" + kind + "]";
    }
}
