package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage.AttachmentView;
import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;
import org.parley.delivery.attachment.AttachmentCodec;
import org.parley.delivery.attachment.AttachmentRef;
import org.parley.delivery.attachment.ChunkCipher;
import org.parley.delivery.device.DeviceMessage;
import org.parley.delivery.envelope.InnerMessage;
import org.parley.delivery.envelope.PlaintextCodec;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Attachments of one {@link DeliveryService}: uploads (encrypted chunk by chunk under a fresh key as
 * the bytes come in), the windowed transfer of each attachment's chunks to each recipient, and the
 * reassembly and check of received ones. Runs on the service's thread.
 *
 * <p>Everything is kept in the {@link DeliveryStore} as message records outside any shown
 * conversation: an attachment's metadata in {@link #META} ({@code oa:<id>} ours, {@code ia:<local id>}
 * received), its sealed chunks in {@link #CHUNKS} ({@code oc:<id>:<i>}, {@code ic:<local id>:<i>}).
 * A chunk goes to a recipient as an ordinary outgoing message of kind CHUNK (persisted, retried,
 * confirmed by the recipient's delivery receipt); at most {@link DeliveryConfig#attachmentWindow()}
 * are unconfirmed per recipient and attachment, so a lost chunk is resent alone and an inbox relay
 * never holds a whole large file. After a restart, open chunk messages resume with the other
 * outgoing work and the window refills from the persisted next index. A received attachment is
 * exposed only after every chunk opened at its index (the last one sealed as last) and the
 * plaintext's SHA-256 matched the digest from the end-to-end message.
 */
final class Attachments {
    private static final Logger LOG = LoggerFactory.getLogger(Attachments.class);
    static final String META = "_att", CHUNKS = "_attc", SENDING = "_attx";
    private static final int VERSION = 1;
    private static final int MAX_UPLOADS = 16;
    private static final long UPLOAD_IDLE_MILLIS = 10 * 60_000;
    private static final int STATUS_RECEIVING = 0, STATUS_RECEIVED = 1, STATUS_FAILED = 2;

    private final DeliveryService service;
    private final DeliveryStore store;
    private final DeliveryConfig config;
    private final Clock clock;
    private final Scheduler scheduler;
    private final SecureRandom random;
    private final Map<String, Upload> uploads = new HashMap<>();
    private final Map<String, Out> outs = new LinkedHashMap<>();
    private final Map<String, In> ins = new LinkedHashMap<>();

    Attachments(DeliveryService service, DeliveryStore store, DeliveryConfig config, Clock clock, Scheduler scheduler, SecureRandom random) {
        this.service = service;
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.random = random;
    }

    // ------------------------------------------------------------------ state

    private static final class Upload {
        final String id;
        final Bytes key;
        final String name, mime;
        final byte[] buffer = new byte[2 * ChunkCipher.CHUNK];
        final MessageDigest sha = ChunkCipher.sha256();
        int buffered, index;
        long size;
        Scheduler.Cancellable idle;
        CompletionStage<Void> writes = CompletableFuture.completedFuture(null);

        Upload(String id, Bytes key, String name, String mime) {
            this.id = id;
            this.key = key;
            this.name = name;
            this.mime = mime;
        }
    }

    /** Per recipient: the next chunk to queue, how many it confirmed, whether it failed (TTL); in flight is memory only. */
    private static final class Tx {
        int next, confirmed, inFlight;
        boolean failed;
    }

    private static final class Out {
        final AttachmentRef ref;
        final long createdAt;
        String messageId = "";
        final Map<String, Tx> txs = new LinkedHashMap<>();
        int lastDecile = -1;

        Out(AttachmentRef ref, long createdAt) {
            this.ref = ref;
            this.createdAt = createdAt;
        }
    }

    private static final class In {
        final String localId, sender, storedMessageId;
        final AttachmentRef ref;
        final BitSet have = new BitSet();
        int status = STATUS_RECEIVING;
        int lastDecile = -1;
        boolean verifying;

        In(String localId, String sender, String storedMessageId, AttachmentRef ref) {
            this.localId = localId;
            this.sender = sender;
            this.storedMessageId = storedMessageId;
            this.ref = ref;
        }
    }

    // ------------------------------------------------------------------ start

    /** Loads attachment metadata; incomplete received ones find their stored chunks again. */
    CompletionStage<Void> load() {
        return store.messages(META, Long.MAX_VALUE, 1000).thenCompose(list -> {
            List<CompletionStage<Void>> probes = new ArrayList<>();
            for (MessageRecord m : list) {
                try {
                    if (m.messageId().startsWith("oa:")) {
                        Out o = decodeOut(m);
                        outs.put(m.messageId().substring(3), o);
                    } else if (m.messageId().startsWith("ia:")) {
                        In in = decodeIn(m);
                        ins.put(in.localId, in);
                        if (in.status == STATUS_RECEIVING) probes.add(probe(in).thenAccept(v -> checkComplete(in)));
                    }
                } catch (ParleyException e) {
                    LOG.warn("skipping a damaged attachment record {}: {}", m.messageId(), e.getMessage());
                }
            }
            return DeliveryService.allVoid(probes);
        });
    }

    /** A chunk message found open at start: it counts against its recipient's window. */
    void resumed(MessageRecord rec) {
        ServiceCodec.OutBody b = ServiceCodec.decodeOut(rec.body());
        if (b.kind() != ServiceCodec.Kind.CHUNK) return;
        Out o = outs.get(chunkOf(b).id().hex());
        if (o == null) return;
        Tx tx = o.txs.get(b.recipients().get(0).contactId());
        if (tx != null) tx.inFlight++;
    }

    /** After the resumed messages: refill every unfinished window. */
    void pumpAll() {
        for (Out o : outs.values()) {
            for (String c : o.txs.keySet()) pump(o, c);
        }
    }

    // ------------------------------------------------------------------ upload

    AttachmentView begin(String name, String mime) {
        String n = name == null || name.isBlank() ? "attachment" : name.strip();
        String t = mime == null || mime.isBlank() ? "application/octet-stream" : mime.strip();
        if (utf8Length(n) > AttachmentRef.MAX_NAME_BYTES) throw ParleyException.malformed("file name longer than 255 bytes");
        if (utf8Length(t) > AttachmentRef.MAX_MIME_BYTES || t.chars().anyMatch(ch -> ch < 0x20 || ch > 0x7e)) {
            throw ParleyException.malformed("content type must be printable ASCII, up to 127 bytes");
        }
        if (uploads.size() >= MAX_UPLOADS) throw ParleyException.limit("too many uploads at once");
        byte[] id = new byte[AttachmentRef.ID], key = new byte[ChunkCipher.KEY];
        random.nextBytes(id);
        random.nextBytes(key);
        Upload u = new Upload(Bytes.wrap(id).hex(), Bytes.wrap(key), n, t);
        uploads.put(u.id, u);
        touch(u);
        return new AttachmentView(u.id, n, t, 0, "uploading", 0);
    }

    CompletionStage<Void> part(String id, Bytes data) {
        Upload u = upload(id);
        if (u.size + data.length() > config.maxAttachmentBytes()) {
            abort(id);
            throw ParleyException.limit("attachment larger than " + config.maxAttachmentBytes() + " bytes");
        }
        touch(u);
        u.size += data.length();
        u.sha.update(data.toArray());
        int off = 0;
        byte[] in = data.toArray();
        while (off < in.length) {
            int n = Math.min(in.length - off, u.buffer.length - u.buffered);
            System.arraycopy(in, off, u.buffer, u.buffered, n);
            u.buffered += n;
            off += n;
            while (u.buffered > ChunkCipher.CHUNK) sealNext(u, false); // the last chunk is sealed at finish
        }
        return u.writes;
    }

    CompletionStage<AttachmentView> finish(String id) {
        Upload u = upload(id);
        sealNext(u, true);
        uploads.remove(id);
        if (u.idle != null) u.idle.cancel();
        AttachmentRef ref = new AttachmentRef(Bytes.fromHex(u.id), u.key, Bytes.wrap(u.sha.digest()), u.size, u.index, u.mime, u.name);
        Out o = new Out(ref, clock.nowMillis());
        return u.writes.thenCompose(v -> store.appendMessage(outRecord(u.id, o))).thenApply(fresh -> {
            outs.put(u.id, o);
            return view(o);
        });
    }

    void abort(String id) {
        Upload u = uploads.remove(id);
        if (u != null && u.idle != null) u.idle.cancel();
    }

    private void sealNext(Upload u, boolean last) {
        int n = last ? u.buffered : ChunkCipher.CHUNK;
        Bytes ct = ChunkCipher.seal(u.key, u.index, last, Bytes.of(u.buffer, 0, n));
        System.arraycopy(u.buffer, n, u.buffer, 0, u.buffered - n);
        u.buffered -= n;
        long now = clock.nowMillis();
        MessageRecord rec = new MessageRecord(CHUNKS, "oc:" + u.id + ":" + u.index, false, ct, MessageState.RECEIVED, Bytes.EMPTY, now, now);
        u.index++;
        CompletionStage<Boolean> w = store.appendMessage(rec);
        u.writes = u.writes.thenCombine(w, (a, b) -> null);
    }

    private Upload upload(String id) {
        Upload u = id == null ? null : uploads.get(id);
        if (u == null) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no upload " + id + " in progress");
        return u;
    }

    private void touch(Upload u) {
        if (u.idle != null) u.idle.cancel();
        u.idle = scheduler.schedule(UPLOAD_IDLE_MILLIS, () -> {
            if (uploads.remove(u.id) != null) LOG.debug("dropping upload {}: idle", u.id);
        });
    }

    // ------------------------------------------------------------------ sending

    /** The refs of uploaded attachments, for a message; 404 for an unknown id. */
    List<AttachmentRef> refs(List<String> ids) {
        if (ids == null || ids.isEmpty() || ids.size() > AttachmentCodec.MAX_PER_MESSAGE) {
            throw ParleyException.malformed("a message carries 1.." + AttachmentCodec.MAX_PER_MESSAGE + " attachments");
        }
        List<AttachmentRef> out = new ArrayList<>();
        for (String id : ids) {
            Out o = id == null ? null : outs.get(id);
            if (o == null) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no uploaded attachment " + id);
            if (out.contains(o.ref)) throw ParleyException.malformed("attachment " + id + " listed twice");
            out.add(o.ref);
        }
        return out;
    }

    /** Starts sending the chunks of {@code refs} to {@code recipients} (a recipient that has them all already is skipped). */
    CompletionStage<Void> startTransfers(String messageId, List<AttachmentRef> refs, List<String> recipients) {
        List<CompletionStage<Void>> writes = new ArrayList<>();
        for (AttachmentRef r : refs) {
            Out o = outs.get(r.id().hex());
            o.messageId = messageId;
            for (String c : recipients) o.txs.putIfAbsent(c, new Tx());
            writes.add(persist(o));
            for (String c : recipients) pump(o, c);
        }
        return DeliveryService.allVoid(writes);
    }

    private void pump(Out o, String contact) {
        Tx tx = o.txs.get(contact);
        while (tx != null && !tx.failed && tx.inFlight < config.attachmentWindow() && tx.next < o.ref.chunks()) {
            int i = tx.next++;
            tx.inFlight++;
            String hex = o.ref.id().hex();
            store.message("oc:" + hex + ":" + i).thenCompose(rec -> {
                if (rec.isEmpty()) throw new ParleyException(ParleyException.Kind.INTERNAL, "chunk " + i + " of " + hex + " is missing");
                InnerMessage chunk = new InnerMessage.Unrecognized(AttachmentCodec.CHUNK_TYPE,
                        AttachmentCodec.encodeChunk(new AttachmentCodec.Chunk(o.ref.id(), i, rec.get().body())));
                return service.queueChunk(chunk, contact);
            }).thenCompose(v -> persist(o)).whenComplete((v, e) -> {
                if (e != null) {
                    LOG.warn("could not queue chunk {} of attachment {}: {}", i, hex, DeliveryService.cause(e).getMessage());
                    tx.inFlight--;
                    tx.failed = true;
                }
            });
        }
    }

    /** An outgoing message left the open set: delivered (confirmed) or failed. Chunks move their window. */
    void outgoingDone(MessageRecord rec, boolean delivered) {
        ServiceCodec.OutBody b = ServiceCodec.decodeOut(rec.body());
        if (b.kind() != ServiceCodec.Kind.CHUNK) return;
        Out o = outs.get(chunkOf(b).id().hex());
        if (o == null) return;
        String contact = b.recipients().get(0).contactId();
        Tx tx = o.txs.get(contact);
        if (tx == null) return;
        tx.inFlight = Math.max(0, tx.inFlight - 1);
        if (delivered) tx.confirmed = Math.min(o.ref.chunks(), tx.confirmed + 1);
        else tx.failed = true;
        persist(o);
        int decile = (int) (progress(o) * 10);
        if (decile != o.lastDecile || !delivered) {
            o.lastDecile = decile;
            service.attachmentChanged(o.messageId);
        }
        pump(o, contact);
    }

    private static AttachmentCodec.Chunk chunkOf(ServiceCodec.OutBody b) {
        InnerMessage m = PlaintextCodec.decode(b.inner()).message();
        return AttachmentCodec.decodeChunk(((InnerMessage.Unrecognized) m).body());
    }

    // ------------------------------------------------------------------ receiving

    /** A chunk from {@code sender}: stored once (a duplicate changes nothing); completes when durable. */
    CompletionStage<Void> chunkArrived(String sender, AttachmentCodec.Chunk c) {
        if (c.index() >= ChunkCipher.chunkCount(config.maxAttachmentBytes())) {
            throw ParleyException.protocol("chunk index " + c.index() + " beyond the attachment size limit");
        }
        String localId = sender + c.id().hex();
        In in = ins.get(localId);
        if (in != null && c.index() >= in.ref.chunks()) throw ParleyException.protocol("chunk index beyond the attachment");
        if (in != null && in.have.get(c.index())) return CompletableFuture.completedFuture(null);
        long now = clock.nowMillis();
        return store.appendMessage(new MessageRecord(CHUNKS, "ic:" + localId + ":" + c.index(), false, c.ciphertext(), MessageState.RECEIVED,
                Bytes.EMPTY, now, now)).thenAccept(fresh -> {
            In now2 = ins.get(localId);
            if (now2 == null || now2.status != STATUS_RECEIVING) return;
            now2.have.set(c.index());
            checkComplete(now2);
            int decile = (int) (now2.have.cardinality() * 10L / now2.ref.chunks());
            if (decile != now2.lastDecile && now2.status == STATUS_RECEIVING) {
                now2.lastDecile = decile;
                service.attachmentChanged(now2.storedMessageId);
            }
        });
    }

    /** The end-to-end message naming received attachments: records them (once) and returns their local ids. */
    CompletionStage<List<String>> pointersArrived(String sender, String storedMessageId, List<AttachmentRef> refs) {
        List<String> ids = new ArrayList<>();
        List<CompletionStage<Void>> work = new ArrayList<>();
        for (AttachmentRef r : refs) {
            r.validate(config.maxAttachmentBytes());
            String localId = sender + r.id().hex();
            ids.add(localId);
            if (ins.containsKey(localId)) continue; // a duplicate, or the same file sent again: already known
            In in = new In(localId, sender, storedMessageId, r);
            ins.put(localId, in);
            work.add(store.appendMessage(inRecord(in)).thenCompose(fresh -> probe(in)).thenAccept(v -> checkComplete(in)));
        }
        return DeliveryService.allVoid(work).thenApply(v -> ids);
    }

    /** Finds which chunks of {@code in} are already stored. */
    private CompletionStage<Void> probe(In in) {
        List<CompletionStage<Void>> probes = new ArrayList<>();
        for (int i = 0; i < in.ref.chunks(); i++) {
            int idx = i;
            probes.add(store.message("ic:" + in.localId + ":" + i).thenAccept(m -> {
                if (m.isPresent()) in.have.set(idx);
            }));
        }
        return DeliveryService.allVoid(probes);
    }

    private void checkComplete(In in) {
        if (in.status != STATUS_RECEIVING || in.verifying || in.have.cardinality() < in.ref.chunks()) return;
        in.verifying = true;
        ChunkCipher.Verifier v = new ChunkCipher.Verifier(in.ref.key(), in.ref.chunks(), in.ref.size(), in.ref.digest());
        verifyFrom(in, v, 0).whenComplete((x, e) -> {
            in.verifying = false;
            if (e != null) {
                Throwable c = DeliveryService.cause(e);
                if (!(c instanceof ParleyException pe) || pe.kind() == ParleyException.Kind.UNAVAILABLE || pe.kind() == ParleyException.Kind.INTERNAL) {
                    LOG.warn("could not check attachment {}: {}", in.localId, c.getMessage());
                    return; // store trouble: checked again at the next start
                }
                LOG.debug("attachment {} from {} rejected: {}", in.localId, in.sender, c.getMessage());
                in.status = STATUS_FAILED;
            } else {
                in.status = STATUS_RECEIVED;
            }
            long now = clock.nowMillis();
            store.updateMessage("ia:" + in.localId, MessageState.RECEIVED, encodeInExtra(in), now)
                    .whenComplete((r, err) -> service.attachmentChanged(in.storedMessageId));
        });
    }

    private CompletionStage<Void> verifyFrom(In in, ChunkCipher.Verifier v, int i) {
        if (i == in.ref.chunks()) {
            v.finish();
            return CompletableFuture.completedFuture(null);
        }
        return store.message("ic:" + in.localId + ":" + i).thenCompose(m -> {
            if (m.isEmpty()) throw new ParleyException(ParleyException.Kind.INTERNAL, "chunk " + i + " vanished");
            v.next(m.get().body());
            return verifyFrom(in, v, i + 1);
        });
    }

    // ------------------------------------------------------------------ reading and views

    AttachmentView view(String id) {
        Optional<DeviceMessage.SyncedFile> synced = LinkSync.file(id);
        if (synced.isPresent()) { // synced from our primary: its metadata only, the file stays on the devices that have it
            DeviceMessage.SyncedFile f = synced.get();
            return new AttachmentView("synced-" + f.digest().hex(), f.name(), f.mime(), f.size(), STATUS_NOT_SYNCED, 0);
        }
        Out o = outs.get(id);
        if (o != null) return view(o);
        In in = ins.get(id);
        if (in != null) return view(in);
        Upload u = uploads.get(id);
        if (u != null) return new AttachmentView(u.id, u.name, u.mime, u.size, "uploading", 0);
        throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no attachment " + id);
    }

    /** Chunk {@code index} decrypted, of one of ours or of a received and verified attachment. */
    CompletionStage<Bytes> read(String id, int index) {
        Out o = outs.get(id);
        In in = o == null ? ins.get(id) : null;
        if (o == null && in == null) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no attachment " + id);
        if (in != null && in.status != STATUS_RECEIVED) throw ParleyException.protocol("attachment " + id + " is not received and checked yet");
        AttachmentRef ref = o != null ? o.ref : in.ref;
        if (index < 0 || index >= ref.chunks()) throw ParleyException.malformed("chunk index " + index + " of " + ref.chunks());
        String key = (o != null ? "oc:" : "ic:") + id + ":" + index;
        return store.message(key).thenApply(m -> {
            if (m.isEmpty()) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "chunk " + index + " of " + id + " is missing");
            return ChunkCipher.open(ref.key(), index, index == ref.chunks() - 1, m.get().body());
        });
    }

    /** Status of an attachment of a message synced from our primary: listed (name, type, size), not downloadable here. */
    static final String STATUS_NOT_SYNCED = "not synced";

    /** The reference of one of our attachments or of a received one, by its local id. */
    Optional<AttachmentRef> ref(String id) {
        Out o = outs.get(id);
        if (o != null) return Optional.of(o.ref);
        In in = ins.get(id);
        return in == null ? Optional.empty() : Optional.of(in.ref);
    }

    int chunkCount(String id) {
        Out o = outs.get(id);
        if (o != null) return o.ref.chunks();
        In in = ins.get(id);
        if (in != null) return in.ref.chunks();
        throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no attachment " + id);
    }

    List<AttachmentView> views(List<String> ids) {
        List<AttachmentView> out = new ArrayList<>();
        for (String id : ids) {
            try {
                out.add(view(id));
            } catch (ParleyException e) {
                // an attachment whose record is gone: not shown
            }
        }
        return out;
    }

    private AttachmentView view(Out o) {
        String status;
        if (o.txs.isEmpty()) status = "ready";
        else if (o.txs.values().stream().anyMatch(t -> t.failed)) status = "failed";
        else if (o.txs.values().stream().allMatch(t -> t.confirmed >= o.ref.chunks())) status = "sent";
        else status = "sending";
        return new AttachmentView(o.ref.id().hex(), o.ref.name(), o.ref.mime(), o.ref.size(), status, o.txs.isEmpty() ? 1 : progress(o));
    }

    private AttachmentView view(In in) {
        String status = switch (in.status) {
            case STATUS_RECEIVED -> "received";
            case STATUS_FAILED -> "failed";
            default -> "receiving";
        };
        double p = in.status == STATUS_RECEIVED ? 1 : (double) in.have.cardinality() / in.ref.chunks();
        return new AttachmentView(in.localId, in.ref.name(), in.ref.mime(), in.ref.size(), status, p);
    }

    private static double progress(Out o) {
        long total = (long) o.ref.chunks() * Math.max(1, o.txs.size());
        long done = o.txs.values().stream().mapToLong(t -> t.confirmed).sum();
        return (double) done / total;
    }

    // ------------------------------------------------------------------ records

    private CompletionStage<Void> persist(Out o) {
        return store.updateMessage("oa:" + o.ref.id().hex(), MessageState.RECEIVED, encodeOutExtra(o), clock.nowMillis()).thenApply(r -> null);
    }

    private MessageRecord outRecord(String id, Out o) {
        return new MessageRecord(META, "oa:" + id, false, encodeRef(new WireWriter(256).u8(VERSION), o.ref).toBytes(), MessageState.RECEIVED,
                encodeOutExtra(o), o.createdAt, o.createdAt);
    }

    private Out decodeOut(MessageRecord m) {
        WireReader r = reader(m.body(), "attachment");
        Out o = new Out(decodeRef(r), m.createdAtMillis());
        r.expectEnd();
        if (!m.extra().isEmpty()) {
            WireReader x = reader(m.extra(), "attachment progress");
            o.messageId = ServiceCodec.string(x.bytes16());
            int n = x.u16();
            for (int i = 0; i < n; i++) {
                String c = ServiceCodec.string(x.bytes16());
                Tx t = new Tx();
                t.next = (int) x.u32();
                t.confirmed = (int) x.u32();
                t.failed = x.u8() == 1;
                // chunks queued but unconfirmed are resumed as open messages and counted by resumed()
                o.txs.put(c, t);
            }
            x.expectEnd();
        }
        return o;
    }

    private static Bytes encodeOutExtra(Out o) {
        WireWriter w = new WireWriter(128).u8(VERSION).bytes16(ServiceCodec.utf8(o.messageId)).u16(o.txs.size());
        for (Map.Entry<String, Tx> e : o.txs.entrySet()) {
            w.bytes16(ServiceCodec.utf8(e.getKey())).u32(e.getValue().next).u32(e.getValue().confirmed).u8(e.getValue().failed ? 1 : 0);
        }
        return w.toBytes();
    }

    private MessageRecord inRecord(In in) {
        long now = clock.nowMillis();
        Bytes body = encodeRef(new WireWriter(256).u8(VERSION).bytes16(ServiceCodec.utf8(in.sender))
                .bytes16(ServiceCodec.utf8(in.storedMessageId)), in.ref).toBytes();
        return new MessageRecord(META, "ia:" + in.localId, false, body, MessageState.RECEIVED, encodeInExtra(in), now, now);
    }

    private In decodeIn(MessageRecord m) {
        WireReader r = reader(m.body(), "received attachment");
        String sender = ServiceCodec.string(r.bytes16()), stored = ServiceCodec.string(r.bytes16());
        AttachmentRef ref = decodeRef(r);
        r.expectEnd();
        In in = new In(sender + ref.id().hex(), sender, stored, ref);
        if (!m.extra().isEmpty()) in.status = reader(m.extra(), "received attachment status").u8();
        if (in.status == STATUS_RECEIVED) in.have.set(0, ref.chunks());
        return in;
    }

    private static Bytes encodeInExtra(In in) {
        return new WireWriter(4).u8(VERSION).u8(in.status).toBytes();
    }

    private static WireWriter encodeRef(WireWriter w, AttachmentRef r) {
        return w.raw(r.id()).raw(r.key()).raw(r.digest()).u64(r.size()).u32(r.chunks()).bytes16(ServiceCodec.utf8(r.mime()))
                .bytes16(ServiceCodec.utf8(r.name()));
    }

    private static AttachmentRef decodeRef(WireReader r) {
        return new AttachmentRef(r.raw(AttachmentRef.ID), r.raw(ChunkCipher.KEY), r.raw(ChunkCipher.DIGEST), r.u64(), (int) r.u32(),
                ServiceCodec.string(r.bytes16()), ServiceCodec.string(r.bytes16()));
    }

    private static WireReader reader(Bytes b, String what) {
        WireReader r = new WireReader(b.toArray(), what);
        int v = r.u8();
        if (v != VERSION) throw ParleyException.malformed(what + ": version " + v);
        return r;
    }

    private static int utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
