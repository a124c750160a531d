package org.parley.storage.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.storage.Contact;
import org.parley.storage.ContactRepository;
import org.parley.storage.Conversation;
import org.parley.storage.ConversationRepository;
import org.parley.storage.DhtRecord;
import org.parley.storage.DhtRecordRepository;
import org.parley.storage.Direction;
import org.parley.storage.InboxRepository;
import org.parley.storage.InboxUsage;
import org.parley.storage.KeyRepository;
import org.parley.storage.MessageRepository;
import org.parley.storage.MessageStatus;
import org.parley.storage.MetaRepository;
import org.parley.storage.ReplayCache;
import org.parley.storage.Repository;
import org.parley.storage.SessionRepository;
import org.parley.storage.Store;
import org.parley.storage.StoreBatch;
import org.parley.storage.StoreOptions;
import org.parley.storage.StoredEnvelope;
import org.parley.storage.StoredMessage;
import org.parley.storage.StoredSession;
import org.parley.storage.SweepResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repositories, written once against a {@link KvEngine}: key layout, value codecs,
 * encryption at rest, conditional writes (dedupe, quota, replay), the expiry index, schema
 * versions and migration.
 */
public final class KvStore implements Store {
    private static final Logger LOG = LoggerFactory.getLogger(KvStore.class);

    /** v1: first layout. v2: adds the expiry index. v3: adds the outbox index. */
    public static final int CURRENT_SCHEMA = 3;
    static final byte[] SCHEMA_KEY = "schema".getBytes(StandardCharsets.US_ASCII);
    private static final int SWEEP_CHUNK = 1000;

    private final KvEngine engine;
    private final AtRestCipher cipher;
    private final StoreOptions opts;
    private final int schema;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final Keys keys = new Keys();
    private final Contacts contacts = new Contacts();
    private final Sessions sessions = new Sessions();
    private final Conversations conversations = new Conversations();
    private final Messages messages = new Messages();
    private final Inbox inbox = new Inbox();
    private final Dht dht = new Dht();
    private final Replay replay = new Replay();
    private final Meta meta = new Meta();

    private KvStore(KvEngine engine, AtRestCipher cipher, StoreOptions opts, int schema) {
        this.engine = engine;
        this.cipher = cipher;
        this.opts = opts;
        this.schema = schema;
    }

    /** Opens (creating, unlocking, migrating as needed) a store on {@code engine}; closes it on failure. */
    public static KvStore open(KvEngine engine, StoreOptions opts, String where) {
        return open(engine, opts, where, CURRENT_SCHEMA);
    }

