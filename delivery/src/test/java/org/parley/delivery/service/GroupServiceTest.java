package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.ConversationView;
import org.parley.core.bus.DeliveryMessage.MessageView;
import org.parley.delivery.envelope.InnerMessage;
import org.parley.delivery.envelope.InnerMessage.GroupControl.Action;
import org.parley.delivery.group.GroupState;
import org.parley.delivery.group.GroupStateCodec;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.TestSessions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.delivery.service.DeliveryServiceTest.controlSettled;
import static org.parley.delivery.service.DeliveryServiceTest.fast;
import static org.parley.delivery.service.DeliveryServiceTest.groupOf;
import static org.parley.delivery.service.DeliveryServiceTest.shownTexts;

/**
 * Groups: admin-signed, versioned member lists. Changes arriving out of order end at the admin's
 * latest state; changes not signed by an admin are refused by everyone; a member may leave.
 */
class GroupServiceTest {

    /** n peers p0..p(n-1), each a contact of every other. */
    record World(SimNet net, List<SimNet.Peer> ps, Map<String, Map<String, String>> ids) {
        SimNet.Peer p(int i) {
            return ps.get(i);
        }

        /** The contact id that p(i) has for p(j). */
        String id(int i, int j) {
            return ids.get(p(i).name).get(p(j).name);
        }

        List<String> ids(int at, int... of) {
            List<String> out = new ArrayList<>();
            for (int j : of) out.add(id(at, j));
            return out;
        }
    }

