package org.parley.core;

import org.junit.jupiter.api.Test;
import org.parley.core.crypto.Hkdf;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 5869 Appendix A test cases A.1 and A.3 (SHA-256). */
class HkdfTest {
    static final HexFormat H = HexFormat.of();

    @Test
    void rfc5869A1() {
        byte[] okm = Hkdf.derive(H.parseHex("000102030405060708090a0b0c"), H.parseHex("0b".repeat(22)),
                H.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertThat(H.formatHex(okm)).isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    @Test
    void rfc5869A3EmptySaltAndInfo() {
        byte[] okm = Hkdf.derive(new byte[0], H.parseHex("0b".repeat(22)), new byte[0], 42);
        assertThat(H.formatHex(okm)).isEqualTo("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }

    @Test
    void emptyHmacKeyEqualsZeroKey() {
        assertThat(Hkdf.hmac(new byte[0], H.parseHex("01"))).isEqualTo(Hkdf.hmac(new byte[32], H.parseHex("01")));
    }
}
