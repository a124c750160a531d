package org.parley.delivery.service;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.core.bus.DeliveryMessage;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.delivery.service.DeliveryServiceTest.contacts;
import static org.parley.delivery.service.MultiDeviceTest.send;
import static org.parley.delivery.service.MultiDeviceTest.texts;

/**
 * Linking after the accounts are contacts (GroupDevicesTest links first): alice and bob are contacts,
 * then alice links a laptop, then bob links one. A contact is an account (its primary's key and signed
 * device list), so bob's laptop lists alice once, and messages from alice's phone and from her laptop
 * land in one conversation on both bob devices; every device-list announce is confirmed.
 */
class LateLinkContactsTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {73, 91, 112})
    void devicesLinkedAfterTheAccountsAreContactsStillMapToOneContactPerAccount(long seed) {
        SimNet net = new SimNet(seed, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 2);
        SimNet.Peer aliceLaptop = net.peer("alice-laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 3);
        SimNet.Peer bobLaptop = net.peer("bob-laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 5);
        String[] ab = DeliveryServiceTest.connect(net, alice, bob);
        String bobAtAlice = ab[0], aliceAtBob = ab[1];

        GroupDevicesTest.link(net, alice, aliceLaptop, "Alice laptop", List.of(alice, aliceLaptop, bob));
        GroupDevicesTest.link(net, bob, bobLaptop, "Bob laptop", List.of(bob, bobLaptop, alice, aliceLaptop));
        List<SimNet.Peer> all = List.of(alice, aliceLaptop, bob, bobLaptop);
        assertThat(net.runUntil(() -> !contacts(bobLaptop).isEmpty() && !contacts(aliceLaptop).isEmpty()
                && all.stream().allMatch(DeliveryServiceTest::controlSettled), 120_000))
                .as("every device-list announce confirmed").isTrue();

        // one contact per account on every device, keyed by the account (the primary's id)
        assertThat(contacts(bobLaptop)).extracting(DeliveryMessage.ContactView::contactId).containsExactly(aliceAtBob);
        assertThat(contacts(bob)).extracting(DeliveryMessage.ContactView::contactId).containsExactly(aliceAtBob);
        assertThat(contacts(aliceLaptop)).extracting(DeliveryMessage.ContactView::contactId).containsExactly(bobAtAlice);
        assertThat(contacts(alice)).extracting(DeliveryMessage.ContactView::contactId).containsExactly(bobAtAlice);
        assertThat(MultiDeviceTest.conversations(bobLaptop)).extracting(DeliveryMessage.ConversationView::conversationId)
                .containsExactly(aliceAtBob);
        assertThat(MultiDeviceTest.conversations(aliceLaptop)).extracting(DeliveryMessage.ConversationView::conversationId)
                .containsExactly(bobAtAlice);
        assertThat(contacts(bobLaptop)).noneMatch(DeliveryMessage.ContactView::identityChanged);

        // from alice's phone and from her laptop: one conversation on both bob devices
        send(alice, bobAtAlice, "from alice's phone");
        send(aliceLaptop, bobAtAlice, "from alice's laptop");
        assertThat(net.runUntil(() -> texts(bob, "in", aliceAtBob).size() == 2 && texts(bobLaptop, "in", aliceAtBob).size() == 2
                && all.stream().allMatch(DeliveryServiceTest::controlSettled), 60_000)).isTrue();
        net.scheduler.advance(5_000); // any duplicate or stray conversation would have come by now
        assertThat(texts(bob, "in", aliceAtBob)).containsExactlyInAnyOrder("from alice's phone", "from alice's laptop");
        assertThat(texts(bobLaptop, "in", aliceAtBob)).containsExactlyInAnyOrder("from alice's phone", "from alice's laptop");
        assertThat(bobLaptop.events).filteredOn(e -> e.type().equals("message"))
                .allMatch(e -> e.message().conversationId().equals(aliceAtBob));
        assertThat(contacts(bobLaptop)).hasSize(1);

        // and bob's laptop answers into the same conversation on both alice devices
        send(bobLaptop, aliceAtBob, "from bob's laptop");
        assertThat(net.runUntil(() -> texts(alice, "in", bobAtAlice).contains("from bob's laptop")
                && texts(aliceLaptop, "in", bobAtAlice).contains("from bob's laptop"), 60_000)).isTrue();
        assertThat(contacts(aliceLaptop)).hasSize(1);
    }
}
