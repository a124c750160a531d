package org.parley.verticles.tls;

import org.junit.jupiter.api.Test;
import org.parley.core.identity.NodeIdentity;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Link certificates in libp2p's TLS form: a P-256 key whose extension the identity key signs. */
class IdentityTlsTest {
    final SecureRandom random = new SecureRandom();
    final NodeIdentity alice = NodeIdentity.generate(random);
    final NodeIdentity mallory = NodeIdentity.generate(random);

    @Test
    void aLinkCertificateProvesItsIdentityThroughTheCriticalLibp2pExtension() throws Exception {
        X509Certificate cert = IdentityTls.linkCredentials(alice).cert();
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(cert.getCriticalExtensionOIDs()).contains(IdentityTls.LIBP2P_EXTENSION_OID);
        assertThat(IdentityTls.identityKeyOf(cert)).isEqualTo(alice.publicKey());
        assertThat(IdentityTls.nodeIdOf(cert)).isEqualTo(alice.nodeId());
        // after the trust manager accepted it, the key is read without a second signature check
        assertThat(IdentityTls.acceptedIdentityKeyOf(cert)).isEqualTo(alice.publicKey());
        IdentityTls.PinningTrustManager pin = new IdentityTls.PinningTrustManager(alice.nodeId()::equals);
        pin.checkServerTrusted(new X509Certificate[]{cert}, "EC");
        pin.checkClientTrusted(new X509Certificate[]{cert}, "EC");
        // each call makes a fresh link key
        assertThat(IdentityTls.linkCredentials(alice).cert().getPublicKey()).isNotEqualTo(cert.getPublicKey());
    }

