package org.parley.delivery.device;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.TestSessions;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeviceListTest {
    final SecureRandom rnd = TestSessions.seeded(11);
    final IdentityKeyPair phone = IdentityKeyPair.generate(rnd);
    final IdentityKeyPair laptop = IdentityKeyPair.generate(rnd);
    final IdentityKeyPair tablet = IdentityKeyPair.generate(rnd);
    final IdentityKeyPair mallory = IdentityKeyPair.generate(rnd);

    DeviceList v1() {
        return DeviceListCodec.sign(phone, 1, List.of(new Device(phone.publicKey(), "Phone", 100, 0)));
    }

    DeviceList v2() {
        return DeviceListCodec.sign(phone, 2, List.of(new Device(phone.publicKey(), "Phone", 100, 0),
                new Device(laptop.publicKey(), "Laptop \u2713", 200, 0)));
    }

    DeviceList v3LaptopRemoved() {
        return DeviceListCodec.sign(phone, 3, List.of(new Device(phone.publicKey(), "Phone", 100, 0),
                new Device(laptop.publicKey(), "Laptop \u2713", 200, 300)));
    }

    @Test
    void aSignedListRoundTripsByteForByteAndVerifiesWithItsChanges() {
        DeviceList l = v2();
        Bytes wire = DeviceListCodec.encode(l);
        DeviceList back = DeviceListCodec.decode(wire);
        assertThat(back).isEqualTo(l);
        assertThat(DeviceListCodec.encode(back)).isEqualTo(wire);
        DeviceListVerifier.Change first = DeviceListVerifier.verify(back, Optional.empty());
        assertThat(first.added()).extracting(Device::name).containsExactly("Phone", "Laptop \u2713");
        DeviceListVerifier.Change next = DeviceListVerifier.verify(v2(), Optional.of(v1()));
        assertThat(next.added()).extracting(Device::name).containsExactly("Laptop \u2713");
        assertThat(next.removed()).isEmpty();
        DeviceListVerifier.Change removal = DeviceListVerifier.verify(v3LaptopRemoved(), Optional.of(v2()));
        assertThat(removal.removed()).extracting(Device::key).containsExactly(laptop.publicKey());
        assertThat(v3LaptopRemoved().active()).extracting(Device::key).containsExactly(phone.publicKey());
    }

    @Test
    void aForgedListIsRefused() {
        // signed by a key that is not its primary
        DeviceList byMallory = DeviceListCodec.sign(mallory, 5, List.of(new Device(mallory.publicKey(), "Phone", 1, 0),
                new Device(phone.publicKey(), "x", 1, 0)));
        DeviceList claimed = new DeviceList(phone.publicKey(), 5, byMallory.devices(), byMallory.signature());
        assertProtocol(() -> DeviceListVerifier.verify(claimed, Optional.empty()));
        // one bit of a device name flipped after signing
        byte[] wire = DeviceListCodec.encode(v2()).toArray();
        int at = indexOf(wire, "Laptop".getBytes());
        wire[at] ^= 0x01;
        DeviceList tampered = DeviceListCodec.decode(Bytes.wrap(wire));
        assertProtocol(() -> DeviceListVerifier.verify(tampered, Optional.empty()));
        // a well-signed list of another account in place of the one we hold
        DeviceList other = DeviceListCodec.sign(mallory, 9, List.of(new Device(mallory.publicKey(), "M", 1, 0)));
        assertProtocol(() -> DeviceListVerifier.verify(other, Optional.of(v1())));
    }

    @Test
    void rolledBackReplayedOrHistoryRewritingListsAreRefused() {
        assertProtocol(() -> DeviceListVerifier.verify(v1(), Optional.of(v2())));          // rollback
        assertProtocol(() -> DeviceListVerifier.verify(v2(), Optional.of(v2())));          // replay, same version
        assertProtocol(() -> DeviceListVerifier.verify(v2(), Optional.of(v3LaptopRemoved()))); // laptop revived by an old list
        // a newer, validly signed list that revives the removed laptop
        DeviceList revived = DeviceListCodec.sign(phone, 4, List.of(new Device(phone.publicKey(), "Phone", 100, 0),
                new Device(laptop.publicKey(), "Laptop \u2713", 200, 0)));
        assertProtocol(() -> DeviceListVerifier.verify(revived, Optional.of(v3LaptopRemoved())));
        // a newer list that silently drops the removed laptop (so a later one could re-add it)
        DeviceList dropped = DeviceListCodec.sign(phone, 4, List.of(new Device(phone.publicKey(), "Phone", 100, 0)));
        assertProtocol(() -> DeviceListVerifier.verify(dropped, Optional.of(v3LaptopRemoved())));
        // a newer list that rewrites when a device was added
        DeviceList rewritten = DeviceListCodec.sign(phone, 3, List.of(new Device(phone.publicKey(), "Phone", 101, 0),
                new Device(laptop.publicKey(), "Laptop \u2713", 200, 0)));
        assertProtocol(() -> DeviceListVerifier.verify(rewritten, Optional.of(v2())));
    }

    @Test
    void listsOutsideTheLimitsAreMalformed() {
        assertMalformed(() -> DeviceListCodec.sign(phone, 1, List.of(new Device(laptop.publicKey(), "no primary", 1, 0))));
        assertMalformed(() -> DeviceListCodec.sign(phone, 1, List.of(new Device(phone.publicKey(), "P", 1, 0),
                new Device(phone.publicKey(), "twice", 1, 0))));
        assertMalformed(() -> DeviceListCodec.sign(phone, 1, List.of(new Device(phone.publicKey(), "", 1, 0))));
        assertMalformed(() -> DeviceListCodec.sign(phone, 0, List.of(new Device(phone.publicKey(), "P", 1, 0))));
        List<Device> many = new ArrayList<>();
        many.add(new Device(phone.publicKey(), "P", 1, 0));
        for (int i = 0; i < DeviceListCodec.MAX_ACTIVE; i++) many.add(new Device(IdentityKeyPair.generate(rnd).publicKey(), "d" + i, 1, 0));
        assertMalformed(() -> DeviceListCodec.sign(phone, 1, many));
        byte[] wire = DeviceListCodec.encode(v2()).toArray();
        for (int cut = 0; cut < wire.length; cut += 7) {
            byte[] part = java.util.Arrays.copyOf(wire, cut);
            assertMalformed(() -> DeviceListCodec.decode(Bytes.wrap(part)));
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    static void assertProtocol(Runnable r) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
    }

    static void assertMalformed(Runnable r) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
    }
}
