package org.parley.discovery.net;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;

import static org.assertj.core.api.Assertions.assertThat;

/** The claimed-versus-observed address rules of {@link ObservedAddress}. */
class ObservedAddressTest {
    private static Bytes v4(int a, int b, int c, int d) {
        return PeerAddress.ipv4(a, b, c, d, 0).ip();
    }

    @Test
    void aMatchingClaimIsBelieved() {
        PeerAddress claim = PeerAddress.ipv4(10, 0, 0, 7, 7000);
        ObservedAddress.Verdict v = ObservedAddress.check(claim, v4(10, 0, 0, 7));
        assertThat(v.mismatch()).isFalse();
        assertThat(v.address()).isSameAs(claim);
    }

    @Test
    void aClaimOfAnotherHostIsReplacedByTheObservedIpWithTheClaimedPort() {
        PeerAddress claim = PeerAddress.ipv4(44, 7, 9, 1, 7123);
        ObservedAddress.Verdict v = ObservedAddress.check(claim, v4(10, 0, 0, 7));
        assertThat(v.mismatch()).isTrue();
        assertThat(v.address()).isEqualTo(PeerAddress.ipv4(10, 0, 0, 7, 7123));
        // the limits now count the observed /24 and /16, not the claimed ones
        assertThat(v.address().prefixKey()).isEqualTo(Bytes.fromHex("0a0000"));
        assertThat(v.address().subnetKey()).isEqualTo(Bytes.fromHex("0a00"));
        // a neighbour in the same /24 is still another host
        assertThat(ObservedAddress.check(PeerAddress.ipv4(10, 0, 0, 8, 1), v4(10, 0, 0, 7)).mismatch()).isTrue();
    }

    @Test
    void allLoopbackAddressesAreOneHost() {
        // a local testnet listens on 127.0.0.1 and is dialled through 127.0.1.1
        PeerAddress claim = PeerAddress.ipv4(127, 0, 0, 1, 7000);
        assertThat(ObservedAddress.check(claim, v4(127, 0, 1, 1)).mismatch()).isFalse();
        assertThat(ObservedAddress.check(PeerAddress.ipv4(127, 0, 1, 1, 7000), v4(127, 0, 0, 1)).mismatch()).isFalse();
        Bytes v6Loopback = Bytes.fromHex("00000000000000000000000000000001");
        assertThat(ObservedAddress.check(claim, v6Loopback).mismatch()).isFalse();
        assertThat(ObservedAddress.isLoopback(v6Loopback)).isTrue();
        assertThat(ObservedAddress.isLoopback(Bytes.fromHex("00000000000000000000000000000002"))).isFalse();
        // loopback is not every address: a loopback claim over a link from 10.0.0.7 is not believed
        ObservedAddress.Verdict v = ObservedAddress.check(claim, v4(10, 0, 0, 7));
        assertThat(v.mismatch()).isTrue();
        assertThat(v.address()).isEqualTo(PeerAddress.ipv4(10, 0, 0, 7, 7000));
        assertThat(ObservedAddress.check(PeerAddress.ipv4(10, 0, 0, 7, 7000), v4(127, 0, 0, 1)).mismatch()).isTrue();
    }

    @Test
    void anIpv4MappedObservedAddressComparesAsIpv4() {
        Bytes mapped = Bytes.fromHex("00000000000000000000ffff0a000007");
        PeerAddress claim = PeerAddress.ipv4(10, 0, 0, 7, 7000);
        assertThat(ObservedAddress.check(claim, mapped).mismatch()).isFalse();
        ObservedAddress.Verdict v = ObservedAddress.check(PeerAddress.ipv4(10, 0, 0, 9, 7000), mapped);
        assertThat(v.mismatch()).isTrue();
        assertThat(v.address().ip()).isEqualTo(v4(10, 0, 0, 7)); // stored as IPv4: /24 limits apply
    }

    @Test
    void aWildcardClaimIsReplacedByTheObservedIp() {
        ObservedAddress.Verdict v = ObservedAddress.check(PeerAddress.ipv4(0, 0, 0, 0, 7000), v4(10, 1, 2, 3));
        assertThat(v.mismatch()).isTrue();
        assertThat(v.address()).isEqualTo(PeerAddress.ipv4(10, 1, 2, 3, 7000));
    }

    @Test
    void anUnknownObservedIpBelievesTheClaim() {
        PeerAddress claim = PeerAddress.ipv4(44, 7, 9, 1, 7123);
        assertThat(ObservedAddress.check(claim, null)).isEqualTo(new ObservedAddress.Verdict(claim, false));
        assertThat(ObservedAddress.check(claim, Bytes.fromHex("0a0000"))).isEqualTo(new ObservedAddress.Verdict(claim, false));
    }

    @Test
    void ipv6ClaimsCompareByteForByte() {
        Bytes a = Bytes.fromHex("20010db8000000000000000000000001");
        Bytes b = Bytes.fromHex("20010db8000000000000000000000002");
        PeerAddress claim = new PeerAddress(a, 7000);
        assertThat(ObservedAddress.check(claim, a).mismatch()).isFalse();
        ObservedAddress.Verdict v = ObservedAddress.check(claim, b);
        assertThat(v.mismatch()).isTrue();
        assertThat(v.address()).isEqualTo(new PeerAddress(b, 7000));
        // an IPv4 claim over an IPv6 link is not believed either
        assertThat(ObservedAddress.check(PeerAddress.ipv4(10, 0, 0, 7, 7000), b).mismatch()).isTrue();
    }
}
