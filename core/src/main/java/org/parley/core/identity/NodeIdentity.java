package org.parley.core.identity;

import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A node's long-term Ed25519 identity. The private seed stays inside this object; it is never
 * returned, printed or logged.
 */
public final class NodeIdentity {
    /** File name of the identity seed inside a node's data directory. */
    public static final String FILE_NAME = "identity.key";
    private static final String HEADER = "parley-ed25519-seed-v1\n";

    private final byte[] seed;
    private final Bytes publicKey;
    private final NodeId nodeId;

    private NodeIdentity(byte[] seed) {
        this.seed = seed;
        byte[] pk = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(seed, 0, pk, 0);
        this.publicKey = Bytes.wrap(pk);
        this.nodeId = NodeId.ofIdentityKey(publicKey);
    }

    public static NodeIdentity generate(SecureRandom random) {
        byte[] seed = new byte[Ed25519.SECRET_KEY_SIZE];
        random.nextBytes(seed);
        return new NodeIdentity(seed);
    }

    /** For tests and vectors: an identity from a known 32-byte seed. */
    public static NodeIdentity fromSeed(Bytes seed) {
        if (seed.length() != Ed25519.SECRET_KEY_SIZE) {
            throw ParleyException.malformed("Ed25519 seed must be 32 bytes");
        }
        return new NodeIdentity(seed.toArray());
    }

    /**
     * Loads the identity from {@code dataDir/identity.key}, or creates one (file mode 0600,
     * written atomically) when none exists yet.
     */
    public static NodeIdentity loadOrCreate(Path dataDir, SecureRandom random) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            if (Files.exists(file)) {
                String text = Files.readString(file);
                if (!text.startsWith(HEADER)) {
                    throw new ParleyException(ParleyException.Kind.CONFIG,
                            file + " is not a Parley identity file (bad header)");
                }
                Bytes seed = Bytes.fromHex(text.substring(HEADER.length()).trim());
                return fromSeed(seed);
            }
            NodeIdentity id = generate(random);
            Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, HEADER + Bytes.wrap(id.seed.clone()).hex() + "\n");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE,
                    "cannot read or create the identity in " + dataDir + ": " + e.getMessage(), e);
        } catch (ParleyException e) {
            if (e.kind() == ParleyException.Kind.MALFORMED_INPUT) {
                throw new ParleyException(ParleyException.Kind.CONFIG, file + " holds a damaged identity: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    public NodeId nodeId() {
        return nodeId;
    }

    public Bytes publicKey() {
        return publicKey;
    }

    public Bytes sign(Bytes message) {
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        byte[] m = message.toArray();
        Ed25519.sign(seed, 0, publicKey.toArray(), 0, m, 0, m.length, sig, 0);
        return Bytes.wrap(sig);
    }

    /** Verifies an Ed25519 signature by any public key. False for malformed keys or signatures. */
    public static boolean verify(Bytes publicKey, Bytes message, Bytes signature) {
        if (publicKey.length() != Ed25519.PUBLIC_KEY_SIZE || signature.length() != Ed25519.SIGNATURE_SIZE) {
            return false;
        }
        byte[] m = message.toArray();
        try {
            return Ed25519.verify(signature.toArray(), 0, publicKey.toArray(), 0, m, 0, m.length);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The identity as a JCA key pair, for TLS certificates bound to the identity. The private
     * key object is handed only to the JDK's TLS stack; never serialize or log it.
     */
    public java.security.KeyPair jcaKeyPair() {
        try {
            java.security.KeyFactory kf = java.security.KeyFactory.getInstance("Ed25519");
            byte[] pkcs8 = Bytes.concat(Bytes.fromHex("302e020100300506032b657004220420"), Bytes.of(seed)).toArray();
            byte[] spki = Bytes.concat(Bytes.fromHex("302a300506032b6570032100"), publicKey).toArray();
            return new java.security.KeyPair(
                    kf.generatePublic(new java.security.spec.X509EncodedKeySpec(spki)),
                    kf.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pkcs8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "JDK cannot load an Ed25519 key", e);
        }
    }

    /** The raw 32-byte Ed25519 public key inside an X.509 SubjectPublicKeyInfo, or null if it is not Ed25519. */
    public static Bytes rawEd25519(java.security.PublicKey key) {
        byte[] enc = key.getEncoded();
        Bytes prefix = Bytes.fromHex("302a300506032b6570032100");
        if (enc == null || enc.length != 44 || !Bytes.of(enc, 0, 12).equals(prefix)) return null;
        return Bytes.of(enc, 12, 32);
    }

    /** Zeroes the seed; the identity cannot sign afterwards. */
    public void destroy() {
        Arrays.fill(seed, (byte) 0);
    }

    @Override
    public String toString() {
        return "NodeIdentity[" + nodeId.shortHex() + "]";
    }
}
