package org.parley.verticles.routing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.StorageMessage;
import org.parley.routing.inbox.InboxStore;
import org.parley.routing.inbox.StoredEnvelope;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The inbox relay's store, served by the storage verticle ({@link Addresses#STORAGE_INBOX}) —
 * in this JVM or on another cluster member. Replies arrive on the calling (routing) context.
 */
public final class BusInboxStore implements InboxStore {
    private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(10_000);
    private final Vertx vertx;
    private final long ttlMillis;

    public BusInboxStore(Vertx vertx, long ttlMillis) {
        this.vertx = vertx;
        this.ttlMillis = ttlMillis;
    }

    private <T> CompletionStage<T> ask(StorageMessage request) {
        Future<T> f = vertx.eventBus().<T>request(Addresses.STORAGE_INBOX, request, TIMEOUT)
                .map(m -> m.body())
                .recover(e -> Future.failedFuture(e instanceof ReplyException re && re.failureCode() > 0
                        ? new ParleyException(FailureCodes.kindOf(re.failureCode()), re.getMessage())
                        : new ParleyException(ParleyException.Kind.UNAVAILABLE, "storage did not answer: " + e.getMessage(), e)));
        return f.toCompletionStage();
    }

    @Override
    public CompletionStage<StoreOutcome> store(Bytes inboxId, Bytes messageId, Bytes envelope, long nowMillis) {
        return this.<StorageMessage.InboxPutResult>ask(new StorageMessage.InboxPut(inboxId, messageId, envelope, nowMillis, nowMillis + ttlMillis))
                .thenApply(r -> StoreOutcome.valueOf(r.outcome()));
    }

    @Override
    public CompletionStage<List<StoredEnvelope>> list(Bytes inboxId, long nowMillis, int max) {
        return this.<StorageMessage.InboxItems>ask(new StorageMessage.InboxList(inboxId, nowMillis, Math.min(max, 10_000)))
                .thenApply(r -> r.items().stream()
                        .map(i -> new StoredEnvelope(i.messageId(), i.envelope(), i.storedAtMillis(), i.expiresAtMillis()))
                        .toList());
    }

    @Override
    public CompletionStage<DeleteOutcome> delete(Bytes inboxId, Bytes messageId, long nowMillis) {
        return this.<StorageMessage.InboxDeleted>ask(new StorageMessage.InboxDelete(inboxId, messageId, nowMillis))
                .thenApply(r -> DeleteOutcome.valueOf(r.outcome()));
    }

    @Override
    public CompletionStage<Optional<Bytes>> authKey(Bytes inboxId) {
        return this.<StorageMessage.InboxAuth>ask(new StorageMessage.InboxAuthGet(inboxId))
                .thenApply(r -> r.authKey().isEmpty() ? Optional.empty() : Optional.of(r.authKey()));
    }

    @Override
    public CompletionStage<Void> bindAuthKey(Bytes inboxId, Bytes authKey) {
        return this.<StorageMessage.Done>ask(new StorageMessage.InboxAuthBind(inboxId, authKey)).thenApply(r -> null);
    }
}
