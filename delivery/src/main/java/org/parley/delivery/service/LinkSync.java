package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage.ContactView;
import org.parley.core.time.Clock;
import org.parley.delivery.attachment.AttachmentCodec;
import org.parley.delivery.attachment.AttachmentRef;
import org.parley.delivery.device.DeviceMessage;
import org.parley.delivery.device.DeviceMessageCodec;
import org.parley.delivery.envelope.InnerMessage;
import org.parley.delivery.envelope.PlaintextCodec;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.SafetyNumber;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.service.ServiceCodec.InBody;
import org.parley.delivery.service.ServiceCodec.Kind;
import org.parley.delivery.service.ServiceCodec.OutBody;
import org.parley.delivery.service.ServiceCodec.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a newly linked device gets from the primary right after the approval: the contact list,
 * the groups and (if the user asked for it) the last {@code history} messages of each
 * conversation, as device messages through the normal inbox path (end-to-end encrypted in the
 * session with the new device, persisted, retried until confirmed).
 *
 * <p>On the new device every part is applied on its own and idempotently (batches may arrive in
 * any order, or twice): a contact is shown at once (conversation, name, safety number) but gets a
 * session only when its own devices, told of the new device by the primary's announce, send their
 * card; until then it is listed, and what is sent to it is held (pending, with sequence numbers
 * from {@link #holdSequence}) and goes when the card comes, or fails at its TTL. Synced messages keep their
 * primary's stored ids and times and are marked synced: an outgoing one has no recipients (never
 * sent again, receipts for it change nothing), an incoming one has sequence 0 and is stored read
 * (no receipt, no unread count).
 */
final class LinkSync {
    private static final Logger LOG = LoggerFactory.getLogger(LinkSync.class);
    /** The pseudo-conversation whose data holds the synced contacts on the new device. */
    static final String STATE_ID = "_synced";
    public static final int MAX_HISTORY = 200;
    /** Encoded entries per history batch (one envelope, well inside 64 KiB plus a maximal text). */
    static final int BATCH_BYTES = 48 * 1024;
    /** All synced history of one link: messages beyond it (the oldest conversations' last) are left out. */
    static final long MAX_HISTORY_BYTES = 8L << 20;
    static final int MAX_SYNCED_CONTACTS = 4096;

    private final DeliveryService svc;
    private final DeviceFanout fanout;
    private final DeliveryStore store;
    private final Clock clock;
    private final Map<String, DeviceMessage.SyncedContact> synced = new LinkedHashMap<>();
    /**
     * Per synced contact without a session yet: the last sequence number given to a message held
     * for it (see {@link #holdSequence}); its session, when its card comes, goes on after it.
     */
    private final Map<String, Long> held = new LinkedHashMap<>();

    LinkSync(DeliveryService svc, DeviceFanout fanout, DeliveryStore store, Clock clock) {
        this.svc = svc;
        this.fanout = fanout;
        this.store = store;
        this.clock = clock;
    }

    // ------------------------------------------------------------------ state (new device)

    void load(Bytes data) {
        try {
            WireReader r = new WireReader(data.toArray(), "synced contacts");
            int n = r.u16();
            for (int i = 0; i < n; i++) {
                DeviceMessage m = DeviceMessageCodec.decode(DeviceMessageCodec.CONTACT_SYNC, r.bytes32(1 << 20));
                for (DeviceMessage.SyncedContact c : ((DeviceMessage.ContactSync) m).contacts()) {
                    synced.put(DeliveryService.contactId(c.identity()), c);
                }
            }
            if (r.remaining() > 0) { // sequence numbers of held sends (absent in state written before them)
                int h = r.u16();
                for (int i = 0; i < h; i++) {
                    String id = ServiceCodec.string(r.bytes16());
                    long seq = r.u64();
                    if (seq < 1 || seq > Long.MAX_VALUE / 2) throw ParleyException.malformed("held sequence out of range");
                    held.put(id, seq);
                }
            }
            r.expectEnd();
        } catch (ParleyException e) {
            LOG.warn("synced contacts do not decode, starting without: {}", e.getMessage());
        }
    }

    private CompletionStage<Void> save() {
        List<DeviceMessage.SyncedContact> all = List.copyOf(synced.values());
        List<Bytes> chunks = new ArrayList<>();
        for (int i = 0; i < all.size(); i += DeviceMessageCodec.MAX_CONTACTS) {
            chunks.add(DeviceMessageCodec.encode(new DeviceMessage.ContactSync(all.subList(i, Math.min(all.size(), i + DeviceMessageCodec.MAX_CONTACTS)))));
        }
        WireWriter w = new WireWriter(1024).u16(chunks.size());
        for (Bytes c : chunks) w.bytes32(c);
        if (!held.isEmpty()) {
            w.u16(held.size());
            held.forEach((id, seq) -> w.bytes16(ServiceCodec.utf8(id)).u64(seq));
        }
        return store.putConversation(new ConversationRecord(STATE_ID, "", "synced", 0, w.toBytes()));
    }

    /** The name the primary's user gave this contact, if it came by a contact sync. */
    Optional<String> name(String contactId) {
        DeviceMessage.SyncedContact c = synced.get(contactId);
        return c == null ? Optional.empty() : Optional.of(c.name());
    }

    /** Whether {@code contactId} is a contact our primary synced that has no session with this device yet. */
    boolean awaitsCard(String contactId) {
        return synced.containsKey(contactId) && !svc.knows(contactId);
    }

    /**
     * The sequence number of a message to a synced contact that has no session yet (it is held until
     * the contact's card comes): 1, 2, ... per contact, persisted before the message is; the session
     * made from the card then numbers on from {@link #nextSendSeq}.
     */
    long holdSequence(String contactId) {
        long seq = held.getOrDefault(contactId, 0L) + 1;
        held.put(contactId, seq);
        return seq;
    }

    /** The first sequence number a new session with {@code contactId} uses: after the held messages'. */
    long nextSendSeq(String contactId) {
        return held.getOrDefault(contactId, 0L) + 1;
    }

    CompletionStage<Void> saveHeld() {
        return save();
    }

    /** Synced contacts this device has no session with yet (shown, not yet reachable). */
    List<ContactView> waiting() {
        IdentityKey me = svc.account().identity().publicKey();
        List<ContactView> out = new ArrayList<>();
        synced.forEach((id, c) -> {
            if (!svc.knows(id)) out.add(new ContactView(id, c.name(), SafetyNumber.of(me, c.identity()).display(), false));
        });
        return out;
    }

    // ------------------------------------------------------------------ sending (primary)

    /** Queues the contacts, groups and the last {@code history} messages per conversation to the new device {@code to}. */
    CompletionStage<Void> sendTo(String to, int history) {
        if (history < 0 || history > MAX_HISTORY) throw ParleyException.malformed("history must be 0.." + MAX_HISTORY);
        return store.contacts().thenCompose(contacts -> {
            List<DeviceMessage.SyncedContact> cs = new ArrayList<>();
            for (ContactRecord c : contacts) {
                if (fanout.hidden(c.contactId()) || !svc.knows(c.contactId())) continue; // devices (ours, contacts') are not contacts
                Invite.ContactInbox inbox = ServiceCodec.decodeInbox(c.theirInbox());
                Optional<Invite.ContactInbox> reach = decodable(inbox) ? Optional.of(inbox) : Optional.empty();
                cs.add(new DeviceMessage.SyncedContact(clampName(svc.peerName(c.contactId()).orElse(c.name())), IdentityKey.decode(c.identityKey()), reach));
            }
            List<CompletionStage<Void>> sends = new ArrayList<>();
            for (List<DeviceMessage.SyncedContact> batch : batches(cs, DeviceMessageCodec.MAX_CONTACTS,
                    c -> DeviceMessageCodec.encode(new DeviceMessage.ContactSync(List.of(c))).length())) {
                sends.add(svc.queueDevice(new DeviceMessage.ContactSync(batch), List.of(to)));
            }
            return DeliveryService.allVoid(sends);
        }).thenCompose(v -> store.conversations()).thenCompose(convs -> {
            List<ConversationRecord> shown = convs.stream().filter(this::shown).toList();
            List<DeviceMessage.SyncedGroup> gs = new ArrayList<>();
            for (ConversationRecord c : shown) {
                if (!c.isGroup()) continue;
                ServiceCodec.Group g = ServiceCodec.decodeGroup(c.data());
                Set<String> members = new LinkedHashSet<>();
                for (String m : g.members()) {
                    String account = fanout.conversationOf(m);
                    if (!fanout.hidden(account) && account.matches("[0-9a-f]{32}")) members.add(account);
                }
                gs.add(new DeviceMessage.SyncedGroup(g.groupId(), clampName(c.title()),
                        List.copyOf(members).subList(0, Math.min(members.size(), DeviceMessageCodec.MAX_MEMBERS))));
            }
            List<CompletionStage<Void>> sends = new ArrayList<>();
            for (List<DeviceMessage.SyncedGroup> batch : batches(gs, DeviceMessageCodec.MAX_GROUPS,
                    g -> DeviceMessageCodec.encode(new DeviceMessage.GroupSync(List.of(g))).length())) {
                sends.add(svc.queueDevice(new DeviceMessage.GroupSync(batch), List.of(to)));
            }
            CompletionStage<Void> chain = DeliveryService.allVoid(sends);
            if (history == 0) return chain;
            long[] budget = {MAX_HISTORY_BYTES};
            for (ConversationRecord c : shown) chain = chain.thenCompose(x -> sendHistory(to, c, history, budget));
            return chain;
        });
    }

    /** Consecutive batches of at most {@code max} entries and (unless one entry alone is larger) {@link #BATCH_BYTES}. */
    static <T> List<List<T>> batches(List<T> all, int max, java.util.function.ToIntFunction<T> size) {
        List<List<T>> out = new ArrayList<>();
        List<T> batch = new ArrayList<>();
        long bytes = 0;
        for (T t : all) {
            int n = size.applyAsInt(t);
            if (!batch.isEmpty() && (batch.size() == max || bytes + n > BATCH_BYTES)) {
                out.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(t);
            bytes += n;
        }
        if (!batch.isEmpty()) out.add(batch);
        return out;
    }

    /** Whether the new device's decoder takes this inbox (1..8 relays, addresses of 1..255 characters). */
    private static boolean decodable(Invite.ContactInbox inbox) {
        return inbox != null && !inbox.relays().isEmpty() && inbox.relays().size() <= org.parley.delivery.invite.InviteCodec.MAX_RELAYS
                && inbox.relays().stream().allMatch(r -> !r.address().isEmpty() && r.address().length() <= org.parley.delivery.invite.InviteCodec.MAX_ADDRESS);
    }

    /** A conversation the user sees: a group, or a direct one with a contact (not a device, not a hidden one). */
    private boolean shown(ConversationRecord c) {
        String id = c.conversationId();
        if (id.matches("g-[0-9a-f]{32}")) return c.isGroup();
        return !c.isGroup() && id.equals(c.contactId()) && id.matches("[0-9a-f]{32}") && !fanout.hidden(id);
    }

    private CompletionStage<Void> sendHistory(String to, ConversationRecord c, int n, long[] budget) {
        return store.messages(c.conversationId(), Long.MAX_VALUE, n).thenCompose(newestFirst -> {
            List<MessageRecord> recs = new ArrayList<>(newestFirst);
            Collections.reverse(recs);
            List<DeviceMessage.SyncedMessage> all = new ArrayList<>();
            for (MessageRecord m : recs) {
                DeviceMessage.SyncedMessage s = synced(m);
                if (s != null) all.add(s);
            }
            // the byte budget keeps the newest: drop from the oldest end
            long size = 0;
            int from = all.size();
            while (from > 0 && size + entrySize(all.get(from - 1)) <= budget[0]) size += entrySize(all.get(--from));
            budget[0] -= size;
            if (from > 0) LOG.info("history sync: {} older messages of a conversation left out (byte cap)", from);
            List<CompletionStage<Void>> sends = new ArrayList<>();
            for (List<DeviceMessage.SyncedMessage> batch : batches(all.subList(from, all.size()), DeviceMessageCodec.MAX_HISTORY_BATCH,
                    m -> (int) entrySize(m))) {
                sends.add(svc.queueDevice(new DeviceMessage.HistorySync(c.conversationId(), batch), List.of(to)));
            }
            return DeliveryService.allVoid(sends);
        });
    }

    /** A shown message as a synced one, or null (control traffic, or a text too long for one entry). */
    private DeviceMessage.SyncedMessage synced(MessageRecord m) {
        Kind kind;
        String text, sender;
        List<DeviceMessage.SyncedFile> files = new ArrayList<>();
        if (m.messageId().startsWith(DeliveryService.GAP_PREFIX)) return null; // this device's own notice, not a message
        if (m.outgoing()) {
            OutBody b = ServiceCodec.decodeOut(m.body());
            kind = b.kind();
            text = b.text();
            sender = "";
            if (kind == Kind.ATTACHMENT && !b.inner().isEmpty()) {
                try {
                    InnerMessage inner = PlaintextCodec.decode(b.inner()).message();
                    for (AttachmentRef r : AttachmentCodec.decodeMessage(((InnerMessage.Unrecognized) inner).body()).refs()) files.add(file(r));
                } catch (ParleyException | ClassCastException e) {
                    LOG.debug("history sync: the attachments of a sent message do not decode, syncing its text: {}", e.getMessage());
                }
            }
            for (String id : b.syncedFiles()) file(id).ifPresent(files::add);
        } else {
            InBody b = ServiceCodec.decodeIn(m.body());
            kind = b.kind();
            text = b.text();
            sender = fanout.conversationOf(b.senderContactId()); // the account, which the new device knows by the contact sync
            if (!sender.matches("[0-9a-f]{32}")) return null;
            for (String id : b.attachments()) {
                Optional<DeviceMessage.SyncedFile> f = file(id).or(() -> svc.attachmentRef(id).map(LinkSync::file));
                f.ifPresent(files::add);
            }
        }
        if (kind != Kind.TEXT && kind != Kind.GROUP_TEXT && kind != Kind.ATTACHMENT) return null;
        if (text.getBytes(StandardCharsets.UTF_8).length > DeviceMessageCodec.MAX_TEXT) return null;
        if (m.messageId().length() > 160) return null;
        if (files.size() > DeviceMessageCodec.MAX_SYNCED_FILES) files = files.subList(0, DeviceMessageCodec.MAX_SYNCED_FILES);
        return new DeviceMessage.SyncedMessage(m.messageId(), m.outgoing(), sender, m.status().ordinal(), Math.max(0, m.createdAtMillis()),
                Math.max(0, m.updatedAtMillis()), text, files);
    }

    private static long entrySize(DeviceMessage.SyncedMessage s) {
        long size = 2 + s.messageId().length() + 1 + 2 + s.senderId().length() + 1 + 16 + 4 + s.text().getBytes(StandardCharsets.UTF_8).length;
        if (!s.files().isEmpty()) size += 2 + 3; // the section's count (once per batch, counted per entry to stay safe), index and n
        for (DeviceMessage.SyncedFile f : s.files()) {
            size += 2 + f.name().getBytes(StandardCharsets.UTF_8).length + 2 + f.mime().getBytes(StandardCharsets.UTF_8).length + 8 + DeviceMessageCodec.DIGEST;
        }
        return size;
    }

    // ------------------------------------------------------------------ synced attachments (metadata only)

    /** Prefix of the local id of a synced attachment: the new device knows its metadata, not its key or chunks. */
    static final String FILE_PREFIX = "synced:";

    private static DeviceMessage.SyncedFile file(AttachmentRef r) {
        String name = r.name().getBytes(StandardCharsets.UTF_8).length <= DeviceMessageCodec.MAX_FILE_NAME ? r.name() : "attachment";
        String mime = r.mime().getBytes(StandardCharsets.UTF_8).length <= DeviceMessageCodec.MAX_FILE_MIME ? r.mime() : "";
        return new DeviceMessage.SyncedFile(name, mime, r.size(), r.digest());
    }

    /** The local id under which a synced attachment's metadata is kept with its message. */
    static String fileId(DeviceMessage.SyncedFile f) {
        Bytes b = new WireWriter(64).bytes16(ServiceCodec.utf8(f.name())).bytes16(ServiceCodec.utf8(f.mime())).u64(f.size()).raw(f.digest()).toBytes();
        return FILE_PREFIX + b.hex();
    }

    /** The metadata behind a {@link #fileId}, or empty for any other id (or one that does not decode). */
    static Optional<DeviceMessage.SyncedFile> file(String id) {
        if (!id.startsWith(FILE_PREFIX)) return Optional.empty();
        try {
            WireReader r = new WireReader(Bytes.fromHex(id.substring(FILE_PREFIX.length())).toArray(), "synced file");
            String name = ServiceCodec.string(r.bytes16()), mime = ServiceCodec.string(r.bytes16());
            long size = r.u64();
            Bytes digest = r.raw(DeviceMessageCodec.DIGEST);
            r.expectEnd();
            return Optional.of(new DeviceMessage.SyncedFile(name, mime, size, digest));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String clampName(String name) {
        String s = name.codePoints().filter(cp -> !Character.isISOControl(cp))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
        if (s.isEmpty()) return "contact";
        if (s.length() <= DeviceMessageCodec.MAX_SYNC_NAME) return s;
        int end = DeviceMessageCodec.MAX_SYNC_NAME;
        if (Character.isHighSurrogate(s.charAt(end - 1))) end--;
        return s.substring(0, end);
    }

    // ------------------------------------------------------------------ applying (new device)

    /** Contacts from our primary: remembered (name, key), each with its conversation; a contact we already have keeps its session and takes the name. */
    CompletionStage<Runnable> applyContacts(DeviceMessage.ContactSync m, String myId) {
        List<CompletionStage<Void>> writes = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        for (DeviceMessage.SyncedContact c : m.contacts()) {
            c.identity().validate();
            String id = DeliveryService.contactId(c.identity());
            if (id.equals(myId) || fanout.isOwnDevice(id)) continue;
            if (!synced.containsKey(id) && synced.size() >= MAX_SYNCED_CONTACTS) throw ParleyException.limit("too many synced contacts");
            boolean isNew = !synced.containsKey(id) && !svc.knows(id);
            synced.put(id, c);
            if (isNew) fresh.add(id);
            if (svc.knows(id)) writes.add(svc.renamePeer(id, c.name()));
            writes.add(svc.putSyncedConversation(id, c.name(), Optional.empty()));
        }
        writes.add(save());
        return DeliveryService.allVoid(writes).thenApply(v -> () -> {
            for (ContactView view : waiting()) if (fresh.contains(view.contactId())) svc.emitSynced(view);
        });
    }

    /** Groups from our primary: created, or their name and members completed. */
    CompletionStage<Runnable> applyGroups(DeviceMessage.GroupSync m) {
        List<CompletionStage<Void>> writes = new ArrayList<>();
        for (DeviceMessage.SyncedGroup g : m.groups()) {
            writes.add(svc.putSyncedConversation(DeliveryService.groupConversationId(g.groupId()), g.name(), Optional.of(g)));
        }
        return DeliveryService.allVoid(writes).thenApply(v -> () -> { });
    }

    /** Messages from our primary's history: stored once each (by their primary's id), marked synced. */
    CompletionStage<Runnable> applyHistory(DeviceMessage.HistorySync h) {
        String conv = h.conversationId();
        boolean group = conv.matches("g-[0-9a-f]{32}");
        if (!group && !conv.matches("[0-9a-f]{32}")) throw ParleyException.protocol("history for a conversation that cannot be shown");
        long now = clock.nowMillis();
        List<MessageRecord> recs = new ArrayList<>();
        for (DeviceMessage.SyncedMessage s : h.messages()) {
            MessageState status = MessageState.values()[s.status()];
            boolean fits = s.outgoing() ? status != MessageState.RECEIVED : status == MessageState.RECEIVED || status == MessageState.READ;
            if (!fits) throw ParleyException.protocol("synced message status " + status.label() + " does not fit its direction");
            long at = Math.min(now, s.atMillis()), updated = Math.min(now, Math.max(at, s.updatedAtMillis()));
            Kind kind = group ? Kind.GROUP_TEXT : Kind.TEXT;
            List<String> files = s.files().stream().map(LinkSync::fileId).toList();
            if (s.outgoing()) {
                String reason = status == MessageState.FAILED ? "failed on another device of this account" : "";
                recs.add(new MessageRecord(conv, s.messageId(), true, ServiceCodec.encodeOut(new OutBody(kind, s.text(), Bytes.EMPTY, List.of(), files)),
                        status, ServiceCodec.encodeProgress(new Progress(reason, List.of(), Map.of())), at, updated));
            } else {
                if (s.messageId().indexOf(':') < 0) throw ParleyException.protocol("synced incoming message without its sender's id");
                recs.add(new MessageRecord(conv, s.messageId(), false, ServiceCodec.encodeIn(new InBody(kind, s.senderId(), s.text(), 0, at, files)),
                        MessageState.READ, ServiceCodec.encodeProgress(new Progress("", List.of(), Map.of())), at, updated));
            }
        }
        CompletionStage<Void> ensured = svc.hasConversation(conv) ? CompletableFuture.completedFuture(null)
                : svc.putSyncedConversation(conv, group ? "group" : name(conv).orElse("contact " + conv.substring(0, 6)),
                group ? Optional.of(new DeviceMessage.SyncedGroup(Bytes.fromHex(conv.substring(2)), "group", List.of())) : Optional.empty());
        int[] added = {0};
        CompletionStage<Void> chain = ensured;
        for (MessageRecord r : recs) chain = chain.thenCompose(v -> store.appendMessage(r)).thenAccept(fresh -> added[0] += fresh ? 1 : 0);
        return chain.thenApply(v -> () -> {
            if (added[0] > 0) svc.emitNotice(conv, "", "synced " + added[0] + " earlier message" + (added[0] == 1 ? "" : "s") + " from another device");
        });
    }

    /** A message stored by a history sync (see the class comment). */
    static boolean isSynced(MessageRecord m) {
        if (m.outgoing()) return ServiceCodec.decodeOut(m.body()).recipients().isEmpty() && ServiceCodec.decodeOut(m.body()).inner().isEmpty();
        return ServiceCodec.decodeIn(m.body()).sequence() == 0;
    }
}
