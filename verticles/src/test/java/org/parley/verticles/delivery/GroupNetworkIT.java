package org.parley.verticles.delivery;

import io.vertx.core.eventbus.ReplyException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.ConversationView;
import org.parley.core.bus.DeliveryMessage.Event;
import org.parley.core.bus.DeliveryMessage.MessageView;
import org.parley.core.bus.Ping;
import org.parley.core.bus.Status;
import org.parley.verticles.node.Node;
import org.parley.verticles.testing.FixedDirectoryNet;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.verticles.testing.FixedDirectoryNet.ask;

/**
 * Issue 6's group check on the real stack: five relay nodes and five user nodes in this JVM over
 * TLS links on loopback (real circuits, real RocksDB, discovery replaced by a fixed directory).
 * The users connect pairwise by invites; alice creates a group with the four others; every member
 * sends three group texts, every other member shows each exactly once in its sender's order, and
 * each sent text reaches {@code delivered} (the minimum over its four recipients). Alice then
 * removes eve: texts sent afterwards reach the three others and never eve. Last, bob posts a 5 MiB
 * attachment into the group: alice, carol and dave receive it byte-exact (SHA-256), eve gets nothing.
 */
@Tag("testnet")
class GroupNetworkIT {
    static final int RELAYS = 5;
    static final int ROUNDS = 3;
    static final long WAIT = 120_000;
    static final List<String> NAMES = List.of("Alice", "Bob", "Carol", "Dave", "Eve");
    static final int ALICE = 0, BOB = 1, CAROL = 2, DAVE = 3, EVE = 4;

    final FixedDirectoryNet net = new FixedDirectoryNet();
    final List<Node> users = new ArrayList<>();
    final List<List<Event>> events = new ArrayList<>();

    @AfterEach
    void stopAll() {
        net.close();
    }

    static String state(Node n) {
        try {
            Status s = ask(n, Concern.DELIVERY.pingAddress(), new Ping("it"));
            return s.details().getOrDefault("account", s.state());
        } catch (Exception e) {
            return "no answer";
        }
    }

    static void await(String what, BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(100);
        assertThat(c.getAsBoolean()).as(what).isTrue();
    }

    <T> T api(int user, Object request) throws Exception {
        return ask(users.get(user), Addresses.DELIVERY_API, request);
    }

    ConversationView group(int user, String conv) {
        try {
            DeliveryMessage.Conversations cs = api(user, new DeliveryMessage.ListConversations());
            return cs.conversations().stream().filter(c -> c.conversationId().equals(conv)).findFirst().orElse(null);
        } catch (Exception e) {
            return null;
        }
    }

    /** The texts {@code user} was shown (a "message" event) in {@code conv} from {@code sender}, in the order shown. */
    List<String> shown(int user, String conv, int sender) {
        return events.get(user).stream().filter(e -> e.type().equals("message") && e.message().direction().equals("in")
                        && e.message().conversationId().equals(conv) && e.message().senderName().equals(NAMES.get(sender)))
                .map(e -> e.message().text()).toList();
    }

    boolean reached(int user, String messageId, String status) {
        return events.get(user).stream().anyMatch(e -> e.message() != null && e.message().messageId().equals(messageId)
                && e.message().status().equals(status));
    }

    List<MessageView> listed(int user, String conv) throws Exception {
        DeliveryMessage.Messages ms = api(user, new DeliveryMessage.ListMessages(conv, 0, 200));
        return ms.messages();
    }

    static String text(int sender, int round) {
        return NAMES.get(sender) + " #" + round;
    }