    static World world(long seed, int n) {
        SimNet net = new SimNet(seed, 4);
        List<SimNet.Peer> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) ps.add(net.peer("p" + i, new InMemoryDeliveryStore(), fast("p" + i), i + 1));
        Map<String, Map<String, String>> ids = new HashMap<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                String[] c = DeliveryServiceTest.connect(net, ps.get(i), ps.get(j));
                ids.computeIfAbsent(ps.get(i).name, k -> new HashMap<>()).put(ps.get(j).name, c[0]);
                ids.computeIfAbsent(ps.get(j).name, k -> new HashMap<>()).put(ps.get(i).name, c[1]);
            }
        }
        return new World(net, ps, ids);
    }

    static List<String> members(SimNet.Peer p, String conv) {
        ConversationView v = groupOf(p, conv);
        return v == null ? null : v.memberContactIds();
    }

    /** p0 creates a group of p1..p3 and every member holds it with its 3 other members. */
    static String team(World w) {
        String conv = w.p(0).service.createGroup("team", w.ids(0, 1, 2, 3)).toCompletableFuture().join().conversationId();
        assertThat(w.net().runUntil(() -> w.ps().stream().allMatch(p -> members(p, conv) != null && members(p, conv).size() == 3)
                && w.ps().stream().allMatch(DeliveryServiceTest::controlSettled), 30_000)).isTrue();
        return conv;
    }

    static MessageView send(SimNet.Peer p, String conv, String text) {
        return p.service.sendText(conv, text).toCompletableFuture().join();
    }

    static boolean delivered(SimNet.Peer p, MessageView m) {
        return p.store.get(m.messageId()).orElseThrow().status() == MessageState.DELIVERED;
    }

    static Set<String> recipients(SimNet.Peer p, MessageView m) {
        return ServiceCodec.decodeProgress(p.store.get(m.messageId()).orElseThrow().extra()).recipients().keySet();
    }

    /** Incoming control messages from {@code sender} at {@code p}, by sender sequence, with the time each arrived. */
    static Map<Long, Long> controlArrivals(SimNet.Peer p, String senderId) {
        Map<Long, Long> out = new HashMap<>();
        for (MessageRecord m : p.store.allMessages()) {
            if (m.outgoing() || !m.conversationId().equals(DeliveryService.CONTROL)) continue;
            ServiceCodec.InBody b = ServiceCodec.decodeIn(m.body());
            if (b.senderContactId().equals(senderId) && b.kind() == ServiceCodec.Kind.GROUP_CONTROL) out.put(b.sequence(), m.updatedAtMillis());
        }
        return out;
    }

    @Test
    void aRemoveThatOvertakesTheCreateStillLeavesTheRemovedMemberOutEverywhere() {
        World w = world(31, 4);
        SimNet net = w.net();
        SimNet.Peer admin = w.p(0), p1 = w.p(1), p3 = w.p(3);
        // the create's envelope to p1 (the first send createGroup makes) is pushed 5 s late: the remove overtakes it
        int createToP1 = net.sends.size();
        net.slowSendIndex = createToP1;
        net.slowPushMillis = 5_000;
        String conv = admin.service.createGroup("team", w.ids(0, 1, 2, 3)).toCompletableFuture().join().conversationId();
        assertThat(p1.ownInboxes).contains(net.sends.get(createToP1).inbox());
        admin.service.changeGroup(conv, List.of(), List.of(w.id(0, 3))).toCompletableFuture().join();
        assertThat(net.runUntil(() -> controlSettled(admin), 60_000)).isTrue();

        // at p1 the remove (p0's next sequence number) did arrive before the create
        Map<Long, Long> at = controlArrivals(p1, w.id(1, 0));
        assertThat(at).hasSize(2);
        long createSeq = at.keySet().stream().min(Long::compare).orElseThrow();
        assertThat(at.get(createSeq)).isGreaterThan(at.get(createSeq + 1));

        // every remaining member holds version 2 without p3; p3 knows it is out
        assertThat(members(admin, conv)).containsExactlyInAnyOrder(w.id(0, 1), w.id(0, 2));
        assertThat(members(p1, conv)).containsExactlyInAnyOrder(w.id(1, 0), w.id(1, 2));
        assertThat(members(w.p(2), conv)).containsExactlyInAnyOrder(w.id(2, 0), w.id(2, 1));
        assertThat(members(p3, conv)).isEmpty();
        for (int i = 0; i < 4; i++) assertThat(w.p(i).service.groupState(conv).orElseThrow().version()).isEqualTo(2);

        // later group messages never go to p3
        MessageView fromP1 = send(p1, conv, "after, from p1");
        MessageView fromP0 = send(admin, conv, "after, from p0");
        assertThat(net.runUntil(() -> delivered(p1, fromP1) && delivered(admin, fromP0), 30_000)).isTrue();
        assertThat(recipients(p1, fromP1)).containsExactlyInAnyOrder(w.id(1, 0), w.id(1, 2));
        assertThat(recipients(admin, fromP0)).containsExactlyInAnyOrder(w.id(0, 1), w.id(0, 2));
        net.scheduler.advance(5_000);
        assertThat(shownTexts(p3, conv)).isEmpty();
        assertThat(shownTexts(w.p(2), conv)).containsExactlyInAnyOrder("after, from p1", "after, from p0");
        assertThatThrownBy(() -> send(p3, conv, "x")).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
    }

    @Test
    void aChangeNotSignedByAnAdminIsRefusedByEveryone() {
        World w = world(41, 4);
        SimNet net = w.net();
        String conv = team(w);
        SimNet.Peer p1 = w.p(1);
        // through the API: a non-admin may not add or remove (the gateway answers 4xx)
        assertThatThrownBy(() -> p1.service.changeGroup(conv, List.of(), List.of(w.id(1, 2)))).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));
        Throwable viaBus = p1.service.handle(new DeliveryMessage.ChangeGroup(conv, List.of(), List.of(w.id(1, 2))))
                .handle((r, e) -> e).toCompletableFuture().join();
        assertThat(DeliveryService.cause(viaBus)).isInstanceOfSatisfying(ParleyException.class,
                e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.PROTOCOL_VIOLATION));

        // p1 sends forged removals of p2 anyway, through its real sessions: the old unsigned form, a state it
        // signed itself (marking itself admin), one that names p1 as the creator of the group's id, and one
        // at the version everybody holds
        GroupState held = p1.service.groupState(conv).orElseThrow();
        IdentityKeyPair p1Key = p1.service.account().identity();
        IdentityKey p2Key = w.p(2).service.account().identity().publicKey();
        List<GroupState.Member> without = new ArrayList<>();
        for (GroupState.Member m : held.members()) {
            if (m.key().equals(p2Key)) continue;
            without.add(m.key().equals(p1Key.publicKey()) ? new GroupState.Member(m.key(), m.addedAt(), true) : m);
        }
        GroupState selfSigned = GroupStateCodec.sign(p1Key, held.groupId(), held.creator(), held.salt(), 9, held.name(), without);
        GroupState sameVersion = GroupStateCodec.sign(p1Key, held.groupId(), held.creator(), held.salt(), 1, held.name(), without);
        List<GroupState.Member> asCreator = new ArrayList<>(without);
        GroupState claimsCreator = GroupStateCodec.sign(p1Key, held.groupId(), p1Key.publicKey(), held.salt(), 10, held.name(), asCreator);
        List<Bytes> removed = List.of(p2Key.encode());
        List<String> everyone = w.ids(1, 0, 2, 3);
        p1.service.queueGroupControl(new InnerMessage.GroupControl(held.groupId(), Action.REMOVE_MEMBERS, "", removed), everyone);
        p1.service.queueGroupControl(new InnerMessage.GroupControl(held.groupId(), Action.REMOVE_MEMBERS, "", removed, 9,
                GroupStateCodec.encode(selfSigned)), everyone);
        p1.service.queueGroupControl(new InnerMessage.GroupControl(held.groupId(), Action.REMOVE_MEMBERS, "", removed, 10,
                GroupStateCodec.encode(claimsCreator)), everyone);
        p1.service.queueGroupControl(new InnerMessage.GroupControl(held.groupId(), Action.REMOVE_MEMBERS, "", removed, 1,
                GroupStateCodec.encode(sameVersion)), everyone);
        assertThat(net.runUntil(() -> controlSettled(p1), 60_000)).isTrue();

        for (int i : new int[]{0, 2, 3}) {
            assertThat(w.p(i).service.groupChangesRefused()).as("p%d refused", i).isEqualTo(4);
            assertThat(w.p(i).service.groupState(conv).orElseThrow().version()).isEqualTo(1);
            assertThat(members(w.p(i), conv)).hasSize(3);
        }
        assertThat(members(w.p(0), conv)).contains(w.id(0, 2));
        assertThat(members(w.p(3), conv)).contains(w.id(3, 2));
        // p2 is still in: the admin's next message reaches it
        MessageView m = send(w.p(0), conv, "still here?");
        assertThat(net.runUntil(() -> delivered(w.p(0), m), 30_000)).isTrue();
        assertThat(shownTexts(w.p(2), conv)).containsExactly("still here?");
    }

    @Test
    void aMemberLeavesAndTheAdminsNextVersionConfirmsIt() {
        World w = world(51, 4);
        SimNet net = w.net();
        String conv = team(w);
        SimNet.Peer admin = w.p(0), p2 = w.p(2);
        String myUserId = p2.service.me().userId();
        // leaving is ChangeGroup(remove: [own user id]) and needs no admin
        ConversationView after = ((DeliveryMessage.ConversationReply) p2.service.handle(
                new DeliveryMessage.ChangeGroup(conv, List.of(), List.of(myUserId))).toCompletableFuture().join()).conversation();
        assertThat(after.memberContactIds()).isEmpty();
        assertThatThrownBy(() -> send(p2, conv, "x")).isInstanceOf(ParleyException.class);
        assertThat(net.runUntil(() -> controlSettled(p2) && controlSettled(admin)
                && w.ps().stream().filter(p -> p != p2).allMatch(p -> p.service.groupState(conv).orElseThrow().version() == 2), 60_000)).isTrue();
        assertThat(p2.service.groupState(conv).orElseThrow().version()).as("the leaver is not told").isEqualTo(1);
        // the admin issued version 2 without p2; everyone else holds it
        GroupState v2 = admin.service.groupState(conv).orElseThrow();
        assertThat(v2.find(p2.service.account().identity().publicKey())).isEmpty();
        assertThat(members(admin, conv)).containsExactlyInAnyOrder(w.id(0, 1), w.id(0, 3));
        assertThat(members(w.p(1), conv)).containsExactlyInAnyOrder(w.id(1, 0), w.id(1, 3));
        assertThat(members(w.p(3), conv)).containsExactlyInAnyOrder(w.id(3, 0), w.id(3, 1));
        assertThat(members(p2, conv)).isEmpty();
        assertThat(w.ps().stream().mapToLong(p -> p.service.groupChangesRefused()).sum()).isZero();
        MessageView m = send(w.p(1), conv, "bye p2");
        assertThat(net.runUntil(() -> delivered(w.p(1), m), 30_000)).isTrue();
        assertThat(recipients(w.p(1), m)).containsExactlyInAnyOrder(w.id(1, 0), w.id(1, 3));
        assertThat(shownTexts(p2, conv)).isEmpty();
        // the admin can bring p2 back; its leave does not hide it from a later add
        admin.service.changeGroup(conv, List.of(w.id(0, 2)), List.of()).toCompletableFuture().join();
        assertThat(net.runUntil(() -> members(p2, conv).size() == 3 && members(w.p(1), conv).size() == 3, 30_000)).isTrue();
    }

    /**
     * The membership rules alone: states apply only when newer, a leave is kept with the version its
     * sender held. Every order of the same changes ends with the same members at a recipient, and a
     * state the admin issued before it saw a leave never brings the leaver back.
     */
    @Test
    void everyArrivalOrderOfStatesAndLeavesEndsWithTheSameMembers() {
        java.security.SecureRandom rnd = TestSessions.seeded(5);
        IdentityKeyPair a = IdentityKeyPair.generate(rnd), b = IdentityKeyPair.generate(rnd), c = IdentityKeyPair.generate(rnd),
                d = IdentityKeyPair.generate(rnd);
        Bytes salt = Bytes.wrap(new byte[16]);
        Bytes gid = GroupStateCodec.groupId(a.publicKey(), salt);
        GroupState.Member ma = new GroupState.Member(a.publicKey(), 1, true), mb = new GroupState.Member(b.publicKey(), 1, false);
        GroupState.Member mc = new GroupState.Member(c.publicKey(), 1, false);
        GroupState v1 = GroupStateCodec.sign(a, gid, a.publicKey(), salt, 1, "g", List.of(ma, mb, mc));
        // v2: d added by an admin who has not seen c's leave yet (still lists c); v3: the leave confirmed; v4: c added again
        GroupState v2 = GroupStateCodec.sign(a, gid, a.publicKey(), salt, 2, "g", List.of(ma, mb, mc, new GroupState.Member(d.publicKey(), 2, false)));
        GroupState v3 = GroupStateCodec.sign(a, gid, a.publicKey(), salt, 3, "g", List.of(ma, mb, new GroupState.Member(d.publicKey(), 2, false)));
        GroupState v4 = GroupStateCodec.sign(a, gid, a.publicKey(), salt, 4, "g", List.of(ma, mb, new GroupState.Member(d.publicKey(), 2, false),
                new GroupState.Member(c.publicKey(), 4, false)));
        String ida = DeliveryService.contactId(a.publicKey()), idc = DeliveryService.contactId(c.publicKey()),
                idd = DeliveryService.contactId(d.publicKey());
        Object leave = "leave of c at 1";

        List<Object> events = List.of(v1, v2, leave, v3);
        Set<List<String>> endings = new HashSet<>();
        int orders = 0;
        for (List<Object> order : permutations(events)) {
            orders++;
            Recipient r = new Recipient(b.publicKey());
            for (Object e : order) {
                if (e == leave) r.leave(idc, 1);
                else r.apply((GroupState) e);
                // once c's leave is in, no state ever makes c a member again (v4 is not in this set)
                if (order.indexOf(leave) <= order.indexOf(e)) assertThat(r.members()).doesNotContain(idc);
            }
            endings.add(r.members());
        }
        assertThat(orders).isEqualTo(24);
        assertThat(endings).containsExactly(java.util.stream.Stream.of(ida, idd).sorted().toList());

        Set<Set<String>> withReadd = new HashSet<>();
        for (List<Object> order : permutations(List.of(v1, v2, leave, v3, v4))) {
            Recipient r = new Recipient(b.publicKey());
            for (Object e : order) {
                if (e == leave) r.leave(idc, 1);
                else r.apply((GroupState) e);
            }
            withReadd.add(Set.copyOf(r.members()));
        }
        assertThat(withReadd).containsExactly(Set.of(ida, idc, idd)); // the add after the leave counts

        // at c itself: after its own leave it is out of v2 (issued before the leave), in again at v4
        Recipient atC = new Recipient(c.publicKey());
        atC.apply(v1);
        atC.leave(idc, 1);
        atC.apply(v2);
        assertThat(atC.members()).isEmpty();
        atC.apply(v4);
        assertThat(atC.members()).hasSize(3);
    }

    /** What DeliveryService keeps per group, driven through its own static rules. */
    static final class Recipient {
        final IdentityKey me;
        GroupState held;
        Map<String, Long> left = new HashMap<>();

        Recipient(IdentityKey me) {
            this.me = me;
        }

        void apply(GroupState s) {
            GroupStateCodec.verify(s, Optional.ofNullable(held));
            if (held != null && s.version() <= held.version()) return;
            held = s;
            left = DeliveryService.pruned(left, s);
        }

        void leave(String who, long basis) {
            left.merge(who, basis, Math::max);
        }

        List<String> members() {
            return held == null ? List.of() : DeliveryService.fanout(held, left, me, id -> true).stream().sorted().toList();
        }
    }

    static <T> List<List<T>> permutations(List<T> items) {
        if (items.isEmpty()) return List.of(List.of());
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<T> rest = new ArrayList<>(items);
            T head = rest.remove(i);
            for (List<T> p : permutations(rest)) {
                List<T> l = new ArrayList<>();
                l.add(head);
                l.addAll(p);
                out.add(l);
            }
        }
        return out;
    }
}
