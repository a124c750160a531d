package org.parley.delivery.device;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.ManualClock;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.handshake.InMemoryPreKeyStore;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.invite.InviteCodec;
import org.parley.delivery.ratchet.TestSessions;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AccountDevicesTest {
    final ManualClock clock = new ManualClock(1_700_000_000_000L);
    final SecureRandom rnd = TestSessions.seeded(3);
    final IdentityKeyPair phone = IdentityKeyPair.generate(rnd), laptop = IdentityKeyPair.generate(rnd), bob = IdentityKeyPair.generate(rnd);
    final Invite.ContactInbox inbox = new Invite.ContactInbox(InboxId.random(rnd),
            List.of(new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[]{7})), "10.0.0.1:7400")));

    static String id(IdentityKey k) {
        return k.signingKey().slice(0, 8).hex();
    }

    DeviceContact reach(IdentityKeyPair k) {
        return new DeviceContact(new InMemoryPreKeyStore(k, rnd).bundle(false), inbox);
    }

    @Test
    void linkingApprovalAndUnlinkingMoveBothDevicesThroughTheirRoles() {
        AccountDevices atPhone = new AccountDevices(AccountDevicesTest::id), atLaptop = new AccountDevices(AccountDevicesTest::id);
        DeviceContact laptopReach = reach(laptop);
        String code = atLaptop.beginLink(laptop, laptopReach.bundle(), inbox, "Laptop", clock.nowMillis(), 600_000, rnd);
        assertThat(code).startsWith(LinkCodec.PREFIX);
        assertThat(atLaptop.pending()).isPresent();

        AccountDevices.Approved ok = atPhone.approve(phone, "Phone", reach(phone), code, clock);
        assertThat(atPhone.role()).isEqualTo(AccountDevices.Role.PRIMARY);
        assertThat(ok.list().active()).extracting(Device::name).containsExactly("Phone", "Laptop");
        assertThat(atPhone.ownOthers(id(phone.publicKey()))).containsExactly(id(laptop.publicKey()));
        assertThatThrownBy(() -> atPhone.approve(phone, "Phone", reach(phone), code, clock)).isInstanceOf(ParleyException.class); // used once

        // a wrong secret is refused, the right one links
        assertThat(atLaptop.acceptApproval(laptop.publicKey(), phone.publicKey(),
                new DeviceMessage.LinkApproval(Bytes.wrap(new byte[16]), ok.list()), clock.nowMillis())).isFalse();
        assertThat(atLaptop.acceptApproval(laptop.publicKey(), bob.publicKey(),
                new DeviceMessage.LinkApproval(ok.offer().secret(), ok.list()), clock.nowMillis())).isFalse(); // not from the signer
        assertThat(atLaptop.acceptApproval(laptop.publicKey(), phone.publicKey(),
                new DeviceMessage.LinkApproval(ok.offer().secret(), ok.list()), clock.nowMillis())).isTrue();
        assertThat(atLaptop.role()).isEqualTo(AccountDevices.Role.LINKED);
        assertThat(atLaptop.ownOthers(id(laptop.publicKey()))).containsExactly(id(phone.publicKey()));
        assertThat(atLaptop.isOwnDevice(id(phone.publicKey()))).isTrue();
        assertThatThrownBy(() -> atLaptop.unlink(laptop, id(phone.publicKey()), 1)).isInstanceOf(ParleyException.class);

        clock.advance(1_000);
        DeviceList v2 = atPhone.unlink(phone, id(laptop.publicKey()), clock.nowMillis());
        assertThat(v2.version()).isEqualTo(2);
        assertThat(atPhone.ownOthers(id(phone.publicKey()))).isEmpty();
        assertThat(atPhone.revoked(id(laptop.publicKey()))).isTrue();
        Optional<AccountDevices.Update> u = atLaptop.onAnnounce(laptop.publicKey(), phone.publicKey(), atPhone.ownAnnounce().orElseThrow());
        assertThat(u).isPresent();
        assertThat(u.get().own()).isTrue();
        assertThat(atLaptop.role()).isEqualTo(AccountDevices.Role.UNLINKED);
        assertThat(atLaptop.ownOthers(id(laptop.publicKey()))).isEmpty();
    }

    @Test
    void aContactFollowsAnAccountsDevicesAndComputesStatusPerAccount() {
        AccountDevices atPhone = new AccountDevices(AccountDevicesTest::id);
        String code = new AccountDevices(AccountDevicesTest::id).beginLink(laptop, reach(laptop).bundle(), inbox, "Laptop",
                clock.nowMillis(), 600_000, rnd);
        atPhone.approve(phone, "Phone", reach(phone), code, clock);
        DeviceMessage.Announce v1 = atPhone.ownAnnounce().orElseThrow();
        assertThat(v1.reach()).hasSize(2);

        AccountDevices atBob = new AccountDevices(AccountDevicesTest::id);
        String alice = id(phone.publicKey()), aliceLaptop = id(laptop.publicKey());
        AccountDevices.Update first = atBob.onAnnounce(bob.publicKey(), phone.publicKey(), v1).orElseThrow();
        assertThat(first.accountId()).isEqualTo(alice);
        assertThat(first.change().added()).extracting(Device::name).containsExactly("Phone", "Laptop");
        assertThat(atBob.onAnnounce(bob.publicKey(), laptop.publicKey(), v1)).isEmpty(); // the same list again: nothing new
        assertThat(atBob.accountOf(aliceLaptop)).isEqualTo(alice);
        assertThat(atBob.devicesOf(alice)).containsExactly(alice, aliceLaptop);
        assertThat(atBob.hidden(aliceLaptop)).isTrue();
        assertThat(atBob.hidden(alice)).isFalse();

        // delivered = one device of every account; own devices do not count
        String carol = "carol";
        assertThat(atBob.level(Map.of(alice, 0, aliceLaptop, 2, carol, 2))).isEqualTo(2);
        assertThat(atBob.level(Map.of(alice, 1, aliceLaptop, 1, carol, 3))).isEqualTo(1);
        assertThat(atPhone.level(Map.of(aliceLaptop, 0, id(bob.publicKey()), 3))).isEqualTo(3);

        // a rollback to the older list after the removal is refused
        atPhone.unlink(phone, aliceLaptop, clock.nowMillis() + 5);
        AccountDevices.Update removal = atBob.onAnnounce(bob.publicKey(), phone.publicKey(), atPhone.ownAnnounce().orElseThrow()).orElseThrow();
        assertThat(removal.change().removed()).extracting(Device::name).containsExactly("Laptop");
        assertThat(atBob.devicesOf(alice)).containsExactly(alice);
        assertThat(atBob.revoked(aliceLaptop)).isTrue();
        assertThatThrownBy(() -> atBob.onAnnounce(bob.publicKey(), phone.publicKey(), v1)).isInstanceOf(ParleyException.class);
        // the removed device cannot announce for the account any more
        assertThatThrownBy(() -> atBob.onAnnounce(bob.publicKey(), laptop.publicKey(), atPhone.ownAnnounce().orElseThrow()))
                .isInstanceOf(ParleyException.class);

        // the state survives a restart
        AccountDevices again = AccountDevices.decode(atBob.encode(), AccountDevicesTest::id);
        assertThat(again.devicesOf(alice)).containsExactly(alice);
        assertThat(again.revoked(aliceLaptop)).isTrue();
        AccountDevices phoneAgain = AccountDevices.decode(atPhone.encode(), AccountDevicesTest::id);
        assertThat(phoneAgain.role()).isEqualTo(AccountDevices.Role.PRIMARY);
        assertThat(phoneAgain.ownAnnounce()).isEqualTo(atPhone.ownAnnounce());
    }

    @Test
    void linkCodesAreSignedExpiringAndNotInvites() {
        DeviceContact r = reach(laptop);
        LinkOffer offer = LinkCodec.create(laptop, r.bundle(), inbox, "Laptop", clock.nowMillis() + 1_000, rnd);
        String code = LinkCodec.toCode(offer);
        assertThat(LinkCodec.parse(code, clock)).isEqualTo(offer);
        assertThat(LinkCodec.toCode(LinkCodec.decode(code))).isEqualTo(code);
        LinkOffer renamed = new LinkOffer(offer.bundle(), offer.inbox(), "Phone", offer.secret(), offer.expiresAtMillis(), offer.signature());
        assertThatThrownBy(() -> LinkCodec.parse(LinkCodec.toCode(renamed), clock)).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
        String invite = InviteCodec.toLink(InviteCodec.create(laptop, r.bundle(), inbox, Optional.of("Laptop"), clock.nowMillis() + 1_000));
        assertThatThrownBy(() -> LinkCodec.parse(invite, clock)).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> LinkCodec.parse(LinkCodec.PREFIX + invite.substring(InviteCodec.PREFIX.length()), clock))
                .isInstanceOf(ParleyException.class);
        clock.advance(1_000);
        assertThatThrownBy(() -> LinkCodec.parse(code, clock)).hasMessageContaining("expired");
    }

    @Test
    void aContactCannotClaimOurDevicesOrAnotherContactsDevices() {
        IdentityKeyPair mallory = IdentityKeyPair.generate(rnd), carol = IdentityKeyPair.generate(rnd);
        AccountDevices atBob = new AccountDevices(AccountDevicesTest::id);
        // a solo device is never pulled into someone's account by an announce naming it
        DeviceList claimsBob = DeviceListCodec.sign(mallory, 1, List.of(new Device(mallory.publicKey(), "M", 1, 0),
                new Device(bob.publicKey(), "bob?", 1, 0)));
        assertThatThrownBy(() -> atBob.onAnnounce(bob.publicKey(), mallory.publicKey(), new DeviceMessage.Announce(claimsBob, List.of())))
                .isInstanceOf(ParleyException.class);
        assertThat(atBob.role()).isEqualTo(AccountDevices.Role.SOLO);
        assertThat(atBob.ownOthers(id(bob.publicKey()))).isEmpty();
        // nor can mallory claim carol, whom bob knows as a contact, or alice's laptop
        DeviceList claimsCarol = DeviceListCodec.sign(mallory, 1, List.of(new Device(mallory.publicKey(), "M", 1, 0),
                new Device(carol.publicKey(), "carol?", 1, 0)));
        String carolId = id(carol.publicKey());
        assertThatThrownBy(() -> atBob.onAnnounce(bob.publicKey(), mallory.publicKey(), new DeviceMessage.Announce(claimsCarol, List.of()),
                carolId::equals)).isInstanceOf(ParleyException.class);
        assertThat(atBob.accountOf(carolId)).isEqualTo(carolId);
        AccountDevices atPhone = new AccountDevices(AccountDevicesTest::id);
        atPhone.approve(phone, "Phone", reach(phone), new AccountDevices(AccountDevicesTest::id).beginLink(laptop, reach(laptop).bundle(),
                inbox, "Laptop", clock.nowMillis(), 600_000, rnd), clock);
        atBob.onAnnounce(bob.publicKey(), phone.publicKey(), atPhone.ownAnnounce().orElseThrow());
        DeviceList claimsLaptop = DeviceListCodec.sign(mallory, 2, List.of(new Device(mallory.publicKey(), "M", 1, 0),
                new Device(laptop.publicKey(), "laptop?", 1, 0)));
        assertThatThrownBy(() -> atBob.onAnnounce(bob.publicKey(), mallory.publicKey(), new DeviceMessage.Announce(claimsLaptop, List.of())))
                .isInstanceOf(ParleyException.class);
        assertThat(atBob.accountOf(id(laptop.publicKey()))).isEqualTo(id(phone.publicKey()));
    }
}
