package org.parley.discovery.kademlia;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;
import org.parley.discovery.defence.ProofOfWork;
import org.parley.discovery.defence.RateLimiter;
import org.parley.discovery.metrics.DiscoveryMetrics;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.ObservedAddress;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.RecordKind;
import org.parley.discovery.record.RecordStore;
import org.parley.discovery.record.RecordValidator;
import org.parley.discovery.record.SignedRecord;
import org.parley.discovery.wire.DhtMessage;
import org.parley.discovery.wire.DhtMessageCodec;
import org.parley.discovery.wire.Header;
import org.parley.discovery.wire.MessageType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One Kademlia DHT node: answers PING / FIND_NODE / FIND_VALUE / STORE / GET_RELAYS, runs
 * iterative lookups, keeps the routing table (ping-before-evict) and the record store, refreshes
 * buckets and republishes its own records. Knows nothing of sockets ({@link DhtTransport}),
 * threads ({@link Scheduler}) or wall time ({@link Clock}).
 *
 * <p>Threading: confined to one thread. Every public method, the transport's receiver and the
 * scheduler's tasks must run on the same thread (the verticle's event loop; the test's thread).
 * Futures complete on that thread.
 */
public final class DhtNode {
    private static final Logger LOG = LoggerFactory.getLogger(DhtNode.class);

    /** Callbacks for the relay directory and others interested in what the DHT sees. */
    public interface Listener {
        /** A valid record arrived (STORE, lookup reply, GET_RELAYS reply). */
        default void recordSeen(SignedRecord record) {
        }

        /** An RPC to this peer timed out. */
        default void peerUnreachable(NodeId id) {
        }
    }

    /** A record this node republishes until cancelled. */
    public interface Publication {
        void cancel();

        /** Number of replicas that acknowledged the latest (re)publication. */
        int lastAcks();
    }

    private record Pending(Contact to, MessageType expect, CompletableFuture<DhtMessage> future, Scheduler.Cancellable timeout) {
    }

    private final DhtConfig config;
    private final NodeIdentity identity;
    private final Contact self;
    private final DhtTransport transport;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Random random;
    private final DiscoveryMetrics metrics;
    private final RecordValidator validator;
    private final RecordStore store;
    private final RoutingTable table;
    private final RateLimiter rateLimiter;
    private final Map<Long, Pending> pending = new HashMap<>();
    private final Set<NodeId> evictionPings = new HashSet<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private long nextRequestId;
    private java.util.function.IntFunction<List<SignedRecord>> relaySource;
    private Scheduler.Cancellable maintenance;
    private boolean running;

    public DhtNode(DhtConfig config, NodeIdentity identity, PeerAddress listenAddress, DhtTransport transport,
                   Clock clock, Scheduler scheduler, Random random, DiscoveryMetrics metrics) {
        this.config = config;
        this.identity = identity;
        this.self = new Contact(identity.publicKey(), listenAddress);
        this.transport = transport;
        this.clock = clock;
        this.scheduler = scheduler;
        this.random = random;
        this.metrics = metrics;
        this.validator = new RecordValidator(config.records());
        this.store = new RecordStore(config.maxRecords(), config.maxPublishersPerKey(), config.maxRecordsPerPeer(),
                config.maxRecordsPerSubnet());
        this.table = new RoutingTable(identity.nodeId(), config.k(), config.maxPerPrefix(), config.maxPerSubnet16(),
                config.records().powDifficulty(), config.maxFailures());
        this.rateLimiter = new RateLimiter(clock, config.rateLimitPerSecond(), config.rateLimitBurst(), 4096);
        this.nextRequestId = random.nextLong();
        if (!ProofOfWork.satisfies(identity.nodeId(), config.records().powDifficulty())) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "this node's identity fails the configured proof-of-work ("
                    + config.records().powDifficulty() + " bits); mine one with ProofOfWork.mine");
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** Registers with the transport and starts periodic maintenance (expiry, bucket refresh). */
    public void start() {
        if (running) return;
        running = true;
        transport.setReceiver(new DhtTransport.Receiver() {
            @Override
            public void onReceive(NodeId from, Bytes rpc) {
                DhtNode.this.onReceive(from, rpc, null);
            }

            @Override
            public void onReceive(NodeId from, Bytes rpc, Bytes observedIp) {
                DhtNode.this.onReceive(from, rpc, observedIp);
            }
        });
        metrics.bindRoutingTableSize(table::size);
        scheduleMaintenance();
    }

