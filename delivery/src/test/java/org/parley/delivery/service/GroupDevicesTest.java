package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.bus.DeliveryMessage;
import org.parley.delivery.envelope.InnerMessage;
import org.parley.delivery.group.GroupState;
import org.parley.delivery.group.GroupStateCodec;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.delivery.service.DeliveryServiceTest.contacts;
import static org.parley.delivery.service.DeliveryServiceTest.controlSettled;
import static org.parley.delivery.service.GroupServiceTest.members;
import static org.parley.delivery.service.MultiDeviceTest.ask;
import static org.parley.delivery.service.MultiDeviceTest.devices;
import static org.parley.delivery.service.MultiDeviceTest.texts;

/**
 * Group changes reach every device (Sesame-style, like ordinary messages): alice (phone + laptop),
 * bob (phone + laptop) and carol. Alice's phone creates a group, removes and re-adds carol and makes
 * bob an admin; every device, the laptops included, ends at the same signed state, and group
 * messages from a phone and from a laptop show on every member device. States arriving twice (one
 * copy per device) or old ones resent change nothing.
 */
class GroupDevicesTest {

    /** The signed state a device holds, as bytes (so "same state" means the same signature too). */
    static Optional<String> held(SimNet.Peer p, String conv) {
        return p.service.groupState(conv).map(s -> GroupStateCodec.encode(s).hex());
    }

    static boolean allHold(List<SimNet.Peer> ps, String conv, long version) {
        return ps.stream().allMatch(p -> p.service.groupState(conv).map(s -> s.version() == version).orElse(false));
    }

    static void link(SimNet net, SimNet.Peer primary, SimNet.Peer device, String name, List<SimNet.Peer> everyone) {
        String code = ((DeliveryMessage.LinkCode) ask(device, new DeliveryMessage.BeginLink(name))).code();
        ask(primary, new DeliveryMessage.LinkDevice(code));
        assertThat(net.runUntil(() -> devices(device).role().equals("linked")
                && everyone.stream().allMatch(DeliveryServiceTest::controlSettled), 120_000))
                .as(name + " linked and every control message confirmed").isTrue();
    }

