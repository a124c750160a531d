package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link DeliveryStore} in memory, for tests: every stage is already complete. Survives a
 * {@link DeliveryService} restart when the same instance is handed to the new service.
 * Counts writes so tests can check what was persisted when.
 */
public final class InMemoryDeliveryStore implements DeliveryStore {
    private Bytes account;
    private final Map<String, ContactRecord> contacts = new TreeMap<>();
    private final Map<String, Bytes> sessions = new HashMap<>();
    private final Map<String, ConversationRecord> conversations = new TreeMap<>();
    private final Map<String, MessageRecord> messages = new LinkedHashMap<>();
    private final List<DeliveryMessage.Event> events = new ArrayList<>();
    private int writes;

    @Override
    public synchronized CompletionStage<Optional<Bytes>> loadAccount() {
        return done(Optional.ofNullable(account));
    }

    @Override
    public synchronized CompletionStage<Void> saveAccount(Bytes a) {
        writes++;
        account = a;
        return done(null);
    }

    @Override
    public synchronized CompletionStage<List<ContactRecord>> contacts() {
        return done(List.copyOf(contacts.values()));
    }

    @Override
    public synchronized CompletionStage<Void> putContact(ContactRecord contact) {
        writes++;
        contacts.put(contact.contactId(), contact);
        return done(null);
    }

    @Override
    public synchronized CompletionStage<Optional<Bytes>> session(String contactId) {
        return done(Optional.ofNullable(sessions.get(contactId)));
    }

    @Override
    public synchronized CompletionStage<Void> putSession(String contactId, Bytes s) {
        writes++;
        sessions.put(contactId, s);
        return done(null);
    }

    @Override
    public synchronized CompletionStage<List<ConversationRecord>> conversations() {
        return done(List.copyOf(conversations.values()));
    }

    @Override
    public synchronized CompletionStage<Void> putConversation(ConversationRecord c) {
        writes++;
        conversations.put(c.conversationId(), c);
        return done(null);
    }

    @Override
    public synchronized CompletionStage<Boolean> appendMessage(MessageRecord m) {
        if (messages.containsKey(m.messageId())) return done(false);
        writes++;
        messages.put(m.messageId(), m);
        return done(true);
    }

    @Override
    public synchronized CompletionStage<MessageRecord> updateMessage(String id, MessageState status, Bytes extra, long at) {
        MessageRecord m = messages.get(id);
        if (m == null) return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.NOT_FOUND, "no message " + id));
        writes++;
        MessageRecord next = m.with(m.status().canMoveTo(status) ? status : m.status(), extra, at);
        messages.put(id, next);
        return done(next);
    }

    @Override
    public synchronized CompletionStage<Optional<MessageRecord>> message(String id) {
        return done(Optional.ofNullable(messages.get(id)));
    }

    @Override
    public synchronized CompletionStage<List<MessageRecord>> messages(String conversationId, long beforeMillis, int limit) {
        return done(messages.values().stream()
                .filter(m -> m.conversationId().equals(conversationId) && m.createdAtMillis() < beforeMillis)
                .sorted(Comparator.comparingLong(MessageRecord::createdAtMillis).thenComparing(MessageRecord::messageId).reversed())
                .limit(limit).toList());
    }

    @Override
    public synchronized CompletionStage<List<MessageRecord>> openOutgoing() {
        return done(messages.values().stream()
                .filter(m -> m.outgoing() && (m.status() == MessageState.PENDING || m.status() == MessageState.SENT)).toList());
    }

    @Override
    public synchronized CompletionStage<Void> appendEvent(DeliveryMessage.Event event) {
        long last = events.isEmpty() ? 0 : events.get(events.size() - 1).cursor();
        if (event.cursor() != last + 1) {
            return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.INTERNAL,
                    "event cursor " + event.cursor() + " after " + last));
        }
        writes++;
        events.add(event);
        return done(null);
    }

    @Override
    public synchronized CompletionStage<List<DeliveryMessage.Event>> eventsSince(long cursor, int max) {
        return done(events.stream().filter(e -> e.cursor() > cursor).limit(max).toList());
    }

    @Override
    public synchronized CompletionStage<Long> lastEventCursor() {
        return done(events.isEmpty() ? 0L : events.get(events.size() - 1).cursor());
    }

    /** A message as stored (tests). */
    public synchronized Optional<MessageRecord> get(String messageId) {
        return Optional.ofNullable(messages.get(messageId));
    }

    /** Replaces a stored message as it is (fault-injection tests: damaged or swapped data at rest). */
    public synchronized void overwrite(MessageRecord m) {
        messages.put(m.messageId(), m);
    }

    public synchronized List<MessageRecord> allMessages() {
        return List.copyOf(messages.values());
    }

    public synchronized int writes() {
        return writes;
    }

    private static <T> CompletionStage<T> done(T v) {
        return CompletableFuture.completedFuture(v);
    }
}