    /** Stops timers and fails pending requests. */
    public void stop() {
        running = false;
        if (maintenance != null) maintenance.cancel();
        List<Pending> all = new ArrayList<>(pending.values());
        pending.clear();
        for (Pending p : all) {
            p.timeout.cancel();
            p.future.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "DHT node stopped"));
        }
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public NodeId id() {
        return identity.nodeId();
    }

    public Contact self() {
        return self;
    }

    public DhtConfig config() {
        return config;
    }

    public RoutingTable table() {
        return table;
    }

    public RecordStore records() {
        return store;
    }

    public RecordValidator validator() {
        return validator;
    }

    long now() {
        return clock.nowMillis();
    }

    private void scheduleMaintenance() {
        maintenance = scheduler.schedule(config.maintenanceIntervalMillis(), () -> {
            if (!running) return;
            maintain();
            scheduleMaintenance();
        });
    }

    /** Expires records and refreshes stale buckets (at most 8 refresh lookups per run). */
    public void maintain() {
        long now = now();
        store.expire(now);
        int started = 0;
        for (int index : table.bucketsToRefresh(now, config.refreshIntervalMillis())) {
            if (started++ >= 8) break;
            table.markRefreshed(index, now);
            findNode(new NodeId(Distance.randomWithPrefix(id().value(), index, random)));
        }
    }

    // ---------------------------------------------------------------- client API

    /**
     * Joins the network: pings every seed contact, then looks up our own id to fill the table.
     * Completes with the routing table size, or fails UNAVAILABLE when no seed answered.
     */
    public CompletableFuture<Integer> bootstrap(Collection<Contact> seeds) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        if (seeds.isEmpty()) {
            done.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "not ready: no seeds"));
            return done;
        }
        AtomicInteger left = new AtomicInteger(seeds.size());
        AtomicInteger alive = new AtomicInteger();
        for (Contact s : seeds) {
            ping(s).whenComplete((ok, err) -> {
                if (Boolean.TRUE.equals(ok)) alive.incrementAndGet();
                if (left.decrementAndGet() == 0) {
                    if (alive.get() == 0) {
                        done.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "not ready: no reachable seed"));
                    } else {
                        findNode(id()).whenComplete((r, e) -> done.complete(table.size()));
                    }
                }
            });
        }
        return done;
    }

    /** Completes with true if {@code c} answered, false on timeout. */
    public CompletableFuture<Boolean> ping(Contact c) {
        return call(c, DhtMessage.Ping::new).handle((m, err) -> err == null);
    }

    public CompletableFuture<LookupResult> findNode(NodeId target) {
        return lookup(target.value(), Lookup.Mode.NODE);
    }

    /** Finds valid records under {@code key}; a record is returned only after validation. */
    public CompletableFuture<LookupResult> findValue(Bytes key) {
        return findValue(key, config.disjointPaths());
    }

    /** {@link #findValue(Bytes)} with an explicit number of disjoint paths (1 = plain Kademlia). */
    public CompletableFuture<LookupResult> findValue(Bytes key, int disjointPaths) {
        if (key.length() != 32) throw ParleyException.malformed("DHT key must be 32 bytes");
        long now = now();
        List<SignedRecord> local = validRecordsFor(key, store.get(key, now));
        if (!local.isEmpty()) {
            metrics.lookupCompleted(DiscoveryMetrics.LookupResult.FOUND, 0);
            return CompletableFuture.completedFuture(new LookupResult(key, DiscoveryMetrics.LookupResult.FOUND, local,
                    List.of(), 0, 0, 0, List.of()));
        }
        return lookup(key, Lookup.Mode.VALUE, disjointPaths);
    }

    private CompletableFuture<LookupResult> lookup(Bytes target, Lookup.Mode mode) {
        return lookup(target, mode, config.disjointPaths());
    }

    private CompletableFuture<LookupResult> lookup(Bytes target, Lookup.Mode mode, int paths) {
        if (paths < 1 || paths > config.k()) throw new ParleyException(ParleyException.Kind.CONFIG, "disjoint paths must be 1..k");
        Lookup l = new Lookup(this, target, mode, config, paths, now());
        int initial = Math.max(config.k(), config.k() * paths / 2);
        return l.start(table.closest(target, Math.min(initial, 32))).whenComplete((r, e) -> {
            if (r != null) metrics.lookupCompleted(r.outcome(), r.durationMillis());
        });
    }

    /**
     * Stores {@code record} on the k nodes closest to its key and, with d disjoint paths, on each
     * path's closest nodes too (see {@link LookupResult#replicaSet}), and locally. Completes with
     * the number of replicas that accepted it (STORED or already holding this version).
     */
    public CompletableFuture<Integer> store(SignedRecord record) {
        validator.validate(record, now());
        if (config.lightMode() && record.kind() == RecordKind.RELAY_DESCRIPTOR) {
            throw ParleyException.protocol("a light node never publishes a relay descriptor");
        }
        store.put(record);
        CompletableFuture<Integer> done = new CompletableFuture<>();
        findNode(new NodeId(record.key())).whenComplete((r, err) -> {
            List<Contact> replicas = r == null ? List.of() : r.replicaSet();
            if (replicas.isEmpty()) {
                done.complete(0);
                return;
            }
            AtomicInteger left = new AtomicInteger(replicas.size());
            AtomicInteger acks = new AtomicInteger();
            for (Contact c : replicas) {
                call(c, h -> new DhtMessage.Store(h, record)).whenComplete((m, e) -> {
                    if (m instanceof DhtMessage.StoreAck a
                            && (a.status() == DhtMessage.StoreStatus.STORED || a.status() == DhtMessage.StoreStatus.STALE)) {
                        acks.incrementAndGet();
                    }
                    if (left.decrementAndGet() == 0) done.complete(acks.get());
                });
            }
        });
        return done;
    }

    /**
     * Publishes a record now and again before it expires: at the republish interval or at half
     * its remaining life, whichever is sooner. {@code signer} is asked for a fresh record (new
     * version and expiry) each time.
     */
    public Publication publish(Supplier<SignedRecord> signer) {
        final class Pub implements Publication {
            Scheduler.Cancellable next;
            volatile boolean cancelled;
            volatile int acks;

            void run() {
                if (cancelled || !running) return;
                SignedRecord r;
                try {
                    r = signer.get();
                    store(r).whenComplete((n, e) -> {
                        acks = n == null ? 0 : n;
                        if (e != null) LOG.debug("publish of {} failed: {}", r, e.toString());
                    });
                } catch (ParleyException e) {
                    // Our own record is unusable (a bug or bad config): say so, retry at the interval.
                    LOG.error("cannot publish own record: {}", e.getMessage());
                    next = scheduler.schedule(config.republishIntervalMillis(), this::run);
                    return;
                }
                long remaining = r.expiresAtMillis() - now();
                long delay = Math.max(1000, Math.min(config.republishIntervalMillis(), remaining / 2));
                next = scheduler.schedule(delay, this::run);
            }

            @Override
            public void cancel() {
                cancelled = true;
                if (next != null) next.cancel();
            }

            @Override
            public int lastAcks() {
                return acks;
            }
        }
        Pub p = new Pub();
        p.run();
        return p;
    }

    /** Asks one neighbour for relay descriptors it knows; completes with the valid ones. */
    public CompletableFuture<List<SignedRecord>> getRelays(Contact c, int max) {
        return call(c, h -> new DhtMessage.GetRelays(h, Math.min(max, DhtMessage.MAX_RELAYS))).thenApply(m -> {
            List<SignedRecord> out = new ArrayList<>();
            if (m instanceof DhtMessage.Relays r) {
                long now = now();
                for (SignedRecord rec : r.records()) {
                    if (rec.kind() == RecordKind.RELAY_DESCRIPTOR && validator.isValid(rec, now)) {
                        out.add(rec);
                        notifyRecord(rec);
                    } else {
                        metrics.dropped("invalid_record");
                    }
                }
            }
            return out;
        });
    }

    /** Sends one FIND_VALUE to {@code c} directly (no iteration); completes with valid records. */
    public CompletableFuture<List<SignedRecord>> fetchFrom(Contact c, Bytes key) {
        return call(c, h -> new DhtMessage.FindValue(h, key)).thenApply(m ->
                m instanceof DhtMessage.Value v ? validRecordsFor(key, v.records()) : List.of());
    }

    // ---------------------------------------------------------------- RPC plumbing

    /** Sends a request and completes with the matching reply, or fails on timeout. */
    CompletableFuture<DhtMessage> call(Contact to, Function<Header, DhtMessage> build) {
        CompletableFuture<DhtMessage> f = new CompletableFuture<>();
        if (!running) {
            f.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "DHT node not running"));
            return f;
        }
        long rid = nextRequestId++;
        DhtMessage req = build.apply(new Header(rid, self, config.lightMode()));
        MessageType type = req.type().orElseThrow();
        Scheduler.Cancellable t = scheduler.schedule(config.rpcTimeoutMillis(), () -> onTimeout(rid));
        pending.put(rid, new Pending(to, type.replyType().orElseThrow(), f, t));
        metrics.rpc(type.tag(), false);
        transport.send(to, DhtMessageCodec.encode(req));
        return f;
    }

    private void onTimeout(long rid) {
        Pending p = pending.remove(rid);
        if (p == null) return;
        metrics.dropped("timeout");
        table.recordFailure(p.to.id(), now());
        for (Listener l : listeners) l.peerUnreachable(p.to.id());
        p.future.completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "RPC timed out"));
    }

    private void reply(DhtMessage request, Contact to, Function<Header, DhtMessage> build) {
        DhtMessage m = build.apply(new Header(request.header().requestId(), self, config.lightMode()));
        metrics.rpc(m.type().orElseThrow().tag(), false);
        transport.send(to, DhtMessageCodec.encode(m));
    }

    /** Entry point for the transport: bytes from an authenticated peer, its link's IP unknown. Never throws. */
    public void onReceive(NodeId from, Bytes bytes) {
        onReceive(from, bytes, null);
    }

    /**
     * Entry point for the transport: bytes from an authenticated peer over a link connected to
     * {@code observedIp} (null if unknown). The sender's claimed address is checked against it
     * ({@link ObservedAddress}); on a mismatch (counted) the observed IP is what the routing table
     * and the per-/24 record quota see. Never throws.
     */
    public void onReceive(NodeId from, Bytes bytes, Bytes observedIp) {
        if (!running) return;
        // a request past its sender's rate is dropped before it is decoded: under a flood the DHT's loop
        // then spends two bytes and a token bucket per message, less than the link and the bus before it
        if (isRequest(bytes) && !rateLimiter.tryAcquire(from)) {
            metrics.dropped("rate_limited");
            return;
        }
        DhtMessage m;
        try {
            m = DhtMessageCodec.decode(bytes);
        } catch (ParleyException e) {
            metrics.dropped("malformed");
            LOG.debug("dropping malformed DHT message from {}: {}", from.shortHex(), e.getMessage());
            return;
        }
        try {
            handle(from, m, observedIp);
        } catch (ParleyException e) {
            metrics.dropped("protocol");
            LOG.debug("DHT message from {} rejected: {}", from.shortHex(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("bug while handling a DHT message from {}", from.shortHex(), e);
        }
    }

    private void handle(NodeId from, DhtMessage m, Bytes observedIp) {
        Header h = m.header();
        if (!h.sender().id().equals(from)) {
            metrics.dropped("spoofed");
            return;
        }
        ObservedAddress.Verdict where = ObservedAddress.check(h.sender().address(), observedIp);
        final Contact sender = where.mismatch() ? new Contact(h.sender().identityKey(), where.address()) : h.sender();
        if (where.mismatch()) {
            metrics.addressMismatch();
            LOG.debug("DHT message from {} claims {} but its link is at {}; using the latter", from.shortHex(),
                    h.sender().address(), where.address());
        }
        if (m.type().isEmpty()) {
            metrics.rpc("unrecognized", true);
            return;
        }
        MessageType type = m.type().get();
        metrics.rpc(type.tag(), true);
        if (type.replyType().isEmpty()) {
            Pending p = pending.get(h.requestId());
            if (p == null || !p.to.id().equals(from) || p.expect != type) {
                metrics.dropped("unsolicited");
                return;
            }
            pending.remove(h.requestId());
            p.timeout.cancel();
            observe(sender, h.clientOnly());
            p.future.complete(m);
            return;
        }
        // a request: its token was taken in onReceive
        observe(sender, h.clientOnly());
        long now = now();
        if (m instanceof DhtMessage.Ping) {
            reply(m, sender, DhtMessage.Pong::new);
        } else if (m instanceof DhtMessage.FindNode f) {
            List<Contact> closest = closestExcluding(f.target().value(), from);
            reply(m, sender, hh -> new DhtMessage.Nodes(hh, closest));
        } else if (m instanceof DhtMessage.FindValue f) {
            List<SignedRecord> recs = store.get(f.key(), now);
            if (recs.size() > DhtMessage.MAX_RECORDS) recs = recs.subList(0, DhtMessage.MAX_RECORDS);
            List<SignedRecord> out = recs;
            List<Contact> closest = closestExcluding(f.key(), from);
            reply(m, sender, hh -> new DhtMessage.Value(hh, out, closest));
        } else if (m instanceof DhtMessage.Store s) {
            DhtMessage.StoreStatus status = accept(s.record(), sender, now);
            reply(m, sender, hh -> new DhtMessage.StoreAck(hh, status));
        } else if (m instanceof DhtMessage.GetRelays g) {
            List<SignedRecord> relays = relaySample(g.max(), now);
            reply(m, sender, hh -> new DhtMessage.Relays(hh, relays));
        }
    }

    /** Message codes of requests (types that expect a reply), indexed by code. */
    private static final boolean[] REQUEST_CODES = new boolean[256];

    static {
        for (MessageType t : MessageType.values()) REQUEST_CODES[t.code()] = t.replyType().isPresent();
    }

    /** Whether {@code bytes} starts like a DHT request (magic, then a request's type code); read before decoding. */
    private static boolean isRequest(Bytes bytes) {
        return bytes.length() >= 2 && (bytes.get(0) & 0xff) == DhtMessageCodec.MAGIC && REQUEST_CODES[bytes.get(1) & 0xff];
    }

    private List<Contact> closestExcluding(Bytes target, NodeId requester) {
        List<Contact> c = new ArrayList<>(table.closest(target, config.k() + 1));
        c.removeIf(x -> x.id().equals(requester));
        return c.size() > config.k() ? c.subList(0, config.k()) : c;
    }

    /**
     * Adds a source of relay descriptors for answering GET_RELAYS (the relay directory), on top
     * of the descriptors in the record store.
     */
    public void setRelaySource(java.util.function.IntFunction<List<SignedRecord>> source) {
        this.relaySource = source;
    }

    private List<SignedRecord> relaySample(int max, long now) {
        List<SignedRecord> all = new ArrayList<>(store.all(RecordKind.RELAY_DESCRIPTOR, now, 4 * DhtMessage.MAX_RELAYS));
        if (relaySource != null) {
            Set<SignedRecord> seen = new HashSet<>(all);
            for (SignedRecord r : relaySource.apply(4 * DhtMessage.MAX_RELAYS)) {
                if (!r.expiredAt(now) && seen.add(r)) all.add(r);
            }
        }
        java.util.Collections.shuffle(all, random);
        return all.size() > max ? all.subList(0, max) : all;
    }

    /**
     * A STORE from {@code sender}. Refused (REFUSED, counted as {@code store_refused} with reason
     * per_peer or per_subnet) when that peer, or the peers of its /24 (/48), already placed their
     * limit of records here; FULL (reason full) when the store or the key is full.
     */
    private DhtMessage.StoreStatus accept(SignedRecord r, Contact sender, long now) {
        if (config.lightMode()) return DhtMessage.StoreStatus.REFUSED;
        try {
            validator.validate(r, now);
        } catch (ParleyException e) {
            metrics.dropped("invalid_record");
            return DhtMessage.StoreStatus.INVALID;
        }
        RecordStore.Outcome o = store.put(r, new RecordStore.Origin(sender.id(), sender.address().prefixKey()));
        switch (o) {
            case STORED, REPLACED -> {
                notifyRecord(r);
                return DhtMessage.StoreStatus.STORED;
            }
            case STALE -> {
                return DhtMessage.StoreStatus.STALE;
            }
            case REFUSED_PER_PEER, REFUSED_PER_SUBNET -> {
                boolean peer = o == RecordStore.Outcome.REFUSED_PER_PEER;
                metrics.storeRefused(peer ? "per_peer" : "per_subnet");
                LOG.debug("STORE from {} refused: {} already placed {} records here (limit {})", sender.id().shortHex(),
                        peer ? "this peer" : "its /24", peer ? store.heldFor(sender.id())
                                : store.heldForSubnet(sender.address().prefixKey()),
                        peer ? config.maxRecordsPerPeer() : config.maxRecordsPerSubnet());
                return DhtMessage.StoreStatus.REFUSED;
            }
            default -> {
                metrics.storeRefused("full");
                return DhtMessage.StoreStatus.FULL;
            }
        }
    }

    /**
     * Records the sender (its address as checked against the link) as alive; a full bucket
     * triggers ping-before-evict of its oldest entry.
     */
    private void observe(Contact sender, boolean clientOnly) {
        if (clientOnly) return;
        RoutingTable.InsertResult r = table.insert(sender, now());
        if (r.status() == RoutingTable.Status.BUCKET_FULL) {
            Contact oldest = r.leastRecentlySeen().orElseThrow();
            if (evictionPings.add(oldest.id())) {
                ping(oldest).whenComplete((ok, err) -> {
                    evictionPings.remove(oldest.id());
                    // An answer already moved it to the most-recently-seen end (observe on reply).
                    if (!Boolean.TRUE.equals(ok)) table.evict(oldest.id(), now());
                });
            }
        }
    }

    /** Whether a contact may enter a lookup: passes proof-of-work and is not us. */
    boolean acceptable(Contact c) {
        return !c.id().equals(id()) && ProofOfWork.satisfies(c.id(), config.records().powDifficulty());
    }

    /** The records among {@code recs} that are stored under {@code key} and valid now. */
    List<SignedRecord> validRecordsFor(Bytes key, List<SignedRecord> recs) {
        long now = now();
        List<SignedRecord> out = new ArrayList<>(recs.size());
        for (SignedRecord r : recs) {
            if (r.key().equals(key) && validator.isValid(r, now)) {
                out.add(r);
                notifyRecord(r);
            } else {
                metrics.dropped("invalid_record");
            }
        }
        return out;
    }

    private void notifyRecord(SignedRecord r) {
        for (Listener l : listeners) l.recordSeen(r);
    }

    /** Requests awaiting a reply (tests check nothing leaks). */
    public int pendingRequests() {
        return pending.size();
    }
}
