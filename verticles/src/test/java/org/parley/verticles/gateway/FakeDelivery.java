package org.parley.verticles.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.*;
import org.parley.core.bus.Ping;
import org.parley.core.bus.Probe;
import org.parley.core.bus.Status;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test double of the delivery verticle's client contract ({@link DeliveryMessage}): answers every
 * request on {@link Addresses#DELIVERY_API} from memory and publishes {@link Event}s with an
 * increasing cursor on {@link Addresses#DELIVERY_EVENTS}. With {@code autoAdvance} an outgoing
 * message walks pending → sent → delivered (→ read), and the contact answers it.
 */
final class FakeDelivery extends VerticleBase {
    final String myName;
    final boolean autoAdvance;
    final long stepMs;
    final Map<String, ContactView> contacts = new LinkedHashMap<>();
    final Map<String, ConversationView> conversations = new LinkedHashMap<>();
    final Map<String, List<MessageView>> messages = new LinkedHashMap<>();
    final List<Event> events = new ArrayList<>();
    final List<DeliveryMessage> requests = new ArrayList<>();
    private long nextId = 1;
    /** How often the invite's inbox was moved (RotateInbox "invite"); the invite link names the count. */
    int inviteMoves;
    private long clock = 1_700_000_000_000L;

    FakeDelivery(String myName, boolean autoAdvance, long stepMs) {
        this.myName = myName;
        this.autoAdvance = autoAdvance;
        this.stepMs = stepMs;
    }

    @Override
    public Future<?> start() {
        var bus = vertx.eventBus();
        return Future.join(List.of(
                bus.<Ping>consumer(Concern.DELIVERY.pingAddress(), m -> m.reply(new Status("delivery", "local", "UP", Map.of()))).completion(),
                bus.<Probe>consumer(Addresses.DELIVERY_PROBE, m -> {
                    Probe here = m.body().visit("delivery", "local");
                    bus.<Probe>request(Addresses.STORAGE_PROBE, here).onComplete(ar -> {
                        if (ar.succeeded()) m.reply(ar.result().body());
                        else m.fail(503, ar.cause().getMessage());
                    });
                }).completion(),
                bus.<DeliveryMessage>consumer(Addresses.DELIVERY_API, this::handle).completion()));
    }

    io.vertx.core.Context ctx() {
        return context;
    }

    private String id(String prefix) {
        return prefix + (nextId++);
    }

    private long now() {
        return clock += 1000;
    }

    private void handle(Message<DeliveryMessage> m) {
        DeliveryMessage req = m.body();
        requests.add(req);
        if (req instanceof GetMe g) {
            m.reply(new Me("ab".repeat(32), myName, "parley://invite/" + myName + "/" + "Zm9v".repeat(20) + (inviteMoves == 0 ? "" : "-" + inviteMoves)));
        } else if (req instanceof AddContact a) {
            if (!a.invite().startsWith("parley://invite/")) {
                m.fail(400, "not a Parley invite link");
                return;
            }
            ContactView c = new ContactView(id("c"), a.name(), "12345 67890", false);
            contacts.put(c.contactId(), c);
            ConversationView conv = new ConversationView(id("d"), "direct", a.name(), null, 0, List.of(c.contactId()));
            conversations.put(conv.conversationId(), conv);
            messages.put(conv.conversationId(), new ArrayList<>());
            publish("contact", null, c, null);
            m.reply(new ContactReply(c));
        } else if (req instanceof ListContacts l) {
            m.reply(new Contacts(List.copyOf(contacts.values())));
        } else if (req instanceof ListConversations l) {
            m.reply(new Conversations(List.copyOf(conversations.values())));
        } else if (req instanceof SendText s) {
            if (!conversations.containsKey(s.conversationId())) {
                m.fail(404, "no conversation " + s.conversationId());
                return;
            }
            long t = now();
            ConversationView target = conversations.get(s.conversationId());
            List<DeliveryMessage.MemberStatus> members = target.kind().equals("group")
                    ? target.memberContactIds().stream().map(c -> new DeliveryMessage.MemberStatus(c, "pending")).toList() : List.of();
            MessageView v = new MessageView(id("m"), s.conversationId(), "out", myName, s.text(), "pending", null, t, t, List.of(), List.of(),
                    members);
            store(v);
            publish("message", v, null, null);
            m.reply(new MessageReply(v));
            if (autoAdvance) {
                vertx.setTimer(stepMs, x -> status(v.messageId(), "sent", List.of("hops=3", "inbox-relay=5f3a")));
                vertx.setTimer(2 * stepMs, x -> status(v.messageId(), "delivered", List.of("hops=3", "inbox-relay=5f3a", "latency-ms=420")));
                vertx.setTimer(3 * stepMs, x -> incoming(s.conversationId(), "got it: " + s.text()));
                vertx.setTimer(4 * stepMs, x -> status(v.messageId(), "read", List.of("hops=3", "inbox-relay=5f3a", "latency-ms=420")));
            }
        } else if (req instanceof ListMessages l) {
            List<MessageView> all = messages.get(l.conversationId());
            if (all == null) {
                m.fail(404, "no conversation " + l.conversationId());
                return;
            }
            long before = l.beforeMillis() == 0 ? Long.MAX_VALUE : l.beforeMillis();
            m.reply(new Messages(all.stream().filter(x -> x.sentAtMillis() < before)
                    .sorted(Comparator.comparingLong(MessageView::sentAtMillis).reversed()).limit(l.limit()).toList()));
        } else if (req instanceof MarkRead r) {
            if (!conversations.containsKey(r.conversationId())) {
                m.fail(404, "no conversation " + r.conversationId());
                return;
            }
            m.reply(new Ok());
        } else if (req instanceof CreateGroup g) {
            for (String c : g.memberContactIds()) {
                if (!contacts.containsKey(c)) {
                    m.fail(404, "no contact " + c);
                    return;
                }
            }
            ConversationView conv = new ConversationView(id("g"), "group", g.name(), null, 0, List.copyOf(g.memberContactIds()));
            conversations.put(conv.conversationId(), conv);
            messages.put(conv.conversationId(), new ArrayList<>());
            publish("group", null, null, conv);
            m.reply(new ConversationReply(conv));
        } else if (req instanceof ChangeGroup g) {
            ConversationView old = conversations.get(g.conversationId());
            if (old == null || !old.kind().equals("group")) {
                m.fail(404, "no group " + g.conversationId());
                return;
            }
            List<String> members = new ArrayList<>(old.memberContactIds());
            members.addAll(g.addContactIds());
            members.removeAll(g.removeContactIds());
            ConversationView conv = new ConversationView(old.conversationId(), "group", old.title(), old.lastMessage(), old.unread(), members);
            conversations.put(conv.conversationId(), conv);
            publish("group", null, null, conv);
            m.reply(new ConversationReply(conv));
        } else if (req instanceof DeliveryMessage.RemoveGroupAdmins r) {
            ConversationView old = conversations.get(r.conversationId());
            if (old == null || !old.kind().equals("group")) m.fail(404, "no group " + r.conversationId());
            else m.reply(new ConversationReply(old)); // admin flags are not modelled here
        } else if (req instanceof DeliveryMessage.RotateInbox r) {
            if ("invite".equals(r.contactId())) {
                inviteMoves++;
                m.reply(new DeliveryMessage.InboxesRotated(List.of(new DeliveryMessage.RotatedInbox("invite", "cd".repeat(16), List.of("ef".repeat(32))))));
            } else if (r.contactId() != null && !contacts.containsKey(r.contactId())) {
                m.fail(404, "no contact " + r.contactId());
            } else {
                m.reply(new DeliveryMessage.InboxesRotated(List.of()));
            }
        } else if (req instanceof EventsSince e) {
            m.reply(new Events(events.stream().filter(x -> x.cursor() > e.cursor()).limit(e.max()).toList()));

        } else {
            m.fail(400, "unexpected request " + req.getClass().getSimpleName());
        }
    }

    /** Changes an outgoing message's status and publishes it (the "tick" the page shows). */
    void status(String messageId, String status, List<String> path) {
        for (List<MessageView> list : messages.values()) {
            for (int i = 0; i < list.size(); i++) {
                MessageView v = list.get(i);
                if (v.messageId().equals(messageId)) {
                    MessageView n = new MessageView(v.messageId(), v.conversationId(), v.direction(), v.senderName(), v.text(), status,
                            "failed".equals(status) ? "recipient offline too long" : null, v.sentAtMillis(), now(), path, List.of(),
                            v.members().stream().map(x -> new DeliveryMessage.MemberStatus(x.contactId(), status)).toList());
                    list.set(i, n);
                    touch(n);
                    publish("status", n, null, null);
                    return;
                }
            }
        }
    }

    /** A message from the conversation's contact. */
    void incoming(String conversationId, String text) {
        ConversationView c = conversations.get(conversationId);
        long t = now();
        MessageView v = new MessageView(id("m"), conversationId, "in", c.title(), text, "received", null, t, t, List.of("hops=3"));
        store(v);
        publish("message", v, null, null);
    }

    private void store(MessageView v) {
        messages.get(v.conversationId()).add(v);
        touch(v);
    }

    private void touch(MessageView v) {
        ConversationView c = conversations.get(v.conversationId());
        conversations.put(c.conversationId(), new ConversationView(c.conversationId(), c.kind(), c.title(), v,
                c.unread() + ("in".equals(v.direction()) ? 1 : 0), c.memberContactIds()));
    }

    /** Appends an event (persisted first, then published, as the real delivery does). */
    Event publish(String type, MessageView m, ContactView c, ConversationView conv) {
        Event e = new Event(events.size() + 1, type, m, c, conv);
        events.add(e);
        vertx.eventBus().publish(Addresses.DELIVERY_EVENTS, e);
        return e;
    }
}
