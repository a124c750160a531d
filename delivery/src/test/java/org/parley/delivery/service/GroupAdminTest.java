package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.MemberStatus;
import org.parley.core.bus.DeliveryMessage.MessageView;
import org.parley.delivery.envelope.InnerMessage;
import org.parley.delivery.group.GroupState;
import org.parley.delivery.group.GroupStateCodec;
import org.parley.delivery.identity.IdentityKeyPair;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.delivery.service.DeliveryServiceTest.controlSettled;
import static org.parley.delivery.service.DeliveryServiceTest.groupOf;
import static org.parley.delivery.service.DeliveryServiceTest.shownIds;
import static org.parley.delivery.service.GroupServiceTest.members;
import static org.parley.delivery.service.GroupServiceTest.send;
import static org.parley.delivery.service.GroupServiceTest.team;
import static org.parley.delivery.service.GroupServiceTest.world;

/**
 * Further admins: an admin signs the next version with a member's admin flag set; from then on that
 * member's own signed changes are applied by every member, also where they overtake the promotion;
 * two admins' changes to the same version end at the same state everywhere (also at a member only
 * the losing state listed). Non-admins stay
 * refused. Also the per-member status of a group message.
 */
class GroupAdminTest {

    static boolean holds(SimNet.Peer p, String conv, long version) {
        return p.service.groupState(conv).map(s -> s.version() == version).orElse(false);
    }

    static boolean isAdmin(SimNet.Peer p, String conv, SimNet.Peer who) {
        GroupState s = p.service.groupState(conv).orElseThrow();
        return s.find(who.service.account().identity().publicKey()).map(GroupState.Member::admin).orElse(false);
    }

