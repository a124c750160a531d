package org.parley.verticles.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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
 *
 * <p>Writes issued on a Vert.x context are gathered until the end of the event-loop turn (or
 * {@link #MAX_BATCH} of them) and sent as one {@link StorageMessage.DeliveryBatch}, which the storage
 * verticle makes durable with one synced write; each write's stage completes only once that batch is
 * durable. A read first sends the writes gathered before it, so the storage verticle sees requests in
 * call order.
 */
public final class BusDeliveryStore implements DeliveryStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Most writes in one batch request. */
    static final int MAX_BATCH = 32;
    private final EventBus bus;
    private final DeliveryOptions options;

    private record Gathered(StorageMessage write, Promise<StorageMessage> done) {}

    private final Object lock = new Object();
    private List<Gathered> gathered = new ArrayList<>();
    private boolean flushQueued;

    public BusDeliveryStore(EventBus bus, long timeoutMillis) {
        this.bus = bus;
        this.options = new DeliveryOptions().setSendTimeout(timeoutMillis);
    }

    @SuppressWarnings("unchecked")
    private <T extends StorageMessage> CompletionStage<T> ask(StorageMessage request) {
        flush();
        return send(request);
    }

    @SuppressWarnings("unchecked")
    private <T extends StorageMessage> CompletionStage<T> send(StorageMessage request) {
        return bus.<StorageMessage>request(Addresses.STORAGE_DELIVERY, request, options)
                .<T>map(m -> (T) m.body())
                .recover(e -> io.vertx.core.Future.failedFuture(translate(e)))
                .toCompletionStage();
    }

    /** Gathers {@code w} into the batch of this event-loop turn; off a Vert.x context it is sent at once. */
    @SuppressWarnings("unchecked")
    private <T extends StorageMessage> CompletionStage<T> write(StorageMessage w) {
        Context ctx = Vertx.currentContext();
        if (ctx == null) return ask(w);
        Promise<StorageMessage> p = Promise.promise();
        boolean full;
        boolean queue = false;
        synchronized (lock) {
            gathered.add(new Gathered(w, p));
            full = gathered.size() >= MAX_BATCH;
            if (!full && !flushQueued) {
                flushQueued = true;
                queue = true;
            }
        }
        if (full) flush();
        else if (queue) ctx.runOnContext(v -> flush());
        return p.future().<T>map(m -> (T) m).toCompletionStage();
    }

    /** Sends the gathered writes: one alone as itself, more as one {@link StorageMessage.DeliveryBatch}. */
    private void flush() {
        List<Gathered> batch;
        synchronized (lock) {
            flushQueued = false;
            if (gathered.isEmpty()) return;
            batch = gathered;
            gathered = new ArrayList<>();
        }
        if (batch.size() == 1) {
            Gathered g = batch.get(0);
            send(g.write()).whenComplete((r, e) -> {
                if (e != null) g.done().fail(e);
                else g.done().complete((StorageMessage) r);
            });
            return;
        }
        List<StorageMessage> writes = new ArrayList<>(batch.size());
        for (Gathered g : batch) writes.add(g.write());
        this.<StorageMessage.DeliveryBatchDone>send(new StorageMessage.DeliveryBatch(writes)).whenComplete((r, e) -> {
            if (e == null && r.replies().size() != batch.size()) {
                e = new ParleyException(ParleyException.Kind.INTERNAL, "batch of " + batch.size() + " writes got " + r.replies().size() + " replies");
            }
            for (int i = 0; i < batch.size(); i++) {
                Promise<StorageMessage> done = batch.get(i).done();
                if (e != null) {
                    done.fail(e);
                } else if (r.replies().get(i) instanceof StorageMessage.DeliveryFailure f) {
                    done.fail(new ParleyException(FailureCodes.kindOf(f.code()), String.valueOf(f.message())));
                } else {
                    done.complete(r.replies().get(i));
                }
            }
        });
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
        return write(new StorageMessage.DeliveryAccountPut(account)).thenApply(x -> null);
    }

    @Override
    public CompletionStage<List<ContactRecord>> contacts() {
        return this.<StorageMessage.DeliveryContacts>ask(new StorageMessage.DeliveryContactsList()).thenApply(r -> r.contacts().stream()
                .map(c -> new ContactRecord(c.contactId(), c.name(), c.identityKey(), c.sendInbox(), c.ourInbox(), c.addedAtMillis())).toList());
    }

    @Override
    public CompletionStage<Void> putContact(ContactRecord c) {
        return write(new StorageMessage.DeliveryContactPut(new StorageMessage.DeliveryContact(c.contactId(), c.name(), c.identityKey(),
                c.theirInbox(), c.ourSide(), c.addedAtMillis()))).thenApply(x -> null);
    }

    @Override
    public CompletionStage<Optional<Bytes>> session(String contactId) {
        return this.<StorageMessage.DeliveryBlob>ask(new StorageMessage.DeliverySessionGet(contactId))
                .thenApply(b -> b.present() ? Optional.of(b.value()) : Optional.empty());
    }

    @Override
    public CompletionStage<Void> putSession(String contactId, Bytes sessions) {
        return write(new StorageMessage.DeliverySessionPut(contactId, sessions, System.currentTimeMillis())).thenApply(x -> null);
    }

    @Override
    public CompletionStage<List<ConversationRecord>> conversations() {
        return this.<StorageMessage.DeliveryConversations>ask(new StorageMessage.DeliveryConversationsList()).thenApply(r -> r.conversations()
                .stream().map(c -> new ConversationRecord(c.conversationId(), c.contactId(), c.title(), c.createdAtMillis(), c.data())).toList());
    }

    @Override
    public CompletionStage<Void> putConversation(ConversationRecord c) {
        return write(new StorageMessage.DeliveryConversationPut(new StorageMessage.DeliveryConversation(c.conversationId(), c.contactId(),
                c.title(), c.createdAtMillis(), c.data()))).thenApply(x -> null);
    }

    @Override
    public CompletionStage<Boolean> appendMessage(MessageRecord m) {
        return this.<StorageMessage.DeliveryAppended>write(new StorageMessage.DeliveryMessageAppend(wire(m)))
                .thenApply(StorageMessage.DeliveryAppended::fresh);
    }

    @Override
    public CompletionStage<MessageRecord> updateMessage(String messageId, MessageState status, Bytes extra, long atMillis) {
        return this.<StorageMessage.DeliveryMessages>write(new StorageMessage.DeliveryMessageUpdate(messageId, status.label(), extra, atMillis))
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
        return write(new StorageMessage.DeliveryEventPut(event.cursor(), encode(event))).thenApply(x -> null);
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