    @Test
    void fiveMembersChatRemoveOneAndShareFiveMib(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        net.relays(dir, RELAYS);
        for (String name : NAMES) {
            Node u = net.start(dir.resolve(name.toLowerCase()), FixedDirectoryNet.USER, name);
            List<Event> list = new CopyOnWriteArrayList<>();
            u.vertx().eventBus().<Event>consumer(Addresses.DELIVERY_EVENTS, m -> list.add(m.body()));
            users.add(u);
            events.add(list);
        }
        await("all five users ready", () -> users.stream().allMatch(u -> state(u).equals("ready")), 60_000);

        // everyone connects to everyone: i adds j's invite, j learns i from i's contact card
        List<String> invites = new ArrayList<>();
        for (int i = 0; i < NAMES.size(); i++) invites.add(this.<DeliveryMessage.Me>api(i, new DeliveryMessage.GetMe()).invite());
        for (int i = 0; i < NAMES.size(); i++) {
            for (int j = i + 1; j < NAMES.size(); j++) {
                DeliveryMessage.ContactReply r = api(i, new DeliveryMessage.AddContact(invites.get(j), ""));
                assertThat(r.contact().name()).isEqualTo(NAMES.get(j));
            }
        }
        List<Map<String, String>> ids = new ArrayList<>(); // per user: name -> contact id
        for (int i = 0; i < NAMES.size(); i++) ids.add(new HashMap<>());
        await("every user knows the four others", () -> {
            for (int i = 0; i < NAMES.size(); i++) {
                try {
                    DeliveryMessage.Contacts cs = api(i, new DeliveryMessage.ListContacts());
                    Map<String, String> known = ids.get(i);
                    known.clear();
                    cs.contacts().forEach(c -> known.put(c.name(), c.contactId()));
                } catch (Exception e) {
                    return false;
                }
                if (ids.get(i).size() != 4) return false;
            }
            return true;
        }, WAIT);
        for (int i = 0; i < NAMES.size(); i++) {
            List<String> others = new ArrayList<>(NAMES);
            others.remove(i);
            assertThat(ids.get(i).keySet()).containsExactlyInAnyOrderElementsOf(others);
        }
        long connected = (System.nanoTime() - t0) / 1_000_000;

        // alice creates the group; each member's copy lists the four others
        List<String> members = List.of(ids.get(ALICE).get("Bob"), ids.get(ALICE).get("Carol"), ids.get(ALICE).get("Dave"),
                ids.get(ALICE).get("Eve"));
        DeliveryMessage.ConversationReply created = api(ALICE, new DeliveryMessage.CreateGroup("five", members));
        String conv = created.conversation().conversationId();
        assertThat(created.conversation().kind()).isEqualTo("group");
        assertThat(created.conversation().memberContactIds()).containsExactlyInAnyOrderElementsOf(members);
        for (int i = BOB; i <= EVE; i++) {
            int u = i;
            await(NAMES.get(u) + " has the group with the four others", () -> {
                ConversationView g = group(u, conv);
                return g != null && g.memberContactIds().size() == 4;
            }, WAIT);
            ConversationView g = group(u, conv);
            assertThat(g.kind()).isEqualTo("group");
            assertThat(g.title()).isEqualTo("five");
            assertThat(g.memberContactIds()).containsExactlyInAnyOrderElementsOf(ids.get(u).values());
        }

        // every member sends ROUNDS texts, interleaved across senders
        List<List<String>> sent = new ArrayList<>(); // per user: message ids in send order
        for (int i = 0; i < NAMES.size(); i++) sent.add(new ArrayList<>());
        for (int r = 0; r < ROUNDS; r++) {
            for (int i = 0; i < NAMES.size(); i++) {
                DeliveryMessage.MessageReply m = api(i, new DeliveryMessage.SendText(conv, text(i, r)));
                assertThat(m.message().conversationId()).isEqualTo(conv);
                sent.get(i).add(m.message().messageId());
            }
        }
        await("every member shows every other member's texts", () -> {
            for (int u = 0; u < NAMES.size(); u++) {
                for (int s = 0; s < NAMES.size(); s++) if (s != u && shown(u, conv, s).size() < ROUNDS) return false;
            }
            return true;
        }, WAIT);
        await("every group text delivered to all four recipients", () -> {
            for (int u = 0; u < NAMES.size(); u++) for (String id : sent.get(u)) if (!reached(u, id, "delivered")) return false;
            return true;
        }, WAIT);
        long chatted = (System.nanoTime() - t0) / 1_000_000;
        for (int u = 0; u < NAMES.size(); u++) {
            List<MessageView> list = listed(u, conv);
            for (int s = 0; s < NAMES.size(); s++) {
                if (s == u) continue;
                List<String> expected = new ArrayList<>();
                for (int r = 0; r < ROUNDS; r++) expected.add(text(s, r));
                assertThat(shown(u, conv, s)).as("%s shows %s's texts once each, in order", NAMES.get(u), NAMES.get(s))
                        .containsExactlyElementsOf(expected);
                int sender = s;
                List<String> stored = new ArrayList<>(list.stream().filter(m -> m.direction().equals("in")
                        && m.senderName().equals(NAMES.get(sender))).map(MessageView::text).toList());
                java.util.Collections.reverse(stored); // listed newest first
                assertThat(stored).as("%s lists %s's texts once each, in order", NAMES.get(u), NAMES.get(s))
                        .containsExactlyElementsOf(expected);
            }
            for (String id : sent.get(u)) {
                assertThat(list.stream().filter(m -> m.messageId().equals(id)).map(MessageView::status).toList())
                        .as("%s's own text %s", NAMES.get(u), id).containsExactly("delivered");
            }
        }

        // alice removes eve: the three others drop her, eve's copy has no members left (she cannot send)
        String eveAtAlice = ids.get(ALICE).get("Eve");
        DeliveryMessage.ConversationReply changed = api(ALICE, new DeliveryMessage.ChangeGroup(conv, List.of(), List.of(eveAtAlice)));
        assertThat(changed.conversation().memberContactIds()).hasSize(3).doesNotContain(eveAtAlice);
        for (int i : new int[]{BOB, CAROL, DAVE}) {
            String eve = ids.get(i).get("Eve");
            await(NAMES.get(i) + " dropped eve", () -> {
                ConversationView g = group(i, conv);
                return g != null && g.memberContactIds().size() == 3 && !g.memberContactIds().contains(eve);
            }, WAIT);
        }
        await("eve's copy of the group is empty", () -> {
            ConversationView g = group(EVE, conv);
            return g != null && g.memberContactIds().isEmpty();
        }, WAIT);
        assertThatThrownBy(() -> api(EVE, new DeliveryMessage.SendText(conv, "still here?")))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ReplyException.class);

