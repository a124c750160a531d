package org.parley.delivery.crypto;

import org.parley.core.crypto.Hkdf;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.ratchet.TestSessions;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrimitivesTest {
    private final SecureRandom random = TestSessions.seeded(51);

    private static byte[] hex(String h) {
        return Bytes.fromHex(h).toArray();
    }

    /** RFC 5869 Appendix A.1–A.3 (SHA-256). */
    @Test
    void hkdfMatchesRfc5869() {
        byte[] okm1 = Hkdf.derive(hex("000102030405060708090a0b0c"), hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                hex("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertThat(Bytes.wrap(okm1).hex()).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        StringBuilder ikm = new StringBuilder(), salt = new StringBuilder(), info = new StringBuilder();
        for (int i = 0; i < 80; i++) {
            ikm.append(String.format("%02x", i));
            salt.append(String.format("%02x", 0x60 + i));
            info.append(String.format("%02x", 0xb0 + i));
        }
        byte[] okm2 = Hkdf.derive(hex(salt.toString()), hex(ikm.toString()), hex(info.toString()), 82);
        assertThat(Bytes.wrap(okm2).hex()).isEqualTo("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
        byte[] okm3 = Hkdf.derive(new byte[0], hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), new byte[0], 42);
        assertThat(Bytes.wrap(okm3).hex()).isEqualTo(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }

    @Test
    void xeddsaSignsAndVerifiesFreshKeysBothWays() {
        for (int i = 0; i < 8; i++) {
            X25519KeyPair kp = X25519KeyPair.generate(random);
            byte[] m = new byte[i * 13];
            random.nextBytes(m);
            byte[] z = new byte[64];
            random.nextBytes(z);
            Bytes sig = XEdDsa.sign(kp.privateKey(), Bytes.wrap(m), Bytes.wrap(z));
            assertThat(XEdDsa.verify(kp.publicKey(), Bytes.wrap(m), sig)).isTrue();
            assertThat(XEdDsa.verifyLibsignal(kp.publicKey(), Bytes.wrap(m), sig)).isTrue();
            byte[] bad = sig.toArray();
            bad[5] ^= 1;
            assertThat(XEdDsa.verify(kp.publicKey(), Bytes.wrap(m), Bytes.wrap(bad))).isFalse();
            assertThat(XEdDsa.verify(X25519KeyPair.generate(random).publicKey(), Bytes.wrap(m), sig)).isFalse();
        }
    }

    @Test
    void smallOrderPointIsRefused() {
        X25519KeyPair kp = X25519KeyPair.generate(random);
        assertThatThrownBy(() -> kp.agree(Bytes.wrap(new byte[32]))).isInstanceOf(ParleyException.class);
    }

    @Test
    void mlKemRoundTripAndWrongSizes() {
        MlKem.KeyPair kp = MlKem.generate(random);
        MlKem.Encapsulation enc = MlKem.encapsulate(kp.publicKey(), random);
        assertThat(Bytes.wrap(MlKem.decapsulate(kp.privateSeed(), enc.ciphertext()))).isEqualTo(enc.sharedSecret());
        byte[] ct = enc.ciphertext().toArray();
        ct[10] ^= 1; // implicit rejection: a different secret, no exception
        assertThat(Bytes.wrap(MlKem.decapsulate(kp.privateSeed(), Bytes.wrap(ct)))).isNotEqualTo(enc.sharedSecret());
        assertThatThrownBy(() -> MlKem.encapsulate(Bytes.wrap(new byte[5]), random)).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> MlKem.decapsulate(kp.privateSeed(), Bytes.wrap(new byte[5]))).isInstanceOf(ParleyException.class);
    }
}
