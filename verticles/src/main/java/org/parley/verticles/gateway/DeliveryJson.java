package org.parley.verticles.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.parley.core.bus.DeliveryMessage.AttachmentView;
import org.parley.core.bus.DeliveryMessage.ContactView;
import org.parley.core.bus.DeliveryMessage.ConversationView;
import org.parley.core.bus.DeliveryMessage.Event;
import org.parley.core.bus.DeliveryMessage.Me;
import org.parley.core.bus.DeliveryMessage.MemberStatus;
import org.parley.core.bus.DeliveryMessage.MessageView;
import org.parley.core.bus.DeliveryMessage.RotatedInbox;

import java.util.List;

/** The gateway's JSON shapes of the delivery views (openapi.yaml, components/schemas, says the same). */
public final class DeliveryJson {
    private DeliveryJson() {}

    public static JsonObject me(Me me) {
        return new JsonObject().put("userId", me.userId()).put("displayName", me.displayName()).put("invite", me.invite());
    }

    public static JsonObject message(MessageView m) {
        JsonObject o = new JsonObject()
                .put("id", m.messageId())
                .put("conversationId", m.conversationId())
                .put("direction", m.direction())
                .put("senderName", m.senderName())
                .put("text", m.text())
                .put("status", m.status())
                .put("sentAt", m.sentAtMillis())
                .put("updatedAt", m.updatedAtMillis())
                .put("path", new JsonArray(m.path() == null ? List.of() : List.copyOf(m.path())));
        if (m.failureReason() != null) o.put("failureReason", m.failureReason());
        JsonArray files = new JsonArray();
        if (m.attachments() != null) for (AttachmentView a : m.attachments()) files.add(attachment(a));
        o.put("attachments", files);
        if (m.members() != null && !m.members().isEmpty()) {
            JsonArray members = new JsonArray();
            for (MemberStatus ms : m.members()) members.add(new JsonObject().put("contact", ms.contactId()).put("status", ms.status()));
            o.put("members", members);
        }
        return o;
    }

    public static JsonObject rotatedInbox(RotatedInbox r) {
        return new JsonObject().put("contactId", r.contactId()).put("inboxId", r.inboxId()).put("relays", new JsonArray(List.copyOf(r.relays())));
    }

    public static JsonObject attachment(AttachmentView a) {
        return new JsonObject().put("id", a.attachmentId()).put("name", a.name()).put("mime", a.mime()).put("size", a.size())
                .put("status", a.status()).put("progress", a.progress());
    }

    public static JsonObject contact(ContactView c) {
        return new JsonObject().put("id", c.contactId()).put("name", c.name())
                .put("safetyNumber", c.safetyNumber()).put("identityChanged", c.identityChanged());
    }

    public static JsonObject conversation(ConversationView c) {
        JsonObject o = new JsonObject().put("id", c.conversationId()).put("kind", c.kind()).put("title", c.title())
                .put("unread", c.unread())
                .put("members", new JsonArray(c.memberContactIds() == null ? List.of() : List.copyOf(c.memberContactIds())));
        if ("group".equals(c.kind())) o.put("admins", new JsonArray(c.adminContactIds() == null ? List.of() : List.copyOf(c.adminContactIds())));
        o.put("lastMessage", c.lastMessage() == null ? null : message(c.lastMessage()));
        return o;
    }

    public static JsonObject event(Event e) {
        JsonObject o = new JsonObject().put("type", e.type()).put("cursor", e.cursor());
        if (e.message() != null) o.put("message", message(e.message()));
        if (e.contact() != null) o.put("contact", contact(e.contact()));
        if (e.conversation() != null) o.put("conversation", conversation(e.conversation()));
        return o;
    }

    public static JsonArray list(List<JsonObject> items) {
        return new JsonArray(List.copyOf(items));
    }
}