        String afterAlice = "Alice after eve left", afterDave = "Dave after eve left";
        String idA = this.<DeliveryMessage.MessageReply>api(ALICE, new DeliveryMessage.SendText(conv, afterAlice)).message().messageId();
        String idD = this.<DeliveryMessage.MessageReply>api(DAVE, new DeliveryMessage.SendText(conv, afterDave)).message().messageId();
        await("texts after the removal shown to the three others", () -> shown(BOB, conv, ALICE).contains(afterAlice)
                && shown(CAROL, conv, ALICE).contains(afterAlice) && shown(DAVE, conv, ALICE).contains(afterAlice)
                && shown(ALICE, conv, DAVE).contains(afterDave) && shown(BOB, conv, DAVE).contains(afterDave)
                && shown(CAROL, conv, DAVE).contains(afterDave), WAIT);
        await("texts after the removal delivered", () -> reached(ALICE, idA, "delivered") && reached(DAVE, idD, "delivered"), WAIT);

        // bob posts a 5 MiB attachment into the group: the three remaining members receive it byte-exact
        byte[] file = new byte[5 * 1024 * 1024];
        new Random(5).nextBytes(file);
        Bytes digest = Bytes.wrap(MessageDigest.getInstance("SHA-256").digest(file));
        DeliveryMessage.AttachmentReply begun = api(BOB, new DeliveryMessage.BeginAttachment("five.bin", "application/octet-stream"));
        String attId = begun.attachment().attachmentId();
        for (int off = 0; off < file.length; off += 256 * 1024) {
            api(BOB, new DeliveryMessage.AttachmentPart(attId, Bytes.of(file, off, Math.min(256 * 1024, file.length - off))));
        }
        DeliveryMessage.AttachmentReply ready = api(BOB, new DeliveryMessage.FinishAttachment(attId));
        assertThat(ready.attachment().status()).isEqualTo("ready");
        long a0 = System.nanoTime();
        String fileText = "five MiB for the group";
        DeliveryMessage.MessageReply post = api(BOB, new DeliveryMessage.SendAttachments(conv, fileText, List.of(attId)));
        Predicate<Event> receivedHere = e -> e.type().equals("attachment") && e.message().conversationId().equals(conv)
                && e.message().attachments().stream().anyMatch(a -> a.status().equals("received"));
        for (int i : new int[]{ALICE, CAROL, DAVE}) {
            await(NAMES.get(i) + " received the 5 MiB file", () -> events.get(i).stream().anyMatch(receivedHere), WAIT);
        }
        long attMillis = (System.nanoTime() - a0) / 1_000_000;
        for (int i : new int[]{ALICE, CAROL, DAVE}) {
            DeliveryMessage.AttachmentView view = events.get(i).stream().filter(receivedHere).findFirst().orElseThrow()
                    .message().attachments().get(0);
            assertThat(view.name()).isEqualTo("five.bin");
            assertThat(view.size()).isEqualTo(file.length);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long total = 0;
            int count = 1;
            for (int c = 0; c < count; c++) {
                DeliveryMessage.AttachmentChunk chunk = api(i, new DeliveryMessage.ReadAttachmentChunk(view.attachmentId(), c));
                count = chunk.count();
                md.update(chunk.data().toArray());
                total += chunk.data().length();
            }
            assertThat(total).as("%s's copy length", NAMES.get(i)).isEqualTo(file.length);
            assertThat(Bytes.wrap(md.digest())).as("%s's copy digest", NAMES.get(i)).isEqualTo(digest);
            assertThat(shown(i, conv, BOB).stream().filter(fileText::equals).count()).as("%s shows the post once", NAMES.get(i)).isEqualTo(1);
        }
        await("bob's post delivered", () -> reached(BOB, post.message().messageId(), "delivered"), WAIT);