    @Test
    void anExtensionCopiedOntoAnotherKeyProvesNothing() {
        KeyPair signed = IdentityTls.linkKeyPair();
        KeyPair other = IdentityTls.linkKeyPair();
        // mallory replays alice's signed extension in a certificate of her own key
        X509Certificate forged = IdentityTls.linkCertificate(other, IdentityTls.signedKey(alice, signed.getPublic()));
        assertThat(IdentityTls.identityKeyOf(forged)).isNull();
        assertThat(IdentityTls.nodeIdOf(forged)).isNull();
        assertThatThrownBy(() -> new IdentityTls.PinningTrustManager(id -> true).checkServerTrusted(new X509Certificate[]{forged}, "EC"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("proves no Ed25519 identity");
    }

    /**
     * A certificate whose parse fails late (as JDK 17's lazily parsed certificates do for an Ed25519
     * key of length 0, found by IdentityTlsFuzzTest) is refused with a CertificateException — the
     * handshake fails — instead of a RuntimeException escaping the trust manager into the TLS engine.
     */
    @Test
    void aCertificateThatFailsToParseLateIsRefusedNotThrown() {
        X509Certificate real = IdentityTls.linkCredentials(alice).cert();
        X509Certificate broken = new Delegating(real) {
            @Override
            public java.security.PublicKey getPublicKey() {
                throw new ArrayIndexOutOfBoundsException("Index 0 out of bounds for length 0");
            }

            @Override
            public byte[] getExtensionValue(String oid) {
                throw new ArrayIndexOutOfBoundsException("Index 0 out of bounds for length 0");
            }
        };
        assertThatThrownBy(() -> new IdentityTls.PinningTrustManager(id -> true).checkClientTrusted(new X509Certificate[]{broken}, "EC"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("could not be read");
    }

    /** An X509Certificate that answers as {@code d} does, for overriding one method. */
    static class Delegating extends X509Certificate {
        final X509Certificate d;

        Delegating(X509Certificate d) {
            this.d = d;
        }

        @Override public void checkValidity() throws java.security.cert.CertificateExpiredException, java.security.cert.CertificateNotYetValidException { d.checkValidity(); }
        @Override public void checkValidity(java.util.Date date) throws java.security.cert.CertificateExpiredException, java.security.cert.CertificateNotYetValidException { d.checkValidity(date); }
        @Override public int getVersion() { return d.getVersion(); }
        @Override public java.math.BigInteger getSerialNumber() { return d.getSerialNumber(); }
        @Override public java.security.Principal getIssuerDN() { return d.getIssuerDN(); }
        @Override public java.security.Principal getSubjectDN() { return d.getSubjectDN(); }
        @Override public java.util.Date getNotBefore() { return d.getNotBefore(); }
        @Override public java.util.Date getNotAfter() { return d.getNotAfter(); }
        @Override public byte[] getTBSCertificate() throws java.security.cert.CertificateEncodingException { return d.getTBSCertificate(); }
        @Override public byte[] getSignature() { return d.getSignature(); }
        @Override public String getSigAlgName() { return d.getSigAlgName(); }
        @Override public String getSigAlgOID() { return d.getSigAlgOID(); }
        @Override public byte[] getSigAlgParams() { return d.getSigAlgParams(); }
        @Override public boolean[] getIssuerUniqueID() { return d.getIssuerUniqueID(); }
        @Override public boolean[] getSubjectUniqueID() { return d.getSubjectUniqueID(); }
        @Override public boolean[] getKeyUsage() { return d.getKeyUsage(); }
        @Override public int getBasicConstraints() { return d.getBasicConstraints(); }
        @Override public byte[] getEncoded() throws java.security.cert.CertificateEncodingException { return d.getEncoded(); }
        @Override public void verify(java.security.PublicKey key) throws java.security.cert.CertificateException, java.security.NoSuchAlgorithmException, java.security.InvalidKeyException, java.security.NoSuchProviderException, java.security.SignatureException { d.verify(key); }
        @Override public void verify(java.security.PublicKey key, String sigProvider) throws java.security.cert.CertificateException, java.security.NoSuchAlgorithmException, java.security.InvalidKeyException, java.security.NoSuchProviderException, java.security.SignatureException { d.verify(key, sigProvider); }
        @Override public String toString() { return d.toString(); }
        @Override public java.security.PublicKey getPublicKey() { return d.getPublicKey(); }
        @Override public boolean hasUnsupportedCriticalExtension() { return d.hasUnsupportedCriticalExtension(); }
        @Override public java.util.Set<String> getCriticalExtensionOIDs() { return d.getCriticalExtensionOIDs(); }
        @Override public java.util.Set<String> getNonCriticalExtensionOIDs() { return d.getNonCriticalExtensionOIDs(); }
        @Override public byte[] getExtensionValue(String oid) { return d.getExtensionValue(oid); }
    }

    @Test
    void anotherIdentityIsRefusedByThePin() {
        X509Certificate cert = IdentityTls.linkCredentials(mallory).cert();
        assertThatThrownBy(() -> new IdentityTls.PinningTrustManager(alice.nodeId()::equals).checkServerTrusted(new X509Certificate[]{cert}, "EC"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("not the one expected");
    }

    @Test
    void garbageInTheExtensionIsNoIdentity() {
        KeyPair kp = IdentityTls.linkKeyPair();
        for (byte[] junk : new byte[][]{new byte[0], {0x30, 0x00}, {0x04, 0x01, 0x00}, new byte[64]}) {
            X509Certificate cert;
            try {
                cert = IdentityTls.linkCertificate(kp, junk);
            } catch (RuntimeException e) {
                continue; // not even encodable as an extension value
            }
            assertThat(IdentityTls.identityKeyOf(cert)).isNull();
        }
    }

    @Test
    void theEd25519IdentityCertificateStillProvesItsKey() {
        X509Certificate cert = IdentityTls.selfSigned(alice);
        assertThat(IdentityTls.identityKeyOf(cert)).isEqualTo(alice.publicKey());
        assertThat(IdentityTls.nodeIdOf(cert)).isEqualTo(alice.nodeId());
    }
}