    @Test
    void aMemberMadeAdminCanRemoveAndAddMembersAndEveryoneAppliesIt() {
        GroupServiceTest.World w = world(61, 4);
        SimNet net = w.net();
        String conv = team(w);
        SimNet.Peer p1 = w.p(1);
        DeliveryMessage.ConversationView v = w.p(0).service.addGroupAdmins(conv, List.of(w.id(0, 1))).toCompletableFuture().join();
        assertThat(v.adminContactIds()).containsExactlyInAnyOrder(w.p(0).service.me().userId(), w.id(0, 1));
        assertThat(net.runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 2)), 30_000)).isTrue();
        for (SimNet.Peer p : w.ps()) assertThat(isAdmin(p, conv, p1)).as(p.name).isTrue();
        assertThat(groupOf(w.p(2), conv).adminContactIds()).containsExactlyInAnyOrder(w.id(2, 0), w.id(2, 1));

        // the new admin removes p3: version 3, signed by p1, applied everywhere
        p1.service.changeGroup(conv, List.of(), List.of(w.id(1, 3))).toCompletableFuture().join();
        assertThat(net.runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 3)), 30_000)).isTrue();
        assertThat(members(w.p(0), conv)).containsExactlyInAnyOrder(w.id(0, 1), w.id(0, 2));
        assertThat(members(w.p(2), conv)).containsExactlyInAnyOrder(w.id(2, 0), w.id(2, 1));
        assertThat(members(w.p(3), conv)).isEmpty();
        // and adds it back: version 4
        p1.service.changeGroup(conv, List.of(w.id(1, 3)), List.of()).toCompletableFuture().join();
        assertThat(net.runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 4)) && controlSettled(p1), 30_000)).isTrue();
        assertThat(members(w.p(3), conv)).containsExactlyInAnyOrder(w.id(3, 0), w.id(3, 1), w.id(3, 2));
        assertThat(members(w.p(0), conv)).hasSize(3);
        assertThat(w.ps().stream().mapToLong(p -> p.service.groupChangesRefused()).sum()).isZero();
    }

    @Test
    void aNonAdminMayNeitherChangeMembersNorAddAdmins() {
        GroupServiceTest.World w = world(62, 4);
        String conv = team(w);
        SimNet.Peer p2 = w.p(2);
        assertThatThrownBy(() -> p2.service.addGroupAdmins(conv, List.of(w.id(2, 3)))).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
        Throwable viaBus = p2.service.handle(new DeliveryMessage.AddGroupAdmins(conv, List.of(w.id(2, 3)))).handle((r, e) -> e)
                .toCompletableFuture().join();
        assertThat(DeliveryService.cause(viaBus)).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
        // a non-member cannot be made admin
        assertThatThrownBy(() -> w.p(0).service.addGroupAdmins(conv, List.of("nobody"))).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
        // p0 makes p1 an admin; p2 still is not, and its removal of p3 is refused
        w.p(0).service.addGroupAdmins(conv, List.of(w.id(0, 1))).toCompletableFuture().join();
        assertThat(w.net().runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 2)), 30_000)).isTrue();
        assertThatThrownBy(() -> p2.service.changeGroup(conv, List.of(), List.of(w.id(2, 3)))).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
        assertThat(members(w.p(3), conv)).hasSize(3);
    }

    @Test
    void aNewAdminsChangeThatOvertakesItsPromotionIsAppliedWhenThePromotionComes() {
        GroupServiceTest.World w = world(63, 4);
        SimNet net = w.net();
        String conv = team(w);
        SimNet.Peer p1 = w.p(1), p2 = w.p(2);
        // what p0 sends p2 is pushed 5 s late, starting with the promotion (the second of its three sends: p1, p2, p3)
        int toP2 = net.sends.size() + 1;
        w.p(0).service.addGroupAdmins(conv, List.of(w.id(0, 1))).toCompletableFuture().join();
        assertThat(p2.ownInboxes).contains(net.sends.get(toP2).inbox());
        net.slowInboxes.add(net.sends.get(toP2).inbox());
        net.slowPushMillis = 5_000;
        assertThat(net.runUntil(() -> holds(p1, conv, 2), 3_000)).isTrue();
        assertThat(holds(p2, conv, 1)).isTrue();
        p1.service.changeGroup(conv, List.of(), List.of(w.id(1, 3))).toCompletableFuture().join();
        // p2 gets version 3 (signed by p1) while it holds version 1, where p1 is no admin: refused for now
        assertThat(net.runUntil(() -> p2.service.groupChangesRefused() == 1, 4_000)).isTrue();
        assertThat(holds(p2, conv, 1)).isTrue();
        // the promotion arrives: p2 applies it, then the kept version 3
        assertThat(net.runUntil(() -> holds(p2, conv, 3), 30_000)).isTrue();
        assertThat(members(p2, conv)).containsExactlyInAnyOrder(w.id(2, 0), w.id(2, 1));
        assertThat(net.runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 3)), 30_000)).isTrue();
    }

    @Test
    void aKeptChangeSurvivesARestartAndIsAppliedWhenThePromotionComes() {
        GroupServiceTest.World w = world(65, 4);
        SimNet net = w.net();
        String conv = team(w);
        SimNet.Peer p1 = w.p(1), p2 = w.p(2);
        int toP2 = net.sends.size() + 1; // the promotion to p2 is pushed late, as above
        w.p(0).service.addGroupAdmins(conv, List.of(w.id(0, 1))).toCompletableFuture().join();
        assertThat(p2.ownInboxes).contains(net.sends.get(toP2).inbox());
        net.slowInboxes.add(net.sends.get(toP2).inbox());
        net.slowPushMillis = 5_000;
        assertThat(net.runUntil(() -> holds(p1, conv, 2), 3_000)).isTrue();
        p1.service.changeGroup(conv, List.of(), List.of(w.id(1, 3))).toCompletableFuture().join();
        // p2 keeps version 3 aside (p1 is no admin of version 1) and acknowledges its envelope
        assertThat(net.runUntil(() -> p2.service.groupChangesRefused() == 1 && controlSettled(p1), 4_000)).isTrue();
        assertThat(p2.service.keptVersions(conv)).containsExactly(3L);
        assertThat(holds(p2, conv, 1)).isTrue();
        int stored = net.stored();

        // p2 restarts before the promotion arrives: version 3 is not sent again, only the store has it
        p2.service.stop();
        net.start(p2, DeliveryServiceTest.fast("p2"), 303);
        assertThat(p2.service.keptVersions(conv)).containsExactly(3L);
        assertThat(holds(p2, conv, 1)).isTrue();
        assertThat(net.runUntil(() -> holds(p2, conv, 3), 30_000)).as("still stored at the relay before: %d", stored).isTrue();
        assertThat(p2.service.keptVersions(conv)).isEmpty();
        assertThat(members(p2, conv)).containsExactlyInAnyOrder(w.id(2, 0), w.id(2, 1));
        assertThat(net.runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 3)), 30_000)).isTrue();
        // and a second restart finds nothing left to apply
        p2.service.stop();
        net.start(p2, DeliveryServiceTest.fast("p2"), 304);
        assertThat(p2.service.keptVersions(conv)).isEmpty();
        assertThat(holds(p2, conv, 3)).isTrue();
    }

    @Test
    void aKeptChangeThatTheHeldStateAlreadyVerifiesIsAppliedAtStart() {
        GroupServiceTest.World w = world(66, 4);
        SimNet net = w.net();
        String conv = team(w);
        SimNet.Peer p1 = w.p(1), p2 = w.p(2);
        int toP2 = net.sends.size() + 1;
        w.p(0).service.addGroupAdmins(conv, List.of(w.id(0, 1))).toCompletableFuture().join();
        Bytes promotion = storedGroup(w.p(0), conv).state(); // version 2, as p0 signed it
        assertThat(GroupStateCodec.decode(promotion).version()).isEqualTo(2);
        net.slowInboxes.add(net.sends.get(toP2).inbox());
        net.slowPushMillis = 5_000;
        assertThat(net.runUntil(() -> holds(p1, conv, 2), 3_000)).isTrue();
        p1.service.changeGroup(conv, List.of(), List.of(w.id(1, 3))).toCompletableFuture().join();
        assertThat(net.runUntil(() -> p2.service.keptVersions(conv).equals(List.of(3L)), 4_000)).isTrue();
        // p2 stops having stored version 2 but not yet applied what it kept (the store written as at that moment)
        p2.service.stop();
        p2.online = false;
        ConversationRecord held = p2.store.conversations().toCompletableFuture().join().stream()
                .filter(c -> c.conversationId().equals(conv)).findFirst().orElseThrow();
        ServiceCodec.Group g = storedGroup(p2, conv);
        p2.store.putConversation(new ConversationRecord(conv, "", held.title(), held.createdAtMillis(),
                ServiceCodec.encodeGroup(new ServiceCodec.Group(g.groupId(), g.members(), promotion, g.left())))).toCompletableFuture().join();
        net.start(p2, DeliveryServiceTest.fast("p2"), 305);
        // applied at start, before anything arrives (p2 is offline)
        assertThat(holds(p2, conv, 3)).isTrue();
        assertThat(p2.service.keptVersions(conv)).isEmpty();
        assertThat(members(p2, conv)).containsExactlyInAnyOrder(w.id(2, 0), w.id(2, 1));
    }

    static ServiceCodec.Group storedGroup(SimNet.Peer p, String conv) {
        return p.store.conversations().toCompletableFuture().join().stream().filter(c -> c.conversationId().equals(conv))
                .map(c -> ServiceCodec.decodeGroup(c.data())).findFirst().orElseThrow();
    }

    /** A demotion as the gateway sends it. */
    static DeliveryMessage.ConversationView demote(SimNet.Peer by, String conv, String contactId) {
        return ((DeliveryMessage.ConversationReply) by.service.handle(new DeliveryMessage.RemoveGroupAdmins(conv,
                List.of(contactId))).toCompletableFuture().join()).conversation();
    }

    static void refused(Runnable r, ParleyException.Kind kind) {
        assertThatThrownBy(r::run).satisfies(t -> assertThat(DeliveryService.cause(t)).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(kind)));
    }

    @Test
    void anAdminRemovesAnotherAdminsFlagEverywhereAndItsLaterChangesAreRefused() {
        GroupServiceTest.World w = world(68, 4);
        SimNet net = w.net();
        String conv = team(w);
        SimNet.Peer p1 = w.p(1);
        w.p(0).service.addGroupAdmins(conv, List.of(w.id(0, 1), w.id(0, 2))).toCompletableFuture().join();
        assertThat(net.runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 2)), 30_000)).isTrue();

        // p2 (an admin now, not the creator) clears p1's flag: version 3, applied everywhere
        DeliveryMessage.ConversationView v = demote(w.p(2), conv, w.id(2, 1));
        assertThat(v.adminContactIds()).containsExactlyInAnyOrder(w.id(2, 0), w.p(2).service.me().userId());
        assertThat(net.runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 3)), 30_000)).isTrue();
        for (SimNet.Peer p : w.ps()) {
            assertThat(isAdmin(p, conv, p1)).as(p.name).isFalse();
            assertThat(isAdmin(p, conv, w.p(2))).as(p.name).isTrue();
            assertThat(members(p, conv)).as(p.name).hasSize(3); // a demotion removes no one
        }
        assertThat(groupOf(w.p(3), conv).adminContactIds()).containsExactlyInAnyOrder(w.id(3, 0), w.id(3, 2));
        assertThat(w.ps().stream().mapToLong(p -> p.service.groupChangesRefused()).sum()).isZero();

        // p1 can no longer change the group, nor remove admins
        refused(() -> p1.service.changeGroup(conv, List.of(), List.of(w.id(1, 3))).toCompletableFuture().join(), ParleyException.Kind.PROTOCOL_VIOLATION);
        refused(() -> demote(p1, conv, w.id(1, 2)), ParleyException.Kind.PROTOCOL_VIOLATION);
        // a demotion p1 signs anyway (of p2, version 4) is refused and counted by every member, which stay at version 3
        GroupState held = p1.service.groupState(conv).orElseThrow();
        IdentityKeyPair p1Key = p1.service.account().identity();
        List<GroupState.Member> cleared = held.members().stream()
                .map(m -> m.key().equals(w.p(2).service.account().identity().publicKey()) ? new GroupState.Member(m.key(), m.addedAt(), false) : m)
                .toList();
        GroupState forged = GroupStateCodec.sign(p1Key, held.groupId(), held.creator(), held.salt(), 4, held.name(), cleared);
        p1.service.queueGroupControl(new InnerMessage.GroupControl(held.groupId(), InnerMessage.GroupControl.Action.ADD_MEMBERS, "",
                List.of(w.p(2).service.account().identity().publicKey().encode()), 4, GroupStateCodec.encode(forged)), w.ids(1, 0, 2, 3));
        assertThat(net.runUntil(() -> controlSettled(p1), 30_000)).isTrue();
        for (int i : new int[]{0, 2, 3}) {
            assertThat(w.p(i).service.groupChangesRefused()).as("p%d refused", i).isEqualTo(1);
            assertThat(holds(w.p(i), conv, 3)).as("p%d", i).isTrue();
            assertThat(isAdmin(w.p(i), conv, w.p(2))).isTrue();
        }
    }

    @Test
    void theLastAdminAndTheCreatorKeepTheirFlagAndNonAdminsMayNotRemoveAdmins() {
        GroupServiceTest.World w = world(69, 4);
        SimNet net = w.net();
        String conv = team(w);
        SimNet.Peer p0 = w.p(0), p1 = w.p(1), p2 = w.p(2);
        // the creator alone: it is the last admin
        refused(() -> demote(p0, conv, p0.service.me().userId()), ParleyException.Kind.PROTOCOL_VIOLATION);
        // a non-admin may not; a non-member or a mixed request is bad input
        refused(() -> demote(p2, conv, w.id(2, 0)), ParleyException.Kind.PROTOCOL_VIOLATION);
        refused(() -> demote(p0, conv, "nobody"), ParleyException.Kind.MALFORMED_INPUT);
        refused(() -> p0.service.handle(new DeliveryMessage.RemoveGroupAdmins(conv, List.of(w.id(0, 1), "nobody")))
                .toCompletableFuture().join(), ParleyException.Kind.MALFORMED_INPUT);
        // a member that is no admin: nothing changes, no new version
        assertThat(demote(p0, conv, w.id(0, 3)).adminContactIds()).containsExactly(p0.service.me().userId());
        assertThat(holds(p0, conv, 1)).isTrue();

        p0.service.addGroupAdmins(conv, List.of(w.id(0, 1))).toCompletableFuture().join();
        assertThat(net.runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 2)), 30_000)).isTrue();
        // the new admin cannot clear the creator's flag
        refused(() -> demote(p1, conv, w.id(1, 0)), ParleyException.Kind.PROTOCOL_VIOLATION);
        assertThat(holds(p1, conv, 2)).isTrue();
        // but it may step down itself (its own user id): version 3, everywhere
        DeliveryMessage.ConversationView v = demote(p1, conv, p1.service.me().userId());
        assertThat(v.adminContactIds()).containsExactly(w.id(1, 0));
        assertThat(net.runUntil(() -> w.ps().stream().allMatch(p -> holds(p, conv, 3)), 30_000)).isTrue();
        for (SimNet.Peer p : w.ps()) assertThat(isAdmin(p, conv, p1)).as(p.name).isFalse();
        assertThat(w.ps().stream().mapToLong(p -> p.service.groupChangesRefused()).sum()).isZero();
    }

    @Test
    void twoAdminsChangingTheSameVersionEndAtOneStateEverywhere() {
        for (boolean p0First : new boolean[]{true, false}) {
            GroupServiceTest.World w = world(64, 5);
            SimNet net = w.net();
            // p0..p3; p4 knows everyone but is not in the group
            String conv = w.p(0).service.createGroup("team", w.ids(0, 1, 2, 3)).toCompletableFuture().join().conversationId();
            assertThat(net.runUntil(() -> w.ps().subList(0, 4).stream().allMatch(p -> holds(p, conv, 1)), 30_000)).isTrue();
            w.p(0).service.addGroupAdmins(conv, List.of(w.id(0, 1))).toCompletableFuture().join();
            assertThat(net.runUntil(() -> w.ps().subList(0, 4).stream().allMatch(p -> holds(p, conv, 2)), 30_000)).isTrue();
            // at once: p0 adds p4, p1 removes p3 — both sign version 3
            Runnable add = () -> w.p(0).service.changeGroup(conv, List.of(w.id(0, 4)), List.of()).toCompletableFuture().join();
            Runnable remove = () -> w.p(1).service.changeGroup(conv, List.of(), List.of(w.id(1, 3))).toCompletableFuture().join();
            (p0First ? add : remove).run();
            (p0First ? remove : add).run();
            assertThat(net.runUntil(() -> w.ps().stream().allMatch(DeliveryServiceTest::controlSettled), 60_000)).isTrue();
            GroupState at0 = w.p(0).service.groupState(conv).orElseThrow();
            assertThat(at0.version()).isEqualTo(3);
            for (int i : new int[]{1, 2, 3, 4}) {
                assertThat(w.p(i).service.groupState(conv).orElseThrow().signature()).as("p0 first %s, p%d", p0First, i).isEqualTo(at0.signature());
            }
            assertThat(members(w.p(2), conv)).hasSize(at0.members().size() - 1);
            // whoever the winning state does not list (p3 or p4) holds it too, with no members
            for (SimNet.Peer p : w.ps()) {
                if (at0.find(p.service.account().identity().publicKey()).isEmpty()) assertThat(members(p, conv)).as(p.name).isEmpty();
            }
        }
    }

    @Test
    void aGroupMessageShowsEachMembersStatus() {
        GroupServiceTest.World w = world(67, 4);
        SimNet net = w.net();
        String conv = team(w);
        w.p(3).online = false;
        MessageView m = send(w.p(0), conv, "status per member");
        assertThat(m.members()).extracting(MemberStatus::status).containsOnly("pending");
        assertThat(net.runUntil(() -> statuses(w.p(0), conv, m).values().stream().filter("delivered"::equals).count() == 2, 30_000)).isTrue();
        String p1sId = shownIds(w.p(1), conv).get(0);
        w.p(1).service.markRead(conv, p1sId).toCompletableFuture().join();
        assertThat(net.runUntil(() -> "read".equals(statuses(w.p(0), conv, m).get(w.id(0, 1))), 30_000)).isTrue();
        Map<String, String> s = statuses(w.p(0), conv, m);
        assertThat(s).containsExactlyInAnyOrderEntriesOf(Map.of(w.id(0, 1), "read", w.id(0, 2), "delivered", w.id(0, 3), "sent"));
        MessageView now = latest(w.p(0), conv, m);
        assertThat(now.status()).isEqualTo("sent"); // the lowest over members, as before
        // a direct message lists no members
        MessageView direct = w.p(0).service.sendText(w.id(0, 1), "direct").toCompletableFuture().join();
        assertThat(direct.members()).isEmpty();
    }

    static MessageView latest(SimNet.Peer p, String conv, MessageView m) {
        return p.service.listMessages(conv, 0, 50).toCompletableFuture().join().stream()
                .filter(x -> x.messageId().equals(m.messageId())).findFirst().orElseThrow();
    }

    static Map<String, String> statuses(SimNet.Peer p, String conv, MessageView m) {
        return latest(p, conv, m).members().stream().collect(Collectors.toMap(MemberStatus::contactId, MemberStatus::status));
    }
}