    @Test
    void groupChangesReachEveryDeviceOfEveryMemberAndOurOwnOtherDevices() {
        SimNet net = new SimNet(71, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 2);
        SimNet.Peer carol = net.peer("carol", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("carol"), 4);
        SimNet.Peer aliceLaptop = net.peer("alice-laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 3);
        SimNet.Peer bobLaptop = net.peer("bob-laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 5);
        link(net, alice, aliceLaptop, "Alice laptop", List.of(alice, aliceLaptop));
        link(net, bob, bobLaptop, "Bob laptop", List.of(bob, bobLaptop));
        String[] ab = DeliveryServiceTest.connect(net, alice, bob);
        String[] ac = DeliveryServiceTest.connect(net, alice, carol);
        DeliveryServiceTest.connect(net, bob, carol);
        List<SimNet.Peer> all = List.of(alice, aliceLaptop, bob, bobLaptop, carol);
        assertThat(net.runUntil(() -> contacts(aliceLaptop).size() == 2 && contacts(bobLaptop).size() == 2
                && all.stream().allMatch(DeliveryServiceTest::controlSettled), 120_000)).isTrue();
        String bobAtAlice = ab[0], carolAtAlice = ac[0];

        // create: every device of every member, and alice's laptop, hold version 1
        String group = ((DeliveryMessage.ConversationReply) ask(alice, new DeliveryMessage.CreateGroup("team", List.of(bobAtAlice, carolAtAlice))))
                .conversation().conversationId();
        assertThat(net.runUntil(() -> allHold(all, group, 1) && all.stream().allMatch(DeliveryServiceTest::controlSettled), 60_000)).isTrue();
        for (SimNet.Peer p : all) assertThat(held(p, group)).as(p.name).isEqualTo(held(alice, group));
        String v1 = held(alice, group).orElseThrow();
        // the laptops count as members through their accounts: they fan out to the others
        assertThat(members(bobLaptop, group)).hasSize(2);
        assertThat(members(aliceLaptop, group)).hasSize(2);

        // remove carol (v2), add her back (v3), make bob an admin (v4): the same state everywhere after each
        alice.service.changeGroup(group, List.of(), List.of(carolAtAlice)).toCompletableFuture().join();
        assertThat(net.runUntil(() -> allHold(all, group, 2), 60_000)).isTrue();
        assertThat(members(carol, group)).isEmpty();
        assertThat(members(bobLaptop, group)).hasSize(1);
        assertThat(members(aliceLaptop, group)).containsExactly(bobAtAlice);
        alice.service.changeGroup(group, List.of(carolAtAlice), List.of()).toCompletableFuture().join();
        assertThat(net.runUntil(() -> allHold(all, group, 3), 60_000)).isTrue();
        alice.service.addGroupAdmins(group, List.of(bobAtAlice)).toCompletableFuture().join();
        assertThat(net.runUntil(() -> allHold(all, group, 4) && all.stream().allMatch(DeliveryServiceTest::controlSettled), 60_000)).isTrue();
        for (SimNet.Peer p : all) assertThat(held(p, group)).as(p.name).isEqualTo(held(alice, group));
        GroupState v4 = bobLaptop.service.groupState(group).orElseThrow();
        assertThat(v4.isAdmin(bob.service.account().identity().publicKey().signingKey())).isTrue();
        assertThat(v4.members()).hasSize(3);
        for (SimNet.Peer p : List.of(alice, aliceLaptop, bob, bobLaptop)) assertThat(members(p, group)).as(p.name).hasSize(2);
        assertThat(members(carol, group)).hasSize(2);

        // group messages: from alice's phone and from bob's laptop, shown on every other member device
        alice.service.sendText(group, "from alice's phone").toCompletableFuture().join();
        bobLaptop.service.sendText(group, "from bob's laptop").toCompletableFuture().join();
        assertThat(net.runUntil(() -> texts(bob, "in", group).contains("from alice's phone")
                && texts(bobLaptop, "in", group).contains("from alice's phone")
                && texts(carol, "in", group).containsAll(List.of("from alice's phone", "from bob's laptop"))
                && texts(alice, "in", group).contains("from bob's laptop")
                && texts(aliceLaptop, "in", group).contains("from bob's laptop")
                && texts(aliceLaptop, "out", group).contains("from alice's phone")
                && texts(bob, "out", group).contains("from bob's laptop"), 60_000)).isTrue();

        assertThat(all.stream().mapToLong(p -> p.service.groupChangesRefused()).sum()).isZero();

        // duplicates are harmless: the current state again (as a second device's copy would come) and an
        // old one, sent to every device alice knows, leave every device at the same state
        assertThat(all.stream().map(p -> held(p, group).orElseThrow()).collect(Collectors.toSet())).hasSize(1);
        String v4bytes = held(alice, group).orElseThrow();
        for (String state : List.of(v4bytes, v1)) {
            GroupState s = GroupStateCodec.decode(Bytes.fromHex(state));
            alice.service.queueGroupControl(new InnerMessage.GroupControl(s.groupId(), InnerMessage.GroupControl.Action.ADD_MEMBERS, "",
                    List.of(), s.version(), Bytes.fromHex(state)), alice.service.peerIds()).toCompletableFuture().join();
        }
        assertThat(net.runUntil(() -> controlSettled(alice), 30_000)).isTrue();
        net.scheduler.advance(5_000);
        for (SimNet.Peer p : all) assertThat(held(p, group)).as(p.name).contains(v4bytes);
        assertThat(members(bobLaptop, group)).hasSize(2);
        assertThat(texts(bobLaptop, "in", group)).containsExactly("from alice's phone");

        // bob leaves from his laptop: both bob devices are out (his phone, an admin, issues nothing for
        // its own account), alice's phone answers with version 5 without bob, which her laptop and carol get
        bobLaptop.service.leaveGroup(group).toCompletableFuture().join();
        List<SimNet.Peer> staying = List.of(alice, aliceLaptop, carol);
        assertThat(net.runUntil(() -> allHold(staying, group, 5) && members(bob, group).isEmpty()
                && all.stream().allMatch(DeliveryServiceTest::controlSettled), 60_000)).isTrue();
        for (SimNet.Peer p : staying) assertThat(held(p, group)).as(p.name).isEqualTo(held(alice, group));
        assertThat(alice.service.groupState(group).orElseThrow().find(bob.service.account().identity().publicKey())).isEmpty();
        assertThat(members(bobLaptop, group)).isEmpty();
        assertThat(members(aliceLaptop, group)).hasSize(1);
        assertThat(members(carol, group)).hasSize(1);
        assertThat(all.stream().mapToLong(p -> p.service.groupChangesRefused()).sum()).isZero();
    }
}
