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
