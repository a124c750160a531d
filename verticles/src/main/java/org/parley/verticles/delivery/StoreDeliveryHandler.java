package org.parley.verticles.delivery;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.StorageMessage;
import org.parley.core.bus.StorageMessage.DeliveryStoredMessage;
import org.parley.storage.Contact;
import org.parley.storage.Conversation;
import org.parley.storage.Direction;
import org.parley.storage.MessageStatus;
import org.parley.storage.Store;
import org.parley.storage.StoreBatch;
import org.parley.storage.StoredMessage;
import org.parley.storage.StoredSession;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Serves the delivery concern's store requests ({@code Addresses.STORAGE_DELIVERY}) on the
 * storage module's typed repositories: the account in {@code keys} ("delivery.account"),
 * contacts, sessions (by contact id), conversations (a group's member blob in {@code meta}),
 * messages (status in {@code messages}; the changing progress blob in {@code meta}), and events in
 * {@code meta} by cursor. Runs on the storage verticle's worker threads (reads block); writes
 * complete once durable. Every write, and every {@link StorageMessage.DeliveryBatch} of writes, is one
 * {@link Store#batch}: its parts reach the disk in one synced write.
 */
public final class StoreDeliveryHandler {
    static final String ACCOUNT = "delivery.account";
    private static final String EXTRA = "delivery.mx.";
    private static final String GROUP = "delivery.conv.";
    private static final String EVENT = "delivery.ev.";
    private static final String LAST = "delivery.ev.last";
    private static final String NO_CONTACT = "-";
    private static final int SCAN = 100_000;

    private final Store store;

    public StoreDeliveryHandler(Store store) {
        this.store = store;
    }

    public CompletionStage<? extends StorageMessage> handle(StorageMessage body) {
        if (body instanceof StorageMessage.DeliveryAccountGet) {
            return done(blob(store.keys().get(ACCOUNT)));
        } else if (body instanceof StorageMessage.DeliveryBatch b) {
            return batch(b.writes());
        } else if (isWrite(body)) {
            return store.batch(batch -> {
                long[] last = {-1};
                StorageMessage reply = write(batch, body, last);
                if (last[0] >= 0) putLast(batch, last[0]);
                return reply;
            });
        } else if (body instanceof StorageMessage.DeliveryContactsList) {
            return done(new StorageMessage.DeliveryContacts(store.contacts().list().stream()
                    .map(c -> new StorageMessage.DeliveryContact(str(c.contactId()), c.displayName(), c.identityKey(), c.sendInbox(),
                            c.ourInbox(), c.addedAtMillis())).toList()));
        } else if (body instanceof StorageMessage.DeliverySessionGet g) {
            return done(blob(store.sessions().get(utf8(g.contactId())).map(StoredSession::state)));
        } else if (body instanceof StorageMessage.DeliveryConversationsList) {
            return done(new StorageMessage.DeliveryConversations(store.conversations().list().stream().map(c -> {
                String id = str(c.conversationId());
                String contact = str(c.contactId());
                return new StorageMessage.DeliveryConversation(id, NO_CONTACT.equals(contact) ? "" : contact, c.title(),
                        c.createdAtMillis(), store.meta().get(GROUP + id).orElse(Bytes.EMPTY));
            }).toList()));
        } else if (body instanceof StorageMessage.DeliveryMessageGet g) {
            return done(new StorageMessage.DeliveryMessages(store.messages().get(utf8(g.messageId())).map(this::view).stream().toList()));
        } else if (body instanceof StorageMessage.DeliveryMessagesBefore b) {
            int limit = Math.max(1, Math.min(b.limit(), 1000));
            List<StoredMessage> latest = store.messages().latest(utf8(b.conversationId()), b.beforeMillis() == Long.MAX_VALUE ? limit : SCAN);
            return done(new StorageMessage.DeliveryMessages(latest.stream().filter(m -> m.createdAtMillis() < b.beforeMillis())
                    .limit(limit).map(this::view).toList()));
        } else if (body instanceof StorageMessage.DeliveryOpenOutgoing) {
            // the outbox index: every conversation, including the hidden ones of control traffic and attachment chunks
            List<DeliveryStoredMessage> out = new ArrayList<>();
            for (StoredMessage m : store.messages().unfinished(SCAN)) {
                if (m.direction() == Direction.OUTGOING && (m.status() == MessageStatus.PENDING || m.status() == MessageStatus.SENT)) {
                    out.add(view(m));
                }
            }
            return done(new StorageMessage.DeliveryMessages(out));
        } else if (body instanceof StorageMessage.DeliveryEventsSince s) {
            List<Bytes> out = new ArrayList<>();
            for (long c = s.cursor() + 1; out.size() < Math.min(s.max(), 1000); c++) {
                Optional<Bytes> e = store.meta().get(EVENT + key(c));
                if (e.isEmpty()) break;
                out.add(e.get());
            }
            return done(new StorageMessage.DeliveryEvents(out));
        } else if (body instanceof StorageMessage.DeliveryLastCursorGet) {
            return done(new StorageMessage.DeliveryLastCursor(store.meta().get(LAST)
                    .map(b -> ByteBuffer.wrap(b.toArray()).getLong()).orElse(0L)));
        }
        return CompletableFuture.failedFuture(ParleyException.malformed("not a delivery storage request: " + body.getClass().getSimpleName()));
    }

    private static boolean isWrite(StorageMessage m) {
        return m instanceof StorageMessage.DeliveryAccountPut || m instanceof StorageMessage.DeliveryContactPut
                || m instanceof StorageMessage.DeliverySessionPut || m instanceof StorageMessage.DeliveryConversationPut
                || m instanceof StorageMessage.DeliveryMessageAppend || m instanceof StorageMessage.DeliveryMessageUpdate
                || m instanceof StorageMessage.DeliveryEventPut;
    }

    /**
     * Applies {@code writes} in order in one store batch (one synced write). A write that fails on its own
     * (unknown message, bad input) gets a {@link StorageMessage.DeliveryFailure} and leaves nothing written; the
     * last-event cursor is written once, for the last event of the batch.
     */
    private CompletionStage<StorageMessage.DeliveryBatchDone> batch(List<StorageMessage> writes) {
        for (StorageMessage w : writes) {
            if (!isWrite(w)) {
                return CompletableFuture.failedFuture(ParleyException.malformed("not a delivery write in a batch: " + w.getClass().getSimpleName()));
            }
        }
        return store.batch(batch -> {
            List<StorageMessage> replies = new ArrayList<>(writes.size());
            long[] last = {-1};
            for (StorageMessage w : writes) {
                try {
                    replies.add(write(batch, w, last));
                } catch (ParleyException e) {
                    replies.add(new StorageMessage.DeliveryFailure(FailureCodes.of(e.kind()), String.valueOf(e.getMessage())));
                }
            }
            if (last[0] >= 0) putLast(batch, last[0]);
            return new StorageMessage.DeliveryBatchDone(replies);
        });
    }

    /** One write into {@code batch}, all or nothing; {@code last[0]} takes the cursor of an event. */
    private static StorageMessage write(StoreBatch batch, StorageMessage body, long[] last) {
        if (body instanceof StorageMessage.DeliveryAccountPut p) {
            batch.putKey(ACCOUNT, p.account());
            return new StorageMessage.Done();
        } else if (body instanceof StorageMessage.DeliveryContactPut p) {
            StorageMessage.DeliveryContact c = p.contact();
            batch.putContact(new Contact(utf8(c.contactId()), c.name(), c.identityKey(), c.sendInbox(), c.ourInbox(), c.addedAtMillis()));
            return new StorageMessage.Done();
        } else if (body instanceof StorageMessage.DeliverySessionPut p) {
            batch.putSession(new StoredSession(utf8(p.contactId()), p.sessions(), p.atMillis()));
            return new StorageMessage.Done();
        } else if (body instanceof StorageMessage.DeliveryConversationPut p) {
            StorageMessage.DeliveryConversation c = p.conversation();
            batch.putConversation(new Conversation(utf8(c.conversationId()), utf8(c.contactId().isEmpty() ? NO_CONTACT : c.contactId()),
                    c.title(), c.createdAtMillis()));
            if (!c.data().isEmpty()) batch.putMeta(GROUP + c.conversationId(), c.data());
            return new StorageMessage.Done();
        } else if (body instanceof StorageMessage.DeliveryMessageAppend a) {
            DeliveryStoredMessage m = a.message();
            boolean fresh = batch.appendMessage(new StoredMessage(utf8(m.conversationId()), utf8(m.messageId()),
                    m.outgoing() ? Direction.OUTGOING : Direction.INCOMING, m.body(), status(m.status()), m.createdAtMillis(),
                    m.updatedAtMillis()));
            if (fresh) batch.putMeta(EXTRA + m.messageId(), m.extra());
            return new StorageMessage.DeliveryAppended(fresh);
        } else if (body instanceof StorageMessage.DeliveryMessageUpdate u) {
            StoredMessage m;
            try {
                m = batch.updateMessageStatus(utf8(u.messageId()), status(u.status()), u.atMillis());
            } catch (ParleyException e) {
                if (e.kind() != ParleyException.Kind.NOT_FOUND) throw e;
                throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no message " + u.messageId());
            }
            batch.putMeta(EXTRA + u.messageId(), u.extra());
            return new StorageMessage.DeliveryMessages(List.of(view(m, u.extra())));
        } else if (body instanceof StorageMessage.DeliveryEventPut e) {
            batch.putMeta(EVENT + key(e.cursor()), e.event());
            last[0] = e.cursor();
            return new StorageMessage.Done();
        }
        throw ParleyException.malformed("not a delivery write: " + body.getClass().getSimpleName());
    }

    private static void putLast(StoreBatch batch, long cursor) {
        batch.putMeta(LAST, Bytes.wrap(ByteBuffer.allocate(8).putLong(cursor).array()));
    }

    private DeliveryStoredMessage view(StoredMessage m) {
        return view(m, store.meta().get(EXTRA + str(m.messageId())).orElse(Bytes.EMPTY));
    }

    private static DeliveryStoredMessage view(StoredMessage m, Bytes extra) {
        boolean out = m.direction() == Direction.OUTGOING;
        String status = !out && m.status() == MessageStatus.DELIVERED ? "received" : m.status().name().toLowerCase(Locale.ROOT);
        return new DeliveryStoredMessage(str(m.conversationId()), str(m.messageId()), out, m.body(), status, extra,
                m.createdAtMillis(), m.updatedAtMillis());
    }

    static MessageStatus status(String s) {
        return switch (s) {
            case "pending" -> MessageStatus.PENDING;
            case "sent" -> MessageStatus.SENT;
            case "delivered", "received" -> MessageStatus.DELIVERED;
            case "read" -> MessageStatus.READ;
            case "failed" -> MessageStatus.FAILED;
            default -> throw ParleyException.malformed("unknown message status '" + s + "'");
        };
    }

    private static StorageMessage.DeliveryBlob blob(Optional<Bytes> b) {
        return new StorageMessage.DeliveryBlob(b.isPresent(), b.orElse(Bytes.EMPTY));
    }

    private static String key(long cursor) {
        return String.format(Locale.ROOT, "%019d", cursor);
    }

    private static Bytes utf8(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String str(Bytes b) {
        return new String(b.toArray(), StandardCharsets.UTF_8);
    }

    private static <T> CompletionStage<T> done(T v) {
        return CompletableFuture.completedFuture(v);
    }
}
