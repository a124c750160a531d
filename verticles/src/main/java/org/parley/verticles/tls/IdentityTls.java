package org.parley.verticles.tls;

import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;

import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.function.Predicate;

/**
 * TLS 1.3 credentials bound to a node's Ed25519 identity: a self-signed certificate whose key
 * IS the identity key, and a trust manager that accepts a peer only if the SHA-256 of its
 * certificate key is a node id the caller accepts. No certificate authority is involved: the
 * node id is the pin.
 */
public final class IdentityTls {
    private IdentityTls() {}

    private static final long NOT_BEFORE = 1_577_836_800_000L; // 2020-01-01
    private static final long NOT_AFTER = 4_102_444_800_000L;  // 2100-01-01
    private static final SecureRandom RANDOM = new SecureRandom();

    public static X509Certificate selfSigned(NodeIdentity identity) {
        try {
            KeyPair kp = identity.jcaKeyPair();
            X500Name name = new X500Name("CN=" + identity.nodeId().hex());
            // Deterministic (fixed serial and validity; Ed25519 signatures are deterministic): every
            // member of a clustered node derives the very same certificate from the identity.
            BigInteger serial = new BigInteger(1, identity.nodeId().value().slice(0, 16).toArray());
            var builder = new JcaX509v3CertificateBuilder(name, serial, new Date(NOT_BEFORE),
                    new Date(NOT_AFTER), name, kp.getPublic());
            var signer = new JcaContentSignerBuilder("Ed25519").build(kp.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (Exception e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "cannot make the identity certificate", e);
        }
    }

    /** The identity's own Ed25519 certificate ({@link #selfSigned}) as key material (JDK engines only). */
    public static KeyCertOptions keyCert(NodeIdentity identity) {
        try {
            return keyCertOf(identity.jcaKeyPair().getPrivate(), selfSigned(identity));
        } catch (Exception e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "cannot build the TLS key store", e);
        }
    }

    /** libp2p's TLS public key extension (PEN 53594): the identity's signature over the link key. */
    public static final String LIBP2P_EXTENSION_OID = "1.3.6.1.4.1.53594.1.1";
    private static final byte[] LIBP2P_PREFIX = "libp2p-tls-handshake:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** libp2p's protobuf PublicKey framing of a 32-byte Ed25519 key: field 1 (KeyType) = 1, field 2 (Data) = 32 bytes. */
    private static final byte[] LIBP2P_ED25519_HEADER = {0x08, 0x01, 0x12, 0x20};