        // eve never saw anything sent after her removal (by now the attachment's chunks have long gone out)
        List<String> eveTexts = events.get(EVE).stream().filter(e -> e.message() != null && e.message().direction().equals("in")
                && e.message().conversationId().equals(conv)).map(e -> e.message().text()).toList();
        assertThat(eveTexts).doesNotContain(afterAlice, afterDave, fileText);
        assertThat(events.get(EVE).stream().filter(e -> e.type().equals("attachment"))).isEmpty();
        assertThat(listed(EVE, conv).stream().map(MessageView::text)).doesNotContain(afterAlice, afterDave, fileText);
        // and nothing showed up twice meanwhile (late resends)
        for (int u = 0; u < NAMES.size(); u++) {
            for (int s = 0; s < NAMES.size(); s++) {
                if (s == u) continue;
                List<String> texts = shown(u, conv, s);
                assertThat(texts).as("%s from %s, no duplicates", NAMES.get(u), NAMES.get(s)).doesNotHaveDuplicates();
            }
        }
        System.out.printf("group of 5 over %d relays: connected in %d ms, %d group texts shown and delivered at %d ms, "
                        + "5 MiB to 3 members received and checked in %d ms, total %d ms%n", RELAYS, connected, NAMES.size() * ROUNDS,
                chatted, attMillis, (System.nanoTime() - t0) / 1_000_000);
    }
}
