package org.parley.verticles.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.Probe;
import org.parley.core.bus.StorageMessage;
import org.parley.core.time.Clock;
import org.parley.storage.InboxQuota;
import org.parley.storage.KeySource;
import org.parley.storage.MessageInbox;
import org.parley.storage.Repository;
import org.parley.storage.Store;
import org.parley.storage.StoreMetrics;
import org.parley.storage.StoreOptions;
import org.parley.storage.rocksdb.RocksDbStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Storage concern: opens the node's store — RocksDB in {@code <data-dir>/db}, or on a clustered
 * node the Hazelcast-backed store shared by the members — and serves it on the bus. Deployed as a worker, so blocking store calls never run on an event loop. Secrets at rest
 * are sealed under a key file ({@code <data-dir>/store.key}, created at first start, mode 0600)
 * or, when {@code PARLEY_STORE_PASSPHRASE} is set, a passphrase (Argon2id).
 */
public final class StorageVerticle extends ConcernVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(StorageVerticle.class);
    public static final String PASSPHRASE_ENV = "PARLEY_STORE_PASSPHRASE";
    private static final long SWEEP_EVERY_MS = 60_000;

    private Store store;
    private MessageInbox inbox;
    private long sweepTimer = -1;

    public StorageVerticle(NodeContext node) {
        super(Concern.STORAGE, node);
    }

    /** The open store, for in-JVM tests. */
    public Store store() {
        return store;
    }

    /** The inbox relay's per-inbox quota from the config ({@code routing.inbox-max-*}). */
    public static InboxQuota inboxQuota(org.parley.verticles.config.NodeConfig c) {
        return new InboxQuota(c.routingInboxMaxEnvelopes(), c.routingInboxMaxBytes(), c.routingInboxMaxEnvelopeBytes());
    }

    @Override
    protected Future<?> startConcern() {
        StoreOptions options = StoreOptions.of(node.config().dataDir(), keySource(node.config().dataDir()))
                .withInboxQuota(inboxQuota(node.config()))
                .withClock(Clock.system())
                .withMetrics(metrics());
        try {
            store = node.config().clusterEnabled()
                    // a node spread over members keeps its data in the cluster (synchronous backups),
                    // so losing one member loses nothing acknowledged
                    ? org.parley.verticles.storage.HazelcastStore.open(
                            ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager)
                                    ((io.vertx.core.internal.VertxInternal) vertx).clusterManager()).getHazelcastInstance(),
                            options)
                    : RocksDbStore.open(options);
        } catch (ParleyException e) {
            return Future.failedFuture(e.withContext("opening the store in " + options.dbDir()));
        }
        inbox = new MessageInbox(store);
        for (Repository r : Repository.values()) {
            Gauge.builder("parley.storage.bytes", store, s -> s.approximateBytes(r))
                    .tag("repository", r.label()).baseUnit("bytes")
                    .description("approximate bytes held per repository").register(node.registry());
        }
        this.<Probe>consumer(Addresses.STORAGE_PROBE, msg -> {
            Probe visited = msg.body().visit(concern().id(), node.member());
            store.meta().put("probe", Bytes.of(visited.token().getBytes(StandardCharsets.UTF_8)))
                    .whenComplete((v, e) -> {
                        if (e == null && store.meta().get("probe").isPresent()) {
                            msg.reply(visited);
                        } else {
                            fail(msg, e == null ? new ParleyException(ParleyException.Kind.INTERNAL, "probe not read back") : e);
                        }
                    });
        });
        this.<StorageMessage>consumer(Addresses.STORAGE_INBOX, this::inbox);
        org.parley.verticles.delivery.StoreDeliveryHandler deliveryStore = new org.parley.verticles.delivery.StoreDeliveryHandler(store);
        this.<StorageMessage>consumer(Addresses.STORAGE_DELIVERY, msg -> delivery(deliveryStore, msg));
        sweepTimer = vertx.setPeriodic(SWEEP_EVERY_MS, t -> vertx.executeBlocking(() -> store.sweepExpired(System.currentTimeMillis()))
                .onFailure(e -> LOG.warn("retention sweep failed: {}", e.getMessage())));
        return Future.succeededFuture();
    }

    private void inbox(Message<StorageMessage> msg) {
        StorageMessage body = msg.body();
        if (body instanceof StorageMessage.InboxPut p) {
            reply(msg, inbox.put(p.inboxId(), p.messageId(), p.envelope(), p.nowMillis(), p.expiresAtMillis())
                    .thenApply(o -> new StorageMessage.InboxPutResult(o.name())));
        } else if (body instanceof StorageMessage.InboxList l) {
            msg.reply(new StorageMessage.InboxItems(inbox.list(l.inboxId(), l.nowMillis(), l.max()).stream()
                    .map(i -> new StorageMessage.InboxItem(i.messageId(), i.envelope(), i.storedAtMillis(), i.expiresAtMillis())).toList()));
        } else if (body instanceof StorageMessage.InboxDelete d) {
            reply(msg, inbox.delete(d.inboxId(), d.messageId(), d.nowMillis()).thenApply(o -> new StorageMessage.InboxDeleted(o.name())));
        } else if (body instanceof StorageMessage.InboxAuthGet g) {
            msg.reply(new StorageMessage.InboxAuth(inbox.authKey(g.inboxId()).orElse(Bytes.EMPTY)));
        } else if (body instanceof StorageMessage.InboxAuthBind b) {
            reply(msg, inbox.bindAuthKey(b.inboxId(), b.authKey()).thenApply(v -> new StorageMessage.Done()));
        } else {
            msg.fail(FailureCodes.of(ParleyException.Kind.MALFORMED_INPUT), "not a storage request: " + body.getClass().getSimpleName());
        }
    }

    /** The delivery concern's store requests ({@link Addresses#STORAGE_DELIVERY}), mapped onto the repositories. */
    private static void delivery(org.parley.verticles.delivery.StoreDeliveryHandler handler, Message<StorageMessage> msg) {
        CompletionStage<? extends StorageMessage> result;
        try {
            result = handler.handle(msg.body());
        } catch (RuntimeException e) {
            fail(msg, e);
            return;
        }
        reply(msg, result);
    }

    private static void reply(Message<?> msg, CompletionStage<?> result) {
        result.whenComplete((r, e) -> {
            if (e == null) msg.reply(r);
            else fail(msg, e);
        });
    }

    private static void fail(Message<?> msg, Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        ParleyException.Kind kind = c instanceof ParleyException pe ? pe.kind() : ParleyException.Kind.INTERNAL;
        msg.fail(FailureCodes.of(kind), c.getMessage());
    }

    private StoreMetrics metrics() {
        Map<Repository, Counter> writes = new EnumMap<>(Repository.class);
        Map<Repository, Timer> latency = new EnumMap<>(Repository.class);
        for (Repository r : Repository.values()) {
            writes.put(r, Counter.builder("parley.storage.writes").tag("repository", r.label())
                    .description("acknowledged (durable) store writes").register(node.registry()));
            latency.put(r, Timer.builder("parley.storage.write").tag("repository", r.label())
                    .description("time from submit until a write is durable (includes the sync)")
                    .publishPercentileHistogram().register(node.registry()));
        }
        return (repository, nanos, bytes) -> {
            writes.get(repository).increment();
            latency.get(repository).record(nanos, TimeUnit.NANOSECONDS);
        };
    }

    static KeySource keySource(Path dataDir) {
        String pass = System.getenv(PASSPHRASE_ENV);
        if (pass != null && !pass.isEmpty()) return KeySource.passphrase(pass.toCharArray());
        Path keyFile = dataDir.resolve("store.key");
        try {
            if (!Files.exists(keyFile)) {
                Files.createDirectories(dataDir);
                byte[] k = new byte[32];
                new SecureRandom().nextBytes(k);
                Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.write(keyFile, k);
            }
        } catch (IOException e) {
            throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "cannot create the store key file " + keyFile + ": " + e.getMessage(), e);
        }
        return KeySource.keyFile(keyFile);
    }

    @Override
    protected Future<?> stopConcern() {
        if (sweepTimer >= 0) vertx.cancelTimer(sweepTimer);
        if (store != null) store.close();
        return Future.succeededFuture();
    }

    @Override
    protected Map<String, String> details() {
        return Map.of("schema", String.valueOf(store == null ? -1 : store.schemaVersion()));
    }
}
