package org.parley.routing.circuit;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HandshakeExtensionsTest {
    @Test
    void relayCryptoRoundTripsAndAbsentMeansTor1() {
        for (RelayCryptoKind k : RelayCryptoKind.values()) {
            assertThat(HandshakeExtensions.relayCryptoOf(HandshakeExtensions.parse(HandshakeExtensions.relayCrypto(k))))
                    .isEqualTo(k);
        }
        assertThat(HandshakeExtensions.relayCrypto(RelayCryptoKind.CGO).hex()).isEqualTo("01800102");
        assertThat(HandshakeExtensions.relayCryptoOf(Map.of())).isEqualTo(RelayCryptoKind.TOR1);
    }

    @Test
    void unknownTypesAreIgnoredUnknownKindsAndBadListsAreNot() {
        // two extensions: an unknown type 0x05 and relay crypto = CGO
        assertThat(HandshakeExtensions.relayCryptoOf(HandshakeExtensions.parse(Bytes.fromHex("02050201ff800102"))))
                .isEqualTo(RelayCryptoKind.CGO);
        assertThat(HandshakeExtensions.relayCryptoOf(HandshakeExtensions.parse(Bytes.fromHex("01800109")))).isNull();
        for (String bad : new String[] {"", "01", "0180", "018002aa", "0080"}) {
            assertThatThrownBy(() -> HandshakeExtensions.parse(Bytes.fromHex(bad))).as(bad)
                    .isInstanceOfSatisfying(ParleyException.class,
                            e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
        }
    }
}
