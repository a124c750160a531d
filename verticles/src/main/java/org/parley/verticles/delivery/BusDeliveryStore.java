package org.parley.verticles.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.StorageMessage;
import org.parley.core.bus.StorageMessage.DeliveryStoredMessage;
import org.parley.delivery.service.ContactRecord;
import org.parley.delivery.service.ConversationRecord;
import org.parley.delivery.service.DeliveryStore;
import org.parley.delivery.service.MessageRecord;
import org.parley.delivery.service.MessageState;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * {@link DeliveryStore} over the event bus: requests to the storage verticle at
 * {@link Addresses#STORAGE_DELIVERY}. Replies arrive on the calling verticle's context, so the
 * stages complete on its event loop. Events are stored as JSON.
 */
public final class BusDeliveryStore implements DeliveryStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventBus bus;
    private final DeliveryOptions options;

    public BusDeliveryStore(EventBus bus, long timeoutMillis) {
        this.bus = bus;
        this.options = new DeliveryOptions().setSendTimeout(timeoutMillis);
    }

    @SuppressWarnings("unchecked")
    private <T extends StorageMessage> CompletionStage<T> ask(StorageMessage request) {
        return bus.<StorageMessage>request(Addresses.STORAGE_DELIVERY, request, options)
                .<T>map(m -> (T) m.body())
                .recover(e -> io.vertx.core.Future.failedFuture(translate(e)))
                .toCompletionStage();
    }

    static Throwable translate(Throwable e) {
        if (e instanceof ReplyException r) {
            return new ParleyException(r.failureCode() > 0 ? FailureCodes.kindOf(r.failureCode()) : ParleyException.Kind.UNAVAILABLE,
                    String.valueOf(r.getMessage()));
        }
        return e;
    }

    @Override
    public CompletionStage<Optional<Bytes>> loadAccount() {
        return this.<StorageMessage.DeliveryBlob>ask(new StorageMessage.DeliveryAccountGet())
                .thenApply(b -> b.present() ? Optional.of(b.value()) : Optional.empty());
    }

    @Override
    public CompletionStage<Void> saveAccount(Bytes account) {
        return ask(new StorageMessage.DeliveryAccountPut(account)).thenApply(x -> null);
    }

    @Override
    public CompletionStage<List<ContactRecord>> contacts() {
        return this.<StorageMessage.DeliveryContacts>ask(new StorageMessage.DeliveryContactsList()).thenApply(r -> r.contacts().stream()
                .map(c -> new ContactRecord(c.contactId(), c.name(), c.identityKey(), c.sendInbox(), c.ourInbox(), c.addedAtMillis())).toList());
    }

    @Override
    public CompletionStage<Void> putContact(ContactRecord c) {
        return ask(new StorageMessage.DeliveryContactPut(new StorageMessage.DeliveryContact(c.contactId(), c.name(), c.identityKey(),
                c.theirInbox(), c.ourSide(), c.addedAtMillis()))).thenApply(x -> null);
    }

    @Override
    public CompletionStage<Optional<Bytes>> session(String contactId) {
        return this.<StorageMessage.DeliveryBlob>ask(new StorageMessage.DeliverySessionGet(contactId))
                .thenApply(b -> b.present() ? Optional.of(b.value()) : Optional.empty());
    }

    @Override
    public CompletionStage<Void> putSession(String contactId, Bytes sessions) {
        return ask(new StorageMessage.DeliverySessionPut(contactId, sessions, System.currentTimeMillis())).thenApply(x -> null);
    }

    @Override
    public CompletionStage<List<ConversationRecord>> conversations() {
        return this.<StorageMessage.DeliveryConversations>ask(new StorageMessage.DeliveryConversationsList()).thenApply(r -> r.conversations()
                .stream().map(c -> new ConversationRecord(c.conversationId(), c.contactId(), c.title(), c.createdAtMillis(), c.data())).toList());
    }

    @Override
    public CompletionStage<Void> putConversation(ConversationRecord c) {
        return ask(new StorageMessage.DeliveryConversationPut(new StorageMessage.DeliveryConversation(c.conversationId(), c.contactId(),
                c.title(), c.createdAtMillis(), c.data()))).thenApply(x -> null);
    }

    @Override
    public CompletionStage<Boolean> appendMessage(MessageRecord m) {
        return this.<StorageMessage.DeliveryAppended>ask(new StorageMessage.DeliveryMessageAppend(wire(m)))
                .thenApply(StorageMessage.DeliveryAppended::fresh);
    }

    @Override
    public CompletionStage<MessageRecord> updateMessage(String messageId, MessageState status, Bytes extra, long atMillis) {
        return this.<StorageMessage.DeliveryMessages>ask(new StorageMessage.DeliveryMessageUpdate(messageId, status.label(), extra, atMillis))
                .thenApply(r -> record(r.messages().get(0)));
    }

    @Override
    public CompletionStage<Optional<MessageRecord>> message(String messageId) {
        return this.<StorageMessage.DeliveryMessages>ask(new StorageMessage.DeliveryMessageGet(messageId))
                .thenApply(r -> r.messages().stream().findFirst().map(BusDeliveryStore::record));
    }

    @Override
    public CompletionStage<List<MessageRecord>> messages(String conversationId, long beforeMillis, int limit) {
        return this.<StorageMessage.DeliveryMessages>ask(new StorageMessage.DeliveryMessagesBefore(conversationId, beforeMillis, limit))
                .thenApply(r -> r.messages().stream().map(BusDeliveryStore::record).toList());
    }

    @Override
    public CompletionStage<List<MessageRecord>> openOutgoing() {
        return this.<StorageMessage.DeliveryMessages>ask(new StorageMessage.DeliveryOpenOutgoing())
                .thenApply(r -> r.messages().stream().map(BusDeliveryStore::record).toList());
    }

    @Override
    public CompletionStage<Void> appendEvent(DeliveryMessage.Event event) {
        return ask(new StorageMessage.DeliveryEventPut(event.cursor(), encode(event))).thenApply(x -> null);
    }

    @Override
    public CompletionStage<List<DeliveryMessage.Event>> eventsSince(long cursor, int max) {
        return this.<StorageMessage.DeliveryEvents>ask(new StorageMessage.DeliveryEventsSince(cursor, max)).thenApply(r -> {
            List<DeliveryMessage.Event> out = new ArrayList<>(r.events().size());
            for (Bytes b : r.events()) out.add(decode(b));
            return out;
        });
    }

    @Override
    public CompletionStage<Long> lastEventCursor() {
        return this.<StorageMessage.DeliveryLastCursor>ask(new StorageMessage.DeliveryLastCursorGet()).thenApply(StorageMessage.DeliveryLastCursor::cursor);
    }

    static Bytes encode(DeliveryMessage.Event e) {
        try {
            return Bytes.wrap(JSON.writeValueAsBytes(e));
        } catch (IOException x) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "encoding event " + e.cursor() + ": " + x.getMessage(), x);
        }
    }

    static DeliveryMessage.Event decode(Bytes b) {
        try {
            return JSON.readValue(b.toArray(), DeliveryMessage.Event.class);
        } catch (IOException x) {
            throw ParleyException.malformed("stored event does not decode: " + x.getMessage());
        }
    }

    private static DeliveryStoredMessage wire(MessageRecord m) {
        return new DeliveryStoredMessage(m.conversationId(), m.messageId(), m.outgoing(), m.body(), m.status().label(), m.extra(),
                m.createdAtMillis(), m.updatedAtMillis());
    }

    private static MessageRecord record(DeliveryStoredMessage m) {
        return new MessageRecord(m.conversationId(), m.messageId(), m.outgoing(), m.body(),
                MessageState.valueOf(m.status().toUpperCase(Locale.ROOT)), m.extra(), m.createdAtMillis(), m.updatedAtMillis());
    }
}