    /**
     * Credentials for peer links as libp2p's TLS handshake specifies them: a fresh ECDSA P-256 key
     * in a self-signed certificate that carries, in the critical extension
     * {@value #LIBP2P_EXTENSION_OID}, the identity key and its Ed25519 signature over
     * {@code "libp2p-tls-handshake:" || SubjectPublicKeyInfo} of the certificate key. Unlike an
     * Ed25519 certificate key, P-256 is offered by every TLS engine, native ones included.
     */
    public static KeyCertOptions linkKeyCert(NodeIdentity identity) {
        LinkCredentials c = linkCredentials(identity);
        try {
            return keyCertOf(c.key(), c.cert());
        } catch (Exception e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "cannot build the link key store", e);
        }
    }

    /** A link key and its certificate ({@link #linkKeyCert}). */
    record LinkCredentials(java.security.PrivateKey key, X509Certificate cert) {}

    static LinkCredentials linkCredentials(NodeIdentity identity) {
        KeyPair kp = linkKeyPair();
        return new LinkCredentials(kp.getPrivate(), linkCertificate(kp, signedKey(identity, kp.getPublic())));
    }

    static KeyPair linkKeyPair() {
        try {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "cannot make a P-256 link key", e);
        }
    }

    /** libp2p's SignedKey: SEQUENCE { publicKey OCTET STRING (protobuf PublicKey), signature OCTET STRING }. */
    static byte[] signedKey(NodeIdentity identity, java.security.PublicKey linkKey) {
        try {
            Bytes sig = identity.sign(Bytes.concat(Bytes.wrap(LIBP2P_PREFIX), Bytes.wrap(linkKey.getEncoded())));
            return new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[]{
                    new org.bouncycastle.asn1.DEROctetString(Bytes.concat(Bytes.wrap(LIBP2P_ED25519_HEADER), identity.publicKey()).toArray()),
                    new org.bouncycastle.asn1.DEROctetString(sig.toArray())}).getEncoded();
        } catch (java.io.IOException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "cannot encode the libp2p extension", e);
        }
    }

    /** A self-signed P-256 certificate of {@code kp} carrying {@code signedKey} in the critical libp2p extension. */
    static X509Certificate linkCertificate(KeyPair kp, byte[] signedKey) {
        try {
            byte[] serial = new byte[16];
            RANDOM.nextBytes(serial);
            X500Name name = new X500Name("SERIALNUMBER=" + new BigInteger(1, serial));
            long now = System.currentTimeMillis();
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(1, serial), new Date(now - 3_600_000L),
                    new Date(NOT_AFTER), name, kp.getPublic());
            builder.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier(LIBP2P_EXTENSION_OID), true, signedKey);
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        } catch (Exception e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "cannot make the link certificate", e);
        }
    }

    /**
     * The identity key a peer's certificate proves: its own key if that is Ed25519 (the
     * certificates of {@link #keyCert}), else the key in a libp2p extension whose signature over
     * the certificate key verifies ({@link #linkKeyCert}). Null when it proves none.
     */
    public static Bytes identityKeyOf(X509Certificate cert) {
        Bytes raw = NodeIdentity.rawEd25519(cert.getPublicKey());
        if (raw != null) return raw;
        byte[] ext = cert.getExtensionValue(LIBP2P_EXTENSION_OID);
        if (ext == null) return null;
        return identityKeyOfExtension(ext, cert.getPublicKey().getEncoded());
    }

    /**
     * The identity key a libp2p extension proves for a certificate key: {@code extensionValue} as
     * {@link X509Certificate#getExtensionValue} gives it (a DER OCTET STRING around libp2p's
     * SignedKey), {@code spki} the certificate's SubjectPublicKeyInfo. Null unless the extension
     * parses, carries an Ed25519 key, and its signature over {@code spki} verifies.
     */
    static Bytes identityKeyOfExtension(byte[] extensionValue, byte[] spki) {
        SignedKey k = signedKeyOf(extensionValue);
        if (k == null) return null;
        try {
            return NodeIdentity.verify(k.identityKey(), Bytes.concat(Bytes.wrap(LIBP2P_PREFIX), Bytes.wrap(spki)), k.signature())
                    ? k.identityKey() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The identity key of a peer certificate that {@link #pinned}'s trust manager accepted in the
     * handshake just done (so its proof was checked there): the certificate's own Ed25519 key, or
     * the key in its libp2p extension, read without checking the signature a second time. Null if
     * it carries none. For any other certificate use {@link #identityKeyOf}.
     */
    public static Bytes acceptedIdentityKeyOf(X509Certificate cert) {
        Bytes raw = NodeIdentity.rawEd25519(cert.getPublicKey());
        if (raw != null) return raw;
        byte[] ext = cert.getExtensionValue(LIBP2P_EXTENSION_OID);
        SignedKey k = ext == null ? null : signedKeyOf(ext);
        return k == null ? null : k.identityKey();
    }

    /** libp2p's SignedKey: the Ed25519 identity key and its signature. */
    private record SignedKey(Bytes identityKey, Bytes signature) {}

    /** Parses the extension value ({@link X509Certificate#getExtensionValue}'s DER OCTET STRING around a SignedKey); null if malformed or not Ed25519. */
    private static SignedKey signedKeyOf(byte[] extensionValue) {
        try {
            var seq = org.bouncycastle.asn1.ASN1Sequence.getInstance(org.bouncycastle.asn1.ASN1OctetString.getInstance(extensionValue).getOctets());
            if (seq.size() != 2) return null;
            byte[] key = org.bouncycastle.asn1.ASN1OctetString.getInstance(seq.getObjectAt(0)).getOctets();
            byte[] sig = org.bouncycastle.asn1.ASN1OctetString.getInstance(seq.getObjectAt(1)).getOctets();
            if (key.length != LIBP2P_ED25519_HEADER.length + 32
                    || !java.util.Arrays.equals(key, 0, LIBP2P_ED25519_HEADER.length, LIBP2P_ED25519_HEADER, 0, LIBP2P_ED25519_HEADER.length)) {
                return null;
            }
            return new SignedKey(Bytes.wrap(java.util.Arrays.copyOfRange(key, LIBP2P_ED25519_HEADER.length, key.length)), Bytes.wrap(sig));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static KeyCertOptions keyCertOf(java.security.PrivateKey key, X509Certificate cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = "parley".toCharArray();
        // The store lives only in memory, for the key manager factory to read the entry back: its
        // password is a constant, so the JDK's default 10,000 PBKDF2 rounds (done once to store the
        // key and once to read it) protect nothing and cost a noticeable part of a node's start-up
        // CPU. One round, same algorithm.
        byte[] salt = new byte[20];
        byte[] iv = new byte[16];
        RANDOM.nextBytes(salt);
        RANDOM.nextBytes(iv);
        ks.setEntry("identity", new KeyStore.PrivateKeyEntry(key, new X509Certificate[]{cert}),
                new KeyStore.PasswordProtection(pw, "PBEWithHmacSHA256AndAES_256", new PBEParameterSpec(salt, 1, new IvParameterSpec(iv))));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        return KeyCertOptions.wrap(kmf);
    }

    /**
     * The identity as a PKCS#12 key store (key + self-signed certificate) in serialized form, for
     * option classes that must survive copying (the clustered event bus copies its options).
     */
    public static io.vertx.core.net.PfxOptions keyStore(NodeIdentity identity, X509Certificate cert) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("identity", identity.jcaKeyPair().getPrivate(), STORE_PASSWORD.toCharArray(), new X509Certificate[]{cert});
            return new io.vertx.core.net.PfxOptions().setPassword(STORE_PASSWORD).setValue(serialize(ks));
        } catch (Exception e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "cannot build the TLS key store", e);
        }
    }

    /** A trust store holding exactly {@code cert}: peers must present a certificate of the same key and name. */
    public static io.vertx.core.net.PfxOptions trustOnly(X509Certificate cert) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("peer", cert);
            return new io.vertx.core.net.PfxOptions().setPassword(STORE_PASSWORD).setValue(serialize(ks));
        } catch (Exception e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "cannot build the TLS trust store", e);
        }
    }

    private static final String STORE_PASSWORD = "parley";

    private static io.vertx.core.buffer.Buffer serialize(KeyStore ks) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ks.store(out, STORE_PASSWORD.toCharArray());
        return io.vertx.core.buffer.Buffer.buffer(out.toByteArray());
    }

    /** The node id a peer's certificate proves, or null if it is not an Ed25519 identity certificate. */
    public static NodeId nodeIdOf(X509Certificate cert) {
        Bytes raw = identityKeyOf(cert);
        return raw == null ? null : NodeId.ofIdentityKey(raw);
    }

    /** Accepts exactly the peers whose identity key hashes to a node id {@code accept} allows. */
    public static TrustOptions pinned(Predicate<NodeId> accept) {
        return TrustOptions.wrap(new PinningTrustManager(accept));
    }

    static final class PinningTrustManager implements X509TrustManager {
        private final Predicate<NodeId> accept;

        PinningTrustManager(Predicate<NodeId> accept) {
            this.accept = accept;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) throw new CertificateException("no certificate");
            X509Certificate cert = chain[0];
            NodeId id;
            try {
                id = nodeIdOf(cert);
            } catch (RuntimeException e) {
                // a certificate the JDK parses lazily can throw here (JDK 17: an Ed25519 key of
                // length 0 gives ArrayIndexOutOfBounds, IdentityTlsFuzzTest): a refusal, not a crash
                throw new CertificateException("peer certificate could not be read", e);
            }
            if (id == null) throw new CertificateException("peer certificate proves no Ed25519 identity (neither its key nor a valid libp2p extension)");
            try {
                cert.verify(cert.getPublicKey());
                cert.checkValidity();
            } catch (Exception e) {
                throw new CertificateException("peer certificate is not a valid self-signed identity certificate", e);
            }
            if (!accept.test(id)) throw new CertificateException("peer identity " + id.shortHex() + " is not the one expected");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