    /**
     * As {@link #open(KvEngine, StoreOptions, String)}, but a new store is written with schema
     * {@code createSchema} and an older one is not migrated past it (fixture generation only).
     */
    public static KvStore open(KvEngine engine, StoreOptions opts, String where, int createSchema) {
        try {
            byte[] s = engine.get(Cf.SYS, SCHEMA_KEY);
            if (s == null) {
                KeyVault.Created created = KeyVault.create(opts.keySource());
                int v = createSchema;
                for (Cf cf : Cf.values()) {
                    if (cf.sinceVersion() <= v && !engine.hasCf(cf)) engine.createCf(cf);
                }
                join(engine.submit(Repository.SYSTEM, tx -> {
                    tx.put(Cf.SYS, KeyVault.HEADER_KEY, created.header());
                    tx.put(Cf.SYS, SCHEMA_KEY, Codec.longBytes(v));
                    return null;
                }));
                LOG.info("created store at {} (schema {}, encrypted {})", where, v, created.cipher().encrypts());
                return new KvStore(engine, created.cipher(), opts, v);
            }
            if (s.length != 8) throw new ParleyException(ParleyException.Kind.CONFIG, "store at " + where + " has a damaged schema version");
            long version = Codec.getLong(s, 0);
            if (version > CURRENT_SCHEMA || version < 1) {
                throw new ParleyException(ParleyException.Kind.CONFIG, "store at " + where + " has schema version " + version
                        + ", this build knows versions 1.." + CURRENT_SCHEMA + " (a newer Parley wrote it; upgrade)");
            }
            byte[] header = engine.get(Cf.SYS, KeyVault.HEADER_KEY);
            if (header == null) throw new ParleyException(ParleyException.Kind.CONFIG, "store at " + where + " has no key header");
            AtRestCipher cipher = KeyVault.unlock(header, opts.keySource(), where);
            int v = (int) version;
            while (v < Math.min(createSchema, CURRENT_SCHEMA)) {
                migrate(engine, cipher, v);
                v++;
                LOG.info("migrated store at {} to schema {}", where, v);
            }
            return new KvStore(engine, cipher, opts, v);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** Moves a store from schema {@code from} to {@code from + 1} in one synced batch. */
    private static void migrate(KvEngine engine, AtRestCipher cipher, int from) {
        switch (from) {
            case 1 -> migrate1to2(engine, cipher);
            case 2 -> migrate2to3(engine, cipher);
            default -> throw new ParleyException(ParleyException.Kind.INTERNAL, "no migration from schema " + from);
        }
    }

    /** v3: index of unfinished outgoing messages, built from the messages. */
    private static void migrate2to3(KvEngine engine, AtRestCipher cipher) {
        if (!engine.hasCf(Cf.OUTBOX)) engine.createCf(Cf.OUTBOX);
        join(engine.submit(Repository.SYSTEM, tx -> {
            tx.scanCommitted(Cf.MESSAGES, new byte[0], null, (k, v) -> {
                StoredMessage m = decodeMessage(k, cipher.open(Cf.MESSAGES, k, v));
                if (isUnfinished(m)) {
                    byte[] ok = outboxKey(m);
                    tx.put(Cf.OUTBOX, ok, cipher.seal(Cf.OUTBOX, ok, k));
                }
                return true;
            });
            tx.put(Cf.SYS, SCHEMA_KEY, Codec.longBytes(3));
            return null;
        }));
    }

    /** v2: expiry index, built from inbox envelopes, replay tags and DHT records. */
    private static void migrate1to2(KvEngine engine, AtRestCipher cipher) {
        int from = 1;
        if (!engine.hasCf(Cf.EXPIRY)) engine.createCf(Cf.EXPIRY);
        join(engine.submit(Repository.SYSTEM, tx -> {
            tx.scanCommitted(Cf.INBOX, new byte[0], null, (k, v) -> {
                EnvelopeValue e = EnvelopeValue.decode(cipher.open(Cf.INBOX, k, v));
                tx.put(Cf.EXPIRY, Codec.expiryKey(e.expiresAt, Cf.INBOX, k), Codec.longBytes(e.envelope.length()));
                return true;
            });
            tx.scanCommitted(Cf.REPLAY, new byte[0], null, (k, v) -> {
                long exp = Codec.getLong(cipher.open(Cf.REPLAY, k, v), 0);
                tx.put(Cf.EXPIRY, Codec.expiryKey(exp, Cf.REPLAY, k), Codec.longBytes(0));
                return true;
            });
            tx.scanCommitted(Cf.DHT, new byte[0], null, (k, v) -> {
                DhtRecord r = decodeDht(k, cipher.open(Cf.DHT, k, v));
                tx.put(Cf.EXPIRY, Codec.expiryKey(r.expiresAtMillis(), Cf.DHT, k), Codec.longBytes(0));
                return true;
            });
            tx.put(Cf.SYS, SCHEMA_KEY, Codec.longBytes(from + 1));
            return null;
        }));
    }

    /** Call before submitting anything a blocking method will wait for. */
    private void checkMayBlock() {
        if (engine.onCompletionThread()) {
            throw new ParleyException(ParleyException.Kind.INTERNAL,
                    "blocking store call from a store callback would deadlock; use the async form or another thread");
        }
    }

    static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ParleyException pe) throw pe;
            throw new ParleyException(ParleyException.Kind.INTERNAL, "store operation failed", e.getCause());
        }
    }

    private long now() {
        return opts.clock().nowMillis();
    }

    private byte[] seal(Cf cf, byte[] key, byte[] plain) {
        return cipher.seal(cf, key, plain);
    }

    private byte[] open(Cf cf, byte[] key, byte[] stored) {
        return cipher.open(cf, key, stored);
    }

    private byte[] read(Cf cf, byte[] key) {
        checkOpen();
        byte[] v = engine.get(cf, key);
        return v == null ? null : open(cf, key, v);
    }

    private void checkOpen() {
        if (closed.get()) throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "store is closed");
    }

    private <T> CompletableFuture<T> submit(Repository repo, Op<T> op) {
        checkOpen();
        return engine.submit(repo, op);
    }

    /** Seals now; the returned op writes the sealed value. */
    private Op<Void> putOp(Cf cf, byte[] key, byte[] plain) {
        byte[] sealed = seal(cf, key, plain);
        return tx -> {
            tx.put(cf, key, sealed);
            return null;
        };
    }

    private CompletableFuture<Boolean> deleteOne(Repository repo, Cf cf, byte[] key) {
        return submit(repo, deleteOp(cf, key));
    }

    private static Op<Boolean> deleteOp(Cf cf, byte[] key) {
        return tx -> {
            boolean existed = tx.get(cf, key) != null;
            if (existed) tx.delete(cf, key);
            return existed;
        };
    }

    private void index(Tx tx, long expiresAt, Cf cf, byte[] key, long accounted) {
        if (schema >= 2) tx.put(Cf.EXPIRY, Codec.expiryKey(expiresAt, cf, key), Codec.longBytes(accounted));
    }

    private void unindex(Tx tx, long expiresAt, Cf cf, byte[] key) {
        if (schema >= 2) tx.delete(Cf.EXPIRY, Codec.expiryKey(expiresAt, cf, key));
    }

    private interface Decoder<T> {
        T decode(byte[] key, byte[] plain);
    }

    private <T> List<T> scan(Cf cf, byte[] from, byte[] to, boolean reverse, int limit, Decoder<T> dec,
            java.util.function.Predicate<T> keep) {
        checkOpen();
        if (limit < 0) throw ParleyException.malformed("limit must not be negative");
        List<T> out = new ArrayList<>(Math.min(limit, 256));
        if (limit == 0) return out;
        engine.scan(cf, from, to, reverse, (k, v) -> {
            T t = dec.decode(k, open(cf, k, v));
            if (keep == null || keep.test(t)) out.add(t);
            return out.size() < limit;
        });
        return out;
    }

    // ---------------------------------------------------------------- keys

    private final class Keys implements KeyRepository {
        @Override
        public CompletableFuture<Void> put(String name, Bytes secret) {
            return submit(Repository.KEYS, putOp(name, secret));
        }

        Op<Void> putOp(String name, Bytes secret) {
            return KvStore.this.putOp(Cf.KEYS, Codec.name(name, "key name"), secret.toArray());
        }

        @Override
        public Optional<Bytes> get(String name) {
            byte[] v = read(Cf.KEYS, Codec.name(name, "key name"));
            return Optional.ofNullable(v).map(Bytes::wrap);
        }

        @Override
        public CompletableFuture<Boolean> delete(String name) {
            return deleteOne(Repository.KEYS, Cf.KEYS, Codec.name(name, "key name"));
        }

        @Override
        public List<String> names() {
            List<String> out = new ArrayList<>();
            checkOpen();
            engine.scan(Cf.KEYS, new byte[0], null, false, (k, v) -> out.add(new String(k, StandardCharsets.UTF_8)));
            return out;
        }
    }

    // ---------------------------------------------------------------- contacts

    private static Contact decodeContact(byte[] key, byte[] plain) {
        Codec.Reader r = new Codec.Reader(plain);
        Contact c = new Contact(Bytes.of(key), r.str(), r.bytes(), r.bytes(), r.bytes(), r.i64());
        r.end();
        return c;
    }

    private final class Contacts implements ContactRepository {
        @Override
        public CompletableFuture<Void> put(Contact c) {
            return submit(Repository.CONTACTS, putOp(c));
        }

        Op<Void> putOp(Contact c) {
            byte[] k = Codec.id(c.contactId(), "contact id").toArray();
            byte[] v = new Codec.Writer().str(c.displayName()).bytes(c.identityKey()).bytes(c.sendInbox())
                    .bytes(c.ourInbox()).i64(c.addedAtMillis()).toArray();
            return KvStore.this.putOp(Cf.CONTACTS, k, v);
        }

        @Override
        public Optional<Contact> get(Bytes contactId) {
            byte[] k = Codec.id(contactId, "contact id").toArray();
            byte[] v = read(Cf.CONTACTS, k);
            return v == null ? Optional.empty() : Optional.of(decodeContact(k, v));
        }

        @Override
        public CompletableFuture<Boolean> delete(Bytes contactId) {
            return deleteOne(Repository.CONTACTS, Cf.CONTACTS, Codec.id(contactId, "contact id").toArray());
        }

        @Override
        public List<Contact> list() {
            return scan(Cf.CONTACTS, new byte[0], null, false, Integer.MAX_VALUE, KvStore::decodeContact, null);
        }
    }

    // ---------------------------------------------------------------- sessions

    private final class Sessions implements SessionRepository {
        @Override
        public CompletableFuture<Void> put(StoredSession s) {
            return submit(Repository.SESSIONS, putOp(s));
        }

        Op<Void> putOp(StoredSession s) {
            byte[] k = Codec.id(s.sessionId(), "session id").toArray();
            return KvStore.this.putOp(Cf.SESSIONS, k, new Codec.Writer().bytes(s.state()).i64(s.updatedAtMillis()).toArray());
        }

        @Override
        public Optional<StoredSession> get(Bytes sessionId) {
            byte[] k = Codec.id(sessionId, "session id").toArray();
            byte[] v = read(Cf.SESSIONS, k);
            if (v == null) return Optional.empty();
            Codec.Reader r = new Codec.Reader(v);
            StoredSession s = new StoredSession(sessionId, r.bytes(), r.i64());
            r.end();
            return Optional.of(s);
        }

        @Override
        public CompletableFuture<Boolean> delete(Bytes sessionId) {
            return deleteOne(Repository.SESSIONS, Cf.SESSIONS, Codec.id(sessionId, "session id").toArray());
        }
    }

    // ---------------------------------------------------------------- conversations and messages

    private static Conversation decodeConversation(byte[] key, byte[] plain) {
        Codec.Reader r = new Codec.Reader(plain);
        Conversation c = new Conversation(Bytes.of(key), r.bytes(), r.str(), r.i64());
        r.end();
        return c;
    }

    private final class Conversations implements ConversationRepository {
        @Override
        public CompletableFuture<Void> put(Conversation c) {
            return submit(Repository.CONVERSATIONS, putOp(c));
        }

        Op<Void> putOp(Conversation c) {
            byte[] k = Codec.id(c.conversationId(), "conversation id").toArray();
            return KvStore.this.putOp(Cf.CONVERSATIONS, k,
                    new Codec.Writer().bytes(c.contactId()).str(c.title()).i64(c.createdAtMillis()).toArray());
        }

        @Override
        public Optional<Conversation> get(Bytes conversationId) {
            byte[] k = Codec.id(conversationId, "conversation id").toArray();
            byte[] v = read(Cf.CONVERSATIONS, k);
            return v == null ? Optional.empty() : Optional.of(decodeConversation(k, v));
        }

        @Override
        public List<Conversation> list() {
            return scan(Cf.CONVERSATIONS, new byte[0], null, false, Integer.MAX_VALUE, KvStore::decodeConversation, null);
        }

        @Override
        public CompletableFuture<Long> delete(Bytes conversationId) {
            byte[] k = Codec.id(conversationId, "conversation id").toArray();
            byte[] prefix = Codec.prefix(conversationId);
            return submit(Repository.CONVERSATIONS, tx -> {
                tx.delete(Cf.CONVERSATIONS, k);
                long[] n = {0};
                tx.scanCommitted(Cf.MESSAGES, prefix, Codec.successor(prefix), (mk, mv) -> {
                    tx.delete(Cf.MESSAGES, mk);
                    tx.delete(Cf.MESSAGE_INDEX, Arrays.copyOfRange(mk, prefix.length + 8, mk.length));
                    if (schema >= 3) tx.delete(Cf.OUTBOX, Arrays.copyOfRange(mk, prefix.length, mk.length));
                    n[0]++;
                    return true;
                });
                return n[0];
            });
        }
    }

    private static byte[] messageKey(StoredMessage m) {
        byte[] p = Codec.prefixed(m.conversationId(), m.createdAtMillis());
        byte[] k = Arrays.copyOf(p, p.length + m.messageId().length());
        m.messageId().copyTo(k, p.length);
        return k;
    }

    private static boolean isUnfinished(StoredMessage m) {
        return m.direction() == Direction.OUTGOING
                && (m.status() == MessageStatus.PENDING || m.status() == MessageStatus.SENT);
    }

    /** createdAt(8) msgId: the tail of the message key. */
    private static byte[] outboxKey(StoredMessage m) {
        byte[] k = new byte[8 + m.messageId().length()];
        Codec.putLong(k, 0, m.createdAtMillis());
        m.messageId().copyTo(k, 8);
        return k;
    }

    private static byte[] encodeMessage(StoredMessage m) {
        return new Codec.Writer().bytes(m.conversationId()).bytes(m.messageId()).u8(m.direction().ordinal())
                .u8(m.status().code()).bytes(m.body()).i64(m.createdAtMillis()).i64(m.updatedAtMillis()).toArray();
    }

    private static StoredMessage decodeMessage(byte[] key, byte[] plain) {
        Codec.Reader r = new Codec.Reader(plain);
        Bytes conv = r.bytes();
        Bytes id = r.bytes();
        int dir = r.u8();
        if (dir >= Direction.values().length) throw new ParleyException(ParleyException.Kind.INTERNAL, "corrupt stored message");
        MessageStatus status = MessageStatus.fromCode(r.u8());
        StoredMessage m = new StoredMessage(conv, id, Direction.values()[dir], r.bytes(), status, r.i64(), r.i64());
        r.end();
        return m;
    }

    private final class Messages implements MessageRepository {
        @Override
        public CompletableFuture<Boolean> append(StoredMessage m) {
            return submit(Repository.MESSAGES, appendOp(m));
        }

        /** Validates and seals now; the op writes unless the message id is taken. */
        Op<Boolean> appendOp(StoredMessage m) {
            Codec.id(m.conversationId(), "conversation id");
            byte[] id = Codec.id(m.messageId(), "message id").toArray();
            if (m.createdAtMillis() < 0) throw ParleyException.malformed("message createdAt must not be negative");
            byte[] k = messageKey(m);
            byte[] v = seal(Cf.MESSAGES, k, encodeMessage(m));
            byte[] idx = seal(Cf.MESSAGE_INDEX, id, k);
            byte[] ok = outboxKey(m);
            byte[] outbox = schema >= 3 && isUnfinished(m) ? seal(Cf.OUTBOX, ok, k) : null;
            return tx -> {
                if (tx.get(Cf.MESSAGE_INDEX, id) != null) return false;
                tx.put(Cf.MESSAGES, k, v);
                tx.put(Cf.MESSAGE_INDEX, id, idx);
                if (outbox != null) tx.put(Cf.OUTBOX, ok, outbox);
                return true;
            };
        }

        @Override
        public CompletableFuture<StoredMessage> updateStatus(Bytes messageId, MessageStatus status, long atMillis) {
            return submit(Repository.MESSAGES, updateStatusOp(messageId, status, atMillis));
        }

        Op<StoredMessage> updateStatusOp(Bytes messageId, MessageStatus status, long atMillis) {
            byte[] id = Codec.id(messageId, "message id").toArray();
            java.util.Objects.requireNonNull(status, "status");
            return tx -> {
                byte[] idx = tx.get(Cf.MESSAGE_INDEX, id);
                if (idx == null) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no such message");
                byte[] k = open(Cf.MESSAGE_INDEX, id, idx);
                byte[] raw = tx.get(Cf.MESSAGES, k);
                if (raw == null) throw new ParleyException(ParleyException.Kind.INTERNAL, "message index points nowhere");
                StoredMessage m = decodeMessage(k, open(Cf.MESSAGES, k, raw));
                if (!m.status().canMoveTo(status)) return m;
                StoredMessage next = m.withStatus(status, atMillis);
                tx.put(Cf.MESSAGES, k, seal(Cf.MESSAGES, k, encodeMessage(next)));
                if (schema >= 3 && isUnfinished(m) != isUnfinished(next)) {
                    byte[] ok = outboxKey(next);
                    if (isUnfinished(next)) tx.put(Cf.OUTBOX, ok, seal(Cf.OUTBOX, ok, k));
                    else tx.delete(Cf.OUTBOX, ok);
                }
                return next;
            };
        }

        @Override
        public Optional<StoredMessage> get(Bytes messageId) {
            byte[] k = read(Cf.MESSAGE_INDEX, Codec.id(messageId, "message id").toArray());
            if (k == null) return Optional.empty();
            byte[] v = read(Cf.MESSAGES, k);
            return v == null ? Optional.empty() : Optional.of(decodeMessage(k, v));
        }

        @Override
        public List<StoredMessage> list(Bytes conversationId, long fromMillis, int limit) {
            byte[] prefix = Codec.prefix(Codec.id(conversationId, "conversation id"));
            byte[] from = Codec.prefixed(conversationId, Math.max(0, fromMillis));
            return scan(Cf.MESSAGES, from, Codec.successor(prefix), false, limit, KvStore::decodeMessage, null);
        }

        @Override
        public List<StoredMessage> unfinished(int limit) {
            if (schema < 3) throw new ParleyException(ParleyException.Kind.INTERNAL, "outbox needs schema 3");
            List<StoredMessage> out = new ArrayList<>();
            for (byte[] k : scan(Cf.OUTBOX, new byte[0], null, false, limit, (ok, p) -> p, null)) {
                byte[] v = read(Cf.MESSAGES, k);
                if (v != null) out.add(decodeMessage(k, v));
            }
            return out;
        }

        @Override
        public List<StoredMessage> latest(Bytes conversationId, int limit) {
            byte[] prefix = Codec.prefix(Codec.id(conversationId, "conversation id"));
            return scan(Cf.MESSAGES, prefix, Codec.successor(prefix), true, limit, KvStore::decodeMessage, null);
        }
    }

    // ---------------------------------------------------------------- inbox relay

    private record EnvelopeValue(Bytes envelope, long storedAt, long expiresAt) {
        byte[] encode() {
            return new Codec.Writer().bytes(envelope).i64(storedAt).i64(expiresAt).toArray();
        }

        static EnvelopeValue decode(byte[] plain) {
            Codec.Reader r = new Codec.Reader(plain);
            EnvelopeValue e = new EnvelopeValue(r.bytes(), r.i64(), r.i64());
            r.end();
            return e;
        }
    }

    /** count, bytes, nextSeq. */
    private static long[] stats(Tx tx, AtRestCipher cipher, byte[] inboxKey) {
        byte[] raw = tx.get(Cf.INBOX_STATS, inboxKey);
        if (raw == null) return new long[3];
        byte[] p = cipher.open(Cf.INBOX_STATS, inboxKey, raw);
        if (p.length != 24) throw new ParleyException(ParleyException.Kind.INTERNAL, "corrupt inbox stats");
        return new long[] {Codec.getLong(p, 0), Codec.getLong(p, 8), Codec.getLong(p, 16)};
    }

    private void putStats(Tx tx, byte[] inboxKey, long[] s) {
        byte[] p = new byte[24];
        Codec.putLong(p, 0, s[0]);
        Codec.putLong(p, 8, s[1]);
        Codec.putLong(p, 16, s[2]);
        tx.put(Cf.INBOX_STATS, inboxKey, seal(Cf.INBOX_STATS, inboxKey, p));
    }

    private final class Inbox implements InboxRepository {
        @Override
        public CompletableFuture<Long> append(Bytes inboxId, Bytes envelope, long expiresAtMillis) {
            Op<Long> op;
            try {
                op = appendOp(inboxId, envelope, expiresAtMillis);
            } catch (ParleyException e) {
                if (e.kind() != ParleyException.Kind.RESOURCE_LIMIT) throw e;
                return CompletableFuture.failedFuture(e);
            }
            return submit(Repository.INBOX, op);
        }

        Op<Long> appendOp(Bytes inboxId, Bytes envelope, long expiresAtMillis) {
            byte[] ik = Codec.id(inboxId, "inbox id").toArray();
            var quota = opts.inboxQuota();
            if (envelope.length() > quota.maxEnvelopeBytes()) {
                throw ParleyException.limit("QUOTA: envelope of " + envelope.length()
                        + " bytes exceeds the " + quota.maxEnvelopeBytes() + "-byte limit");
            }
            byte[] plain = new EnvelopeValue(envelope, now(), expiresAtMillis).encode();
            return tx -> {
                long[] s = stats(tx, cipher, ik);
                if (s[0] + 1 > quota.maxEnvelopes() || s[1] + envelope.length() > quota.maxBytes()) {
                    // expired envelopes not yet swept must not keep a live sender out
                    purgeExpired(tx, inboxId, ik, now());
                    s = stats(tx, cipher, ik);
                }
                if (s[0] + 1 > quota.maxEnvelopes() || s[1] + envelope.length() > quota.maxBytes()) {
                    throw ParleyException.limit("QUOTA: inbox holds " + s[0] + " envelopes / " + s[1]
                            + " bytes; limits " + quota.maxEnvelopes() + " / " + quota.maxBytes());
                }
                long seq = s[2];
                byte[] k = Codec.prefixed(inboxId, seq);
                tx.put(Cf.INBOX, k, seal(Cf.INBOX, k, plain));
                index(tx, expiresAtMillis, Cf.INBOX, k, envelope.length());
                putStats(tx, ik, new long[] {s[0] + 1, s[1] + envelope.length(), seq + 1});
                return seq;
            };
        }

        @Override
        public List<StoredEnvelope> list(Bytes inboxId, long fromSeq, int limit) {
            byte[] prefix = Codec.prefix(Codec.id(inboxId, "inbox id"));
            long now = now();
            return scan(Cf.INBOX, Codec.prefixed(inboxId, Math.max(0, fromSeq)), Codec.successor(prefix), false, limit,
                    (k, p) -> {
                        EnvelopeValue e = EnvelopeValue.decode(p);
                        return new StoredEnvelope(inboxId, Codec.getLong(k, prefix.length), e.envelope, e.storedAt,
                                e.expiresAt);
                    }, e -> e.expiresAtMillis() > now);
        }

        @Override
        public CompletableFuture<Boolean> remove(Bytes inboxId, long seq) {
            return submit(Repository.INBOX, removeOp(inboxId, seq));
        }

        Op<Boolean> removeOp(Bytes inboxId, long seq) {
            byte[] ik = Codec.id(inboxId, "inbox id").toArray();
            byte[] k = Codec.prefixed(inboxId, seq);
            return tx -> {
                byte[] raw = tx.get(Cf.INBOX, k);
                if (raw == null) return false;
                EnvelopeValue e = EnvelopeValue.decode(open(Cf.INBOX, k, raw));
                removeEnvelope(tx, ik, k, e);
                return true;
            };
        }

        @Override
        public InboxUsage usage(Bytes inboxId) {
            byte[] ik = Codec.id(inboxId, "inbox id").toArray();
            byte[] raw = read(Cf.INBOX_STATS, ik);
            if (raw == null || raw.length != 24) return InboxUsage.EMPTY;
            return new InboxUsage(Codec.getLong(raw, 0), Codec.getLong(raw, 8));
        }
    }

    /**
     * Removes the oldest committed envelopes of one inbox while they are expired, stopping at the
     * first live one: cheap when a full inbox is hammered, and complete when TTLs are uniform
     * (the sweep catches the rest).
     */
    private void purgeExpired(Tx tx, Bytes inboxId, byte[] inboxKey, long now) {
        byte[] prefix = Codec.prefix(inboxId);
        List<byte[]> expired = new ArrayList<>();
        tx.scanCommitted(Cf.INBOX, prefix, Codec.successor(prefix), (k, v) -> {
            if (EnvelopeValue.decode(open(Cf.INBOX, k, v)).expiresAt > now) return false;
            expired.add(k);
            return true;
        });
        for (byte[] k : expired) {
            byte[] raw = tx.get(Cf.INBOX, k); // an earlier operation of this batch may have removed it
            if (raw != null) removeEnvelope(tx, inboxKey, k, EnvelopeValue.decode(open(Cf.INBOX, k, raw)));
        }
    }

    private void removeEnvelope(Tx tx, byte[] inboxKey, byte[] k, EnvelopeValue e) {
        tx.delete(Cf.INBOX, k);
        unindex(tx, e.expiresAt, Cf.INBOX, k);
        long[] s = stats(tx, cipher, inboxKey);
        putStats(tx, inboxKey, new long[] {Math.max(0, s[0] - 1), Math.max(0, s[1] - e.envelope.length()), s[2]});
    }

    // ---------------------------------------------------------------- DHT records

    private static DhtRecord decodeDht(byte[] key, byte[] plain) {
        Codec.Reader r = new Codec.Reader(plain);
        DhtRecord d = new DhtRecord(Bytes.of(key), r.bytes(), r.i64());
        r.end();
        return d;
    }

    private final class Dht implements DhtRecordRepository {
        @Override
        public CompletableFuture<Void> put(DhtRecord rec) {
            byte[] k = Codec.id(rec.key(), "DHT key").toArray();
            byte[] v = seal(Cf.DHT, k, new Codec.Writer().bytes(rec.record()).i64(rec.expiresAtMillis()).toArray());
            return submit(Repository.DHT, tx -> {
                byte[] old = tx.get(Cf.DHT, k);
                if (old != null) unindex(tx, decodeDht(k, open(Cf.DHT, k, old)).expiresAtMillis(), Cf.DHT, k);
                tx.put(Cf.DHT, k, v);
                index(tx, rec.expiresAtMillis(), Cf.DHT, k, 0);
                return null;
            });
        }

        @Override
        public Optional<DhtRecord> get(Bytes key) {
            byte[] k = Codec.id(key, "DHT key").toArray();
            byte[] v = read(Cf.DHT, k);
            if (v == null) return Optional.empty();
            DhtRecord r = decodeDht(k, v);
            return r.expiresAtMillis() > now() ? Optional.of(r) : Optional.empty();
        }

        @Override
        public CompletableFuture<Boolean> delete(Bytes key) {
            byte[] k = Codec.id(key, "DHT key").toArray();
            return submit(Repository.DHT, tx -> {
                byte[] old = tx.get(Cf.DHT, k);
                if (old == null) return false;
                unindex(tx, decodeDht(k, open(Cf.DHT, k, old)).expiresAtMillis(), Cf.DHT, k);
                tx.delete(Cf.DHT, k);
                return true;
            });
        }

        @Override
        public List<DhtRecord> scan(Bytes fromKey, int limit) {
            long now = now();
            return KvStore.this.scan(Cf.DHT, fromKey.toArray(), null, false, limit, KvStore::decodeDht,
                    r -> r.expiresAtMillis() > now);
        }
    }

    // ---------------------------------------------------------------- replay cache

    private final class Replay implements ReplayCache {
        @Override
        public CompletableFuture<Boolean> markSeenAsync(Bytes tag, long expiresAtMillis) {
            return submit(Repository.REPLAY, markOp(tag, expiresAtMillis));
        }

        Op<Boolean> markOp(Bytes tag, long expiresAtMillis) {
            byte[] k = Codec.id(tag, "replay tag").toArray();
            byte[] v = seal(Cf.REPLAY, k, Codec.longBytes(expiresAtMillis));
            return tx -> {
                byte[] old = tx.get(Cf.REPLAY, k);
                if (old != null) {
                    long oldExp = Codec.getLong(open(Cf.REPLAY, k, old), 0);
                    if (oldExp > now()) return false;
                    unindex(tx, oldExp, Cf.REPLAY, k);
                }
                tx.put(Cf.REPLAY, k, v);
                index(tx, expiresAtMillis, Cf.REPLAY, k, 0);
                return true;
            };
        }

        @Override
        public boolean markSeen(Bytes tag, long expiresAtMillis) {
            checkMayBlock();
            return join(markSeenAsync(tag, expiresAtMillis));
        }

        @Override
        public boolean isSeen(Bytes tag) {
            byte[] v = read(Cf.REPLAY, Codec.id(tag, "replay tag").toArray());
            return v != null && Codec.getLong(v, 0) > now();
        }
    }

    // ---------------------------------------------------------------- meta

    private final class Meta implements MetaRepository {
        @Override
        public CompletableFuture<Void> put(String key, Bytes value) {
            return submit(Repository.META, putOp(key, value));
        }

        Op<Void> putOp(String key, Bytes value) {
            return KvStore.this.putOp(Cf.META, Codec.name(key, "meta key"), value.toArray());
        }

        @Override
        public Optional<Bytes> get(String key) {
            return Optional.ofNullable(read(Cf.META, Codec.name(key, "meta key"))).map(Bytes::wrap);
        }

        @Override
        public CompletableFuture<Boolean> delete(String key) {
            return deleteOne(Repository.META, Cf.META, Codec.name(key, "meta key"));
        }
    }

    // ---------------------------------------------------------------- batches

    @Override
    public <T> CompletableFuture<T> batch(java.util.function.Function<StoreBatch, T> work) {
        java.util.Objects.requireNonNull(work, "work");
        long start = System.nanoTime();
        Batch[] ran = new Batch[1];
        CompletableFuture<T> f = submit(Repository.SYSTEM, tx -> {
            Batch b = new Batch(tx);
            try {
                return work.apply(b);
            } finally {
                b.open = false;
                ran[0] = b;
            }
        });
        return f.thenApply(r -> {
            long nanos = System.nanoTime() - start;
            Batch b = ran[0];
            for (int i = 0; i < b.repos.size(); i++) {
                try {
                    opts.metrics().onWrite(b.repos.get(i), nanos, b.bytes.get(i));
                } catch (RuntimeException e) {
                    LOG.warn("store metrics listener failed", e);
                }
            }
            return r;
        });
    }

    /** A {@link StoreBatch} over one op's transaction; each write runs in its own layer, kept only if it succeeds. */
    private final class Batch implements StoreBatch {
        private final Tx tx;
        private final List<Repository> repos = new ArrayList<>();
        private final List<Long> bytes = new ArrayList<>();
        private boolean open = true;

        Batch(Tx tx) {
            this.tx = tx;
        }

        private <R> R apply(Repository repo, java.util.function.Supplier<Op<R>> make) {
            if (!open) throw new ParleyException(ParleyException.Kind.INTERNAL, "store batch used after its function returned");
            Op<R> op = make.get();
            BufferedTx layer = new BufferedTx((cf, key) -> {
                byte[] v = tx.get(cf, key);
                return v == null ? BufferedTx.DELETED : v;
            }, engine);
            R r = op.apply(layer);
            for (BufferedTx.Write w : layer.writes()) {
                if (w.value() == null) tx.delete(w.cf(), w.key());
                else tx.put(w.cf(), w.key(), w.value());
            }
            repos.add(repo);
            bytes.add(layer.bytesWritten());
            return r;
        }

        @Override
        public void putKey(String name, Bytes secret) {
            apply(Repository.KEYS, () -> keys.putOp(name, secret));
        }

        @Override
        public void putContact(Contact contact) {
            apply(Repository.CONTACTS, () -> contacts.putOp(contact));
        }

        @Override
        public void putSession(StoredSession session) {
            apply(Repository.SESSIONS, () -> sessions.putOp(session));
        }

        @Override
        public void putConversation(Conversation conversation) {
            apply(Repository.CONVERSATIONS, () -> conversations.putOp(conversation));
        }

        @Override
        public boolean appendMessage(StoredMessage message) {
            return apply(Repository.MESSAGES, () -> messages.appendOp(message));
        }

        @Override
        public StoredMessage updateMessageStatus(Bytes messageId, MessageStatus status, long atMillis) {
            return apply(Repository.MESSAGES, () -> messages.updateStatusOp(messageId, status, atMillis));
        }

        @Override
        public void putMeta(String key, Bytes value) {
            apply(Repository.META, () -> meta.putOp(key, value));
        }

        @Override
        public boolean deleteMeta(String key) {
            return apply(Repository.META, () -> deleteOp(Cf.META, Codec.name(key, "meta key")));
        }

        @Override
        public long appendEnvelope(Bytes inboxId, Bytes envelope, long expiresAtMillis) {
            return apply(Repository.INBOX, () -> inbox.appendOp(inboxId, envelope, expiresAtMillis));
        }

        @Override
        public boolean removeEnvelope(Bytes inboxId, long seq) {
            return apply(Repository.INBOX, () -> inbox.removeOp(inboxId, seq));
        }

        @Override
        public boolean markSeen(Bytes tag, long expiresAtMillis) {
            return apply(Repository.REPLAY, () -> replay.markOp(tag, expiresAtMillis));
        }
    }

    // ---------------------------------------------------------------- store

    @Override
    public SweepResult sweepExpired(long nowMillis) {
        checkOpen();
        checkMayBlock();
        if (schema < 2) throw new ParleyException(ParleyException.Kind.INTERNAL, "sweep needs schema 2");
        byte[] to = Codec.longBytes(nowMillis == Long.MAX_VALUE ? nowMillis : nowMillis + 1);
        long[] total = new long[3];
        for (int round = 0; round < 1_000_000; round++) {
            long[] counts = join(submit(Repository.SYSTEM, tx -> {
                long[] c = new long[4];
                List<byte[]> keys = new ArrayList<>();
                tx.scanCommitted(Cf.EXPIRY, new byte[0], to, (k, v) -> {
                    keys.add(k);
                    return keys.size() < SWEEP_CHUNK;
                });
                c[3] = keys.size();
                for (byte[] ek : keys) {
                    tx.delete(Cf.EXPIRY, ek);
                    if (ek.length < 10) continue;
                    Cf cf = Cf.fromId(ek[8]);
                    byte[] k = Arrays.copyOfRange(ek, 9, ek.length);
                    byte[] raw = tx.get(cf, k);
                    if (raw == null) continue;
                    byte[] plain = open(cf, k, raw);
                    switch (cf) {
                        case INBOX -> {
                            EnvelopeValue e = EnvelopeValue.decode(plain);
                            if (e.expiresAt <= nowMillis) {
                                removeEnvelope(tx, Arrays.copyOfRange(k, 1, 1 + (k[0] & 0xff)), k, e);
                                c[0]++;
                            }
                        }
                        case REPLAY -> {
                            if (Codec.getLong(plain, 0) <= nowMillis) {
                                tx.delete(cf, k);
                                c[1]++;
                            }
                        }
                        case DHT -> {
                            if (decodeDht(k, plain).expiresAtMillis() <= nowMillis) {
                                tx.delete(cf, k);
                                c[2]++;
                            }
                        }
                        default -> LOG.warn("expiry index names column family {}; entry dropped", cf.cfName());
                    }
                }
                return c;
            }));
            for (int i = 0; i < 3; i++) total[i] += counts[i];
            if (counts[3] < SWEEP_CHUNK) break;
        }
        return new SweepResult(total[0], total[1], total[2]);
    }

    @Override
    public int schemaVersion() {
        return schema;
    }

    @Override
    public long approximateBytes(Repository repository) {
        checkOpen();
        long n = 0;
        for (Cf cf : Cf.values()) {
            if (cf.repository() == repository && engine.hasCf(cf)) n += engine.approximateBytes(cf);
        }
        return n;
    }

    @Override
    public KeyRepository keys() {
        return keys;
    }

    @Override
    public ContactRepository contacts() {
        return contacts;
    }

    @Override
    public SessionRepository sessions() {
        return sessions;
    }

    @Override
    public ConversationRepository conversations() {
        return conversations;
    }

    @Override
    public MessageRepository messages() {
        return messages;
    }

    @Override
    public InboxRepository inbox() {
        return inbox;
    }

    @Override
    public DhtRecordRepository dht() {
        return dht;
    }

    @Override
    public ReplayCache replay() {
        return replay;
    }

    @Override
    public MetaRepository meta() {
        return meta;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) engine.close();
    }
}
