package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.ContactView;
import org.parley.core.bus.DeliveryMessage.ConversationView;
import org.parley.core.bus.DeliveryMessage.MessageView;
import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;
import org.parley.delivery.attachment.AttachmentCodec;
import org.parley.delivery.attachment.AttachmentRef;
import org.parley.delivery.device.DeviceContact;
import org.parley.delivery.device.DeviceMessage;
import org.parley.delivery.device.DeviceMessageCodec;
import org.parley.delivery.envelope.Envelope;
import org.parley.delivery.envelope.EnvelopeCodec;
import org.parley.delivery.envelope.EnvelopeSealer;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.envelope.InnerMessage;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.envelope.Plaintext;
import org.parley.delivery.envelope.PlaintextCodec;
import org.parley.delivery.envelope.SealedSender;
import org.parley.delivery.group.GroupState;
import org.parley.delivery.group.GroupStateCodec;
import org.parley.delivery.handshake.Pqxdh;
import org.parley.delivery.handshake.SessionBuilder;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.SafetyNumber;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.invite.InviteCodec;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionCipher;
import org.parley.delivery.ratchet.SessionState;
import org.parley.delivery.ratchet.SessionStateCodec;
import org.parley.delivery.service.ServiceCodec.InBody;
import org.parley.delivery.service.ServiceCodec.Kind;
import org.parley.delivery.service.ServiceCodec.OurSide;
import org.parley.delivery.service.ServiceCodec.OutBody;
import org.parley.delivery.service.ServiceCodec.Progress;
import org.parley.delivery.service.ServiceCodec.Recipient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * The user-facing messenger behaviour of one node: account, contacts, conversations (direct and
 * group), sending with retries and receipts, receiving with duplicate suppression and per-sender
 * order, and the event stream. Single-threaded: every public method, and every completion of the
 * store's and the router's stages, runs on one thread (the verticle's event loop).
 *
 * <p>Sending: the message is persisted {@code pending} first, then sealed in the contact's
 * session and handed to the router for one of the contact's inbox relays; STORED moves it to
 * {@code sent}; the recipient's end-to-end delivery receipt to {@code delivered}; a read receipt to
 * {@code read}. No STORED within {@link DeliveryConfig#storedTimeoutMillis()} → retry (the next
 * relay of the inbox, a fresh circuit at routing) with exponential backoff and jitter; no receipt
 * within the receipt timeout → the same message id is sent again (the recipient drops it as a
 * duplicate and confirms once more). After the TTL the message is {@code failed} with a reason.
 *
 * <p>Receiving: open the seal, decrypt in the sender's session (or start one from a PreKey
 * message), drop duplicates by (sender, message id) — the store refuses a second append —, persist,
 * show in the sender's sequence order (a gap is waited for at most
 * {@link DeliveryConfig#reorderWaitMillis()}), then confirm with a delivery receipt sent through our
 * own route to the sender's inbox.
 */
public final class DeliveryService {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryService.class);
    /** Inner type of a contact card: a signed invite naming our per-contact inbox for the recipient. */
    public static final int CARD_TYPE = 0x70;
    /** Inner type of a group text: {@code groupId16 | UTF-8 text}. */
    public static final int GROUP_TEXT_TYPE = 0x71;
    /** Conversation holding control traffic (cards, group changes) so that it is retried and deduplicated like text. */
    public static final String CONTROL = "_control";
    private static final int LEVEL_STORED = 1, LEVEL_DELIVERED = 2, LEVEL_READ = 3;
    private static final int MAX_SESSIONS = 3;

    private final DeliveryConfig config;
    private final DeliveryStore store;
    private final EnvelopeRouter router;
    private final EventSink sink;
    private final Clock clock;
    private final Scheduler scheduler;
    private final SecureRandom random;
    private final DeliveryMetrics metrics;
    private final EnvelopeSealer sealer;
    private final Attachments attachments;
    private final DeviceFanout devices;
    private final CoverLoops loops;
    /** (inbox, relay) pairs whose openInbox succeeded: cover loops go only where they can come back. */
    private final Set<OpenedInbox> opened = new java.util.HashSet<>();

    private record OpenedInbox(InboxId inbox, Invite.Relay relay) {
    }

    private Account account;
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private final Map<String, ConversationRecord> conversations = new LinkedHashMap<>();
    private final Map<String, Outgoing> open = new HashMap<>();
    private final Map<String, List<MessageId>> receiptBatches = new HashMap<>();
    private final Map<String, List<Parked>> parked = new HashMap<>();
    private int parkedCount;
    static final int MAX_PARKED_PER_SENDER = 16, MAX_PARKED = 256;
    /**
     * Contacts whose copy of our contact card no inbox relay has stored yet (contact id → the card's
     * message id, "" until it is queued). Until one has, other messages to that contact wait (at most
     * {@link #CARD_GATE_MILLIS} from their creation): a message that overtakes the card is one the
     * recipient cannot place — it holds a few and drops the rest, and the sender learns that only
     * when no receipt comes, a minute or more later.
     */
    private final Map<String, String> cardPending = new HashMap<>();
    /** Sends waiting for a contact's card, run when it is stored (or given up on). */
    private final Map<String, List<Runnable>> cardWaiters = new HashMap<>();
    static final long CARD_GATE_MILLIS = 20_000;
    private long lastCursor;
    private long groupChangesRefused;
    private long missedMessages;
    private CompletionStage<Void> eventChain = CompletableFuture.completedFuture(null);
    private boolean started;
    private boolean closed;

    public DeliveryService(DeliveryConfig config, DeliveryStore store, EnvelopeRouter router, EventSink sink, Clock clock,
                           Scheduler scheduler, SecureRandom random, DeliveryMetrics metrics) {
        this.config = config;
        this.store = store;
        this.router = router;
        this.sink = sink;
        this.clock = clock;
        this.scheduler = scheduler;
        this.random = random;
        this.metrics = metrics;
        this.sealer = new EnvelopeSealer(new SessionCipher(random), random);
        this.attachments = new Attachments(this, store, config, clock, scheduler, random);
        this.devices = new DeviceFanout(this, store, clock, random, config);
        this.loops = new CoverLoops(config.coverLoopsPerDay(), router, clock, scheduler, random, metrics);
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Loads (or, at first start, creates with {@code inboxRelays} for the request inbox) the
     * account, contacts, sessions and conversations; opens our inboxes; resumes pending work.
     */
    public CompletionStage<Void> start(List<Invite.Relay> inboxRelays) {
        return store.loadAccount().thenCompose(a -> {
            if (a.isPresent()) {
                account = Account.decode(a.get());
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (inboxRelays.isEmpty()) throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "no inbox relay yet");
            account = Account.create(random, List.copyOf(inboxRelays.subList(0, Math.min(config.inboxRelays(), inboxRelays.size()))));
            LOG.info("created a new delivery account");
            return store.saveAccount(account.encode());
        }).thenCompose(v -> store.contacts()).thenCompose(list -> {
            CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
            for (ContactRecord c : list) {
                Peer p = Peer.of(c);
                peers.put(p.id, p);
                chain = chain.thenCompose(x -> store.session(p.id)).thenAccept(s -> s.ifPresent(bytes -> {
                    ServiceCodec.Sessions saved = ServiceCodec.decodeSessionsWithBaseKeys(bytes);
                    for (Bytes st : saved.states()) p.sessions.add(SessionStateCodec.decode(st));
                    p.baseKeys.addAll(saved.baseKeys());
                }));
            }
            return chain;
        }).thenCompose(v -> store.conversations()).thenCompose(list -> {
            for (ConversationRecord c : list) {
                if (c.conversationId().equals(KEPT_ID)) loadKept(c.data());
                else if (!devices.load(c)) conversations.put(c.conversationId(), c);
            }
            devices.started(account.identity().publicKey());
            return store.lastEventCursor();
        }).thenCompose(cursor -> {
            lastCursor = cursor;
            return attachments.load();
        }).thenCompose(v -> store.openOutgoing()).thenAccept(pending -> {
            started = true;
            openInbox(account.requestInbox(), account.requestAuthSeed(), 0);
            for (ServiceCodec.RetiredInbox r : account.retiredRequestInboxes()) {
                if (r.untilMillis() > clock.nowMillis()) openInbox(r.inbox(), r.authSeed(), 0);
            }
            for (Peer p : peers.values()) {
                openInbox(p.our.inbox(), p.our.authSeed(), 0);
                long now = clock.nowMillis();
                for (ServiceCodec.RetiredInbox r : p.retired) if (r.untilMillis() > now) openInbox(r.inbox(), r.authSeed(), 0);
            }
            for (MessageRecord m : pending) {
                attachments.resumed(m);
                resume(m);
            }
            attachments.pumpAll();
            loops.start(account.identity(), this::loopInboxes);
            LOG.debug("delivery started: {} contacts, {} messages resumed", peers.size(), pending.size());
        }).thenCompose(v -> reapplyKept());
    }

    /** Cancels timers; in-flight stages are ignored afterwards. Pending work resumes at the next start. */
    public void stop() {
        closed = true;
        loops.stop();
        for (Outgoing o : open.values()) o.cancelAll();
        open.clear();
        for (List<Parked> list : parked.values()) {
            for (Parked w : list) {
                w.timer().cancel();
                w.done().completeExceptionally(new ParleyException(ParleyException.Kind.UNAVAILABLE, "delivery stopped"));
            }
        }
        parked.clear();
        parkedCount = 0;
    }

    public boolean started() {
        return started;
    }

    /** Cover loop counts since start (all zero when {@code coverLoopsPerDay} is 0). */
    public CoverLoops.Stats coverLoops() {
        return loops.stats();
    }

    /**
     * Where a cover loop may go: our per-contact inboxes (where real messages arrive), the request
     * inbox while there is none; each at the relays where it is open (a loop to an inbox not yet
     * registered would only be refused). Empty while none is open: the loop is skipped.
     */
    private List<Invite.ContactInbox> loopInboxes() {
        List<Invite.ContactInbox> out = new ArrayList<>(peers.size());
        for (Peer p : peers.values()) if (p.our != null) addOpen(out, p.our.inbox());
        if (out.isEmpty()) addOpen(out, account.requestInbox());
        return out;
    }

    private void addOpen(List<Invite.ContactInbox> out, Invite.ContactInbox inbox) {
        List<Invite.Relay> at = inbox.relays().stream().filter(r -> opened.contains(new OpenedInbox(inbox.id(), r))).toList();
        if (!at.isEmpty()) out.add(new Invite.ContactInbox(inbox.id(), at));
    }

    // ------------------------------------------------------------------ requests

    /** Answers any request record of {@link DeliveryMessage} with its reply record. */
    public CompletionStage<DeliveryMessage> handle(DeliveryMessage request) {
        try {
            if (!started) throw new ParleyException(ParleyException.Kind.UNAVAILABLE, "delivery is not ready: no inbox relay yet");
            if (request instanceof DeliveryMessage.GetMe) return done(me());
            CompletionStage<DeliveryMessage> device = devices.handle(request);
            if (device != null) return device;
            if (request instanceof DeliveryMessage.AddContact a) return addContact(a.invite(), a.name()).thenApply(DeliveryMessage.ContactReply::new);
            if (request instanceof DeliveryMessage.ListContacts) {
                List<ContactView> shown = new ArrayList<>(peers.values().stream().filter(p -> !devices.hidden(p.id)).map(this::view).toList());
                shown.addAll(devices.waitingContacts()); // synced by our primary, no session yet
                return done(new DeliveryMessage.Contacts(shown));
            }
            if (request instanceof DeliveryMessage.ListConversations) return listConversations().thenApply(DeliveryMessage.Conversations::new);
            if (request instanceof DeliveryMessage.SendText s) return sendText(s.conversationId(), s.text()).thenApply(DeliveryMessage.MessageReply::new);
            if (request instanceof DeliveryMessage.ListMessages l) {
                return listMessages(l.conversationId(), l.beforeMillis(), l.limit()).thenApply(DeliveryMessage.Messages::new);
            }
            if (request instanceof DeliveryMessage.MarkRead m) return markRead(m.conversationId(), m.upToMessageId()).thenApply(x -> new DeliveryMessage.Ok());
            if (request instanceof DeliveryMessage.CreateGroup c) {
                return createGroup(c.name(), c.memberContactIds()).thenApply(DeliveryMessage.ConversationReply::new);
            }
            if (request instanceof DeliveryMessage.ChangeGroup c) {
                return changeGroup(c.conversationId(), c.addContactIds(), c.removeContactIds()).thenApply(DeliveryMessage.ConversationReply::new);
            }
            if (request instanceof DeliveryMessage.AddGroupAdmins a) {
                return addGroupAdmins(a.conversationId(), a.contactIds()).thenApply(DeliveryMessage.ConversationReply::new);
            }
            if (request instanceof DeliveryMessage.RemoveGroupAdmins r) {
                return removeGroupAdmins(r.conversationId(), r.contactIds()).thenApply(DeliveryMessage.ConversationReply::new);
            }
            if (request instanceof DeliveryMessage.RotateInbox r) return rotateInboxes(r.contactId()).thenApply(DeliveryMessage.InboxesRotated::new);
            if (request instanceof DeliveryMessage.BeginAttachment b) return done(new DeliveryMessage.AttachmentReply(attachments.begin(b.name(), b.mime())));
            if (request instanceof DeliveryMessage.AttachmentPart a) {
                if (a.data() == null || a.data().length() > 1 << 20) throw ParleyException.malformed("an upload part is 0..1 MiB");
                return attachments.part(a.attachmentId(), a.data()).thenApply(v -> new DeliveryMessage.Ok());
            }
            if (request instanceof DeliveryMessage.FinishAttachment f) return attachments.finish(f.attachmentId()).thenApply(DeliveryMessage.AttachmentReply::new);
            if (request instanceof DeliveryMessage.AbortAttachment a) {
                attachments.abort(a.attachmentId());
                return done(new DeliveryMessage.Ok());
            }
            if (request instanceof DeliveryMessage.GetAttachment g) return done(new DeliveryMessage.AttachmentReply(attachments.view(g.attachmentId())));
            if (request instanceof DeliveryMessage.ReadAttachmentChunk r) {
                int count = attachments.chunkCount(r.attachmentId());
                return attachments.read(r.attachmentId(), r.index()).thenApply(b -> new DeliveryMessage.AttachmentChunk(r.index(), count, b));
            }
            if (request instanceof DeliveryMessage.SendAttachments s) {
                return sendAttachments(s.conversationId(), s.text(), s.attachmentIds()).thenApply(DeliveryMessage.MessageReply::new);
            }
            if (request instanceof DeliveryMessage.EventsSince e) {
                if (e.max() < 1 || e.max() > 1000) throw ParleyException.malformed("max must be 1..1000");
                return store.eventsSince(e.cursor(), e.max()).thenApply(DeliveryMessage.Events::new);
            }
            throw ParleyException.malformed("not a delivery request: " + request.getClass().getSimpleName());
        } catch (ParleyException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    public DeliveryMessage.Me me() {
        Invite inv = InviteCodec.create(account.identity(), account.bundle(), account.requestInbox(), name(),
                clock.nowMillis() + config.inviteValidityMillis());
        return new DeliveryMessage.Me(account.identity().publicKey().signingKey().hex(), config.displayName(), InviteCodec.toLink(inv));
    }

    public CompletionStage<ContactView> addContact(String link, String name) {
        Invite inv = InviteCodec.parse(link, clock);
        IdentityKey them = inv.bundle().identity();
        if (them.equals(account.identity().publicKey())) throw ParleyException.malformed("that is our own invite");
        String id = contactId(them);
        String chosen = name != null && !name.isBlank() ? name.strip() : inv.displayName().orElse("contact " + id.substring(0, 6));
        Peer existing = peers.get(id);
        if (existing != null) {
            existing.name = chosen;
            if (existing.theirInbox == null) existing.theirInbox = inv.inbox();
            return putContact(existing).thenApply(v -> view(existing));
        }
        SessionState state = Pqxdh.initiate(account.identity(), inv.bundle(), RatchetParams.PARLEY, random);
        Peer p = newPeer(id, chosen, them, inv.inbox());
        p.sessions.add(state);
        return createContact(p).thenApply(v -> view(p));
    }

    public CompletionStage<MessageView> sendText(String conversationId, String text) {
        if (text == null || text.isEmpty()) throw ParleyException.malformed("empty text");
        ConversationRecord conv = conversation(conversationId);
        MessageId id = MessageId.random(random);
        if (conv.isGroup()) {
            ServiceCodec.Group g = ServiceCodec.decodeGroup(conv.data());
            if (g.members().isEmpty()) throw ParleyException.protocol("we are not a member of this group");
            Bytes body = new WireWriter(64).bytes16(g.groupId()).raw(ServiceCodec.utf8(text)).toBytes();
            return queue(conversationId, Kind.GROUP_TEXT, text, id, new InnerMessage.Unrecognized(GROUP_TEXT_TYPE, body),
                    devices.recipients(g.members(), true));
        }
        return queue(conversationId, Kind.TEXT, text, id, new InnerMessage.Text(text), devices.recipients(List.of(conv.contactId()), true));
    }

    /** Sends {@code text} (may be empty) with uploaded attachments; each recipient then gets their chunks, windowed. */
    public CompletionStage<MessageView> sendAttachments(String conversationId, String text, List<String> attachmentIds) {
        String body = text == null ? "" : text;
        if (ServiceCodec.utf8(body).length() > 64 * 1024) throw ParleyException.malformed("text longer than 64 KiB");
        ConversationRecord conv = conversation(conversationId);
        List<AttachmentRef> refs = attachments.refs(attachmentIds);
        MessageId id = MessageId.random(random);
        List<String> recipients;
        Bytes groupId = Bytes.EMPTY;
        if (conv.isGroup()) {
            ServiceCodec.Group g = ServiceCodec.decodeGroup(conv.data());
            if (g.members().isEmpty()) throw ParleyException.protocol("we are not a member of this group");
            recipients = devices.recipients(g.members(), false);
            groupId = g.groupId();
        } else {
            recipients = devices.recipients(List.of(conv.contactId()), false);
        }
        for (String r : recipients) { // chunks need a session: attachments are not held for a contact whose card has not come
            if (!peers.containsKey(r)) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no session with contact " + r + " yet");
        }
        InnerMessage inner = new InnerMessage.Unrecognized(AttachmentCodec.MESSAGE_TYPE,
                AttachmentCodec.encodeMessage(new AttachmentCodec.Message(groupId, body, refs)));
        return queue(conversationId, Kind.ATTACHMENT, body, id, inner, recipients)
                .thenCompose(sent -> attachments.startTransfers(sent.messageId(), refs, recipients)
                        .thenCompose(v -> store.message(sent.messageId())).thenApply(m -> m.map(this::view).orElse(sent)));
    }

    /** Queues one attachment chunk to one contact as control traffic (persisted, retried, confirmed; no sequence number). */
    CompletionStage<Void> queueChunk(InnerMessage chunk, String contactId) {
        return queue(Attachments.SENDING, Kind.CHUNK, "", MessageId.random(random), chunk, List.of(contactId)).thenApply(v -> null);
    }

    /** An attachment of message {@code messageId} changed status or progress: tells the clients. */
    void attachmentChanged(String messageId) {
        if (messageId == null || messageId.isEmpty() || closed) return;
        store.message(messageId).whenComplete((m, e) -> {
            if (e == null && m.isPresent()) emit("attachment", view(m.get()), null, null);
        });
    }

    public CompletionStage<List<MessageView>> listMessages(String conversationId, long beforeMillis, int limit) {
        conversation(conversationId);
        if (limit < 1 || limit > 200) throw ParleyException.malformed("limit must be 1..200");
        long before = beforeMillis <= 0 ? Long.MAX_VALUE : beforeMillis;
        return store.messages(conversationId, before, limit).thenApply(l -> l.stream().map(this::view).toList());
    }

    public CompletionStage<List<ConversationView>> listConversations() {
        List<CompletionStage<ConversationView>> views = new ArrayList<>();
        for (ConversationRecord c : conversations.values()) {
            if (c.isGroup() || !devices.hidden(c.contactId())) views.add(conversationView(c));
        }
        return all(views);
    }

    /** Marks our incoming messages up to {@code upToMessageId} read and sends read receipts (if enabled). */
    public CompletionStage<Void> markRead(String conversationId, String upToMessageId) {
        conversation(conversationId);
        return store.messages(conversationId, Long.MAX_VALUE, 200).thenCompose(list -> {
            MessageRecord target = list.stream().filter(m -> m.messageId().equals(upToMessageId)).findFirst()
                    .orElseThrow(() -> new ParleyException(ParleyException.Kind.NOT_FOUND, "no message " + upToMessageId + " in this conversation"));
            List<CompletionStage<Void>> writes = new ArrayList<>();
            Map<String, List<MessageId>> bySender = new LinkedHashMap<>();
            for (MessageRecord m : list) {
                if (m.outgoing() || m.status() != MessageState.RECEIVED) continue;
                if (m.createdAtMillis() > target.createdAtMillis()
                        || (m.createdAtMillis() == target.createdAtMillis() && m.messageId().compareTo(target.messageId()) > 0)) continue;
                InBody b = ServiceCodec.decodeIn(m.body());
                bySender.computeIfAbsent(b.senderContactId(), k -> new ArrayList<>()).add(MessageId.fromHex(incomingHex(m.messageId())));
                writes.add(store.updateMessage(m.messageId(), MessageState.READ, m.extra(), clock.nowMillis())
                        .thenAccept(after -> emit("status", view(after), null, null)));
            }
            if (config.readReceipts()) {
                bySender.forEach((sender, ids) -> {
                    Peer p = peers.get(sender);
                    if (p == null) return;
                    for (int i = 0; i < ids.size(); i += 512) {
                        sendControl(p, new InnerMessage.ReadReceipt(ids.subList(i, Math.min(ids.size(), i + 512))), 0);
                    }
                });
            }
            devices.afterRead(conversationId, bySender, config.readReceipts());
            return allVoid(writes);
        });
    }

    /**
     * Creates a group with us as its creator and first admin: version 1 of its state, signed with
     * our identity key, goes to every member.
     */
    public CompletionStage<ConversationView> createGroup(String name, List<String> memberContactIds) {
        if (name == null || name.isBlank()) throw ParleyException.malformed("a group needs a name");
        List<String> members = distinctKnown(memberContactIds);
        if (members.isEmpty()) throw ParleyException.malformed("a group needs at least one member");
        byte[] salt = new byte[GroupStateCodec.SALT_SIZE];
        random.nextBytes(salt);
        IdentityKey me = account.identity().publicKey();
        Bytes gid = GroupStateCodec.groupId(me, Bytes.wrap(salt));
        List<GroupState.Member> listed = new ArrayList<>();
        listed.add(new GroupState.Member(me, 1, true));
        for (String c : members) listed.add(new GroupState.Member(peers.get(c).identity, 1, false));
        GroupState state = GroupStateCodec.sign(account.identity(), gid, me, Bytes.wrap(salt), 1, name.strip(), listed);
        Bytes encoded = GroupStateCodec.encode(state);
        ServiceCodec.Group g = new ServiceCodec.Group(gid, members, encoded, Map.of());
        ConversationRecord conv = new ConversationRecord(groupConversationId(g.groupId()), "", name.strip(), clock.nowMillis(),
                ServiceCodec.encodeGroup(g));
        conversations.put(conv.conversationId(), conv);
        InnerMessage.GroupControl create = new InnerMessage.GroupControl(g.groupId(), InnerMessage.GroupControl.Action.CREATE,
                conv.title(), List.of(), state.version(), encoded); // the signed state lists the members
        return store.putConversation(conv)
                .thenCompose(v -> queue(CONTROL, Kind.GROUP_CONTROL, "", MessageId.random(random), create, devices.recipients(members, true)))
                .thenCompose(v -> conversationView(conv))
                .thenApply(view -> {
                    emit("group", null, null, view);
                    return view;
                });
    }

    /**
     * Adds and removes members (admins only: PROTOCOL_VIOLATION otherwise): a new version of the
     * group's state, signed by us, goes to the members before and after the change. Removing our own
     * user id ({@link #me()}'s userId) alone is {@link #leaveGroup}, open to every member.
     */
    public CompletionStage<ConversationView> changeGroup(String conversationId, List<String> add, List<String> remove) {
        ConversationRecord conv = conversation(conversationId);
        if (!conv.isGroup()) throw ParleyException.malformed("not a group conversation");
        List<String> adds = add == null ? List.of() : add;
        List<String> removes = remove == null ? List.of() : remove;
        String myUserId = account.identity().publicKey().signingKey().hex();
        if (removes.contains(myUserId)) {
            if (removes.size() == 1 && adds.isEmpty()) return leaveGroup(conversationId);
            throw ParleyException.malformed("leaving a group is a request of its own (remove: [your user id])");
        }
        ServiceCodec.Group g = ServiceCodec.decodeGroup(conv.data());
        if (!g.signed()) {
            throw ParleyException.protocol("this group has no admin-signed member list (created by an older version or not received yet): "
                    + "only leaving it is possible");
        }
        GroupState s = GroupStateCodec.decode(g.state());
        if (!s.isAdmin(account.identity().publicKey().signingKey())) throw ParleyException.protocol("only a group admin can add or remove members");
        if (g.members().isEmpty() && s.find(account.identity().publicKey()).isEmpty()) {
            throw ParleyException.protocol("we are not a member of this group");
        }
        List<String> added = distinctKnown(adds).stream().filter(c -> !g.members().contains(c)).toList();
        List<String> removed = removes.stream().filter(g.members()::contains).distinct().toList();
        if (added.isEmpty() && removed.isEmpty()) return conversationView(conv);
        return issue(conv, g, s, added, removed, List.of(), List.of(), true);
    }

    /**
     * Makes members admins (admins only: PROTOCOL_VIOLATION otherwise): the next version of the
     * group's signed state with their admin flag set, sent to every member like a member change
     * (ADD_MEMBERS naming them, carrying the whole state). From then on their own changes verify
     * at every member that holds this version; members that get such a change first keep it
     * until they do ({@link #MAX_PARKED_STATES}). {@code contactIds} must be members (else
     * MALFORMED_INPUT); ones already admins change nothing.
     */
    public CompletionStage<ConversationView> addGroupAdmins(String conversationId, List<String> contactIds) {
        ConversationRecord conv = conversation(conversationId);
        if (!conv.isGroup()) throw ParleyException.malformed("not a group conversation");
        ServiceCodec.Group g = ServiceCodec.decodeGroup(conv.data());
        if (!g.signed()) throw ParleyException.protocol("this group has no admin-signed member list: no admins can be added");
        GroupState s = GroupStateCodec.decode(g.state());
        if (!s.isAdmin(account.identity().publicKey().signingKey())) throw ParleyException.protocol("only a group admin can add admins");
        if (g.members().isEmpty()) throw ParleyException.protocol("we are not a member of this group");
        List<String> promoted = new ArrayList<>();
        for (String c : contactIds == null ? List.<String>of() : contactIds) {
            if (!g.members().contains(c)) throw ParleyException.malformed("not a member of this group: " + c);
            Peer p = peers.get(c);
            if (p != null && s.find(p.identity).filter(GroupState.Member::admin).isEmpty() && !promoted.contains(c)) promoted.add(c);
        }
        if (promoted.isEmpty()) return conversationView(conv);
        return issue(conv, g, s, List.of(), List.of(), promoted, List.of(), true);
    }

    /**
     * Clears members' admin flags (admins only: PROTOCOL_VIOLATION otherwise): the next version of
     * the group's signed state with their flag unset, sent to every member like a promotion
     * (ADD_MEMBERS naming them, carrying the whole state; recipients go by the state). From then on
     * their own changes are refused (counted) by every member that holds this version.
     * {@code contactIds} are members, or our own user id to step down (else MALFORMED_INPUT); ones
     * that are no admins change nothing. Refused (PROTOCOL_VIOLATION) if no admin would be left, and
     * for the group's creator, whose key the group id derives from and who stays an admin.
     */
    public CompletionStage<ConversationView> removeGroupAdmins(String conversationId, List<String> contactIds) {
        ConversationRecord conv = conversation(conversationId);
        if (!conv.isGroup()) throw ParleyException.malformed("not a group conversation");
        ServiceCodec.Group g = ServiceCodec.decodeGroup(conv.data());
        if (!g.signed()) throw ParleyException.protocol("this group has no admin-signed member list: no admins can be removed");
        GroupState s = GroupStateCodec.decode(g.state());
        if (!s.isAdmin(account.identity().publicKey().signingKey())) throw ParleyException.protocol("only a group admin can remove admins");
        if (g.members().isEmpty()) throw ParleyException.protocol("we are not a member of this group");
        if (contactIds == null || contactIds.isEmpty()) throw ParleyException.malformed("name at least one admin to remove");
        String mine = contactId(memberKey());
        String myUserId = account.identity().publicKey().signingKey().hex();
        List<String> demoted = new ArrayList<>();
        for (String c : contactIds) {
            String cid = c.equals(myUserId) ? mine : c;
            IdentityKey key = cid.equals(mine) ? memberKey() : g.members().contains(cid) && peers.containsKey(cid) ? peers.get(cid).identity : null;
            if (key == null) throw ParleyException.malformed("not a member of this group: " + c);
            if (s.find(key).filter(GroupState.Member::admin).isPresent() && !demoted.contains(cid)) demoted.add(cid);
        }
        if (demoted.isEmpty()) return conversationView(conv);
        long left = s.admins().stream().filter(m -> !demoted.contains(contactId(m.key()))).count();
        if (left == 0) throw ParleyException.protocol("the last admin of a group cannot be removed");
        if (demoted.contains(contactId(s.creator()))) {
            throw ParleyException.protocol("the group's creator stays an admin (the group id is derived from its key)");
        }
        return issue(conv, g, s, List.of(), List.of(), List.of(), demoted, true);
    }

    /**
     * Leaves a group: every member we fan out to gets a LEAVE naming the state version we hold (no
     * admin signature: a leave removes only its sender); we stop sending to the group. An admin that
     * receives it issues a new signed state without us.
     */
    public CompletionStage<ConversationView> leaveGroup(String conversationId) {
        ConversationRecord conv = conversation(conversationId);
        if (!conv.isGroup()) throw ParleyException.malformed("not a group conversation");
        ServiceCodec.Group g = ServiceCodec.decodeGroup(conv.data());
        if (g.members().isEmpty()) throw ParleyException.protocol("we are not a member of this group");
        long basis = g.signed() ? GroupStateCodec.decode(g.state()).version() : 0;
        Map<String, Long> left = new HashMap<>(g.left());
        left.merge(contactId(memberKey()), basis, Math::max);
        ConversationRecord updated = new ConversationRecord(conv.conversationId(), "", conv.title(), conv.createdAtMillis(),
                ServiceCodec.encodeGroup(new ServiceCodec.Group(g.groupId(), List.of(), g.state(), left)));
        conversations.put(updated.conversationId(), updated);
        InnerMessage.GroupControl leave = new InnerMessage.GroupControl(g.groupId(), InnerMessage.GroupControl.Action.LEAVE, "", List.of(),
                basis, Bytes.EMPTY);
        return store.putConversation(updated)
                .thenCompose(v -> queue(CONTROL, Kind.GROUP_CONTROL, "", MessageId.random(random), leave, devices.recipients(g.members(), true)))
                .thenCompose(v -> conversationView(updated))
                .thenApply(view -> {
                    emit("group", null, null, view);
                    return view;
                });
    }

    /**
     * Signs and sends the next version of a group we administer: {@code s}'s members without
     * {@code removed} and without those who left, plus {@code added}, with the admin flag set for
     * {@code promoted} and cleared for {@code demoted}. Added members get CREATE, the others who
     * stay ADD and REMOVE, the removed ones REMOVE (if {@code tellRemoved}); every one carries the
     * same full signed state, so any order of arrival ends at this version.
     */
    private CompletionStage<ConversationView> issue(ConversationRecord conv, ServiceCodec.Group held, GroupState s, List<String> added,
                                                    List<String> removed, List<String> promoted, List<String> demoted, boolean tellRemoved) {
        long version = s.version() + 1;
        List<GroupState.Member> next = new ArrayList<>();
        for (GroupState.Member m : s.members()) {
            String cid = contactId(m.key());
            if (removed.contains(cid) || added.contains(cid) || departed(m, cid, held.left())) continue;
            next.add(promoted.contains(cid) ? new GroupState.Member(m.key(), m.addedAt(), true)
                    : demoted.contains(cid) ? new GroupState.Member(m.key(), m.addedAt(), false) : m);
        }
        for (String c : added) next.add(new GroupState.Member(peers.get(c).identity, version, false));
        GroupState state = GroupStateCodec.sign(account.identity(), s.groupId(), s.creator(), s.salt(), version, s.name(), next);
        Bytes encoded = GroupStateCodec.encode(state);
        Map<String, Long> left = pruned(held.left(), state);
        List<String> now = fanout(state, left, memberKey(), peers::containsKey);
        ConversationRecord updated = new ConversationRecord(conv.conversationId(), "", conv.title(), conv.createdAtMillis(),
                ServiceCodec.encodeGroup(new ServiceCodec.Group(s.groupId(), now, encoded, left)));
        conversations.put(updated.conversationId(), updated);
        List<CompletionStage<?>> sends = new ArrayList<>();
        sends.add(store.putConversation(updated));
        List<String> stayed = held.members().stream().filter(now::contains).toList();
        if (!added.isEmpty()) {
            sends.add(queue(CONTROL, Kind.GROUP_CONTROL, "", MessageId.random(random), new InnerMessage.GroupControl(s.groupId(),
                    InnerMessage.GroupControl.Action.CREATE, s.name(), List.of(), version, encoded), devices.recipients(added, false)));
            if (!stayed.isEmpty()) {
                sends.add(queue(CONTROL, Kind.GROUP_CONTROL, "", MessageId.random(random), new InnerMessage.GroupControl(s.groupId(),
                        InnerMessage.GroupControl.Action.ADD_MEMBERS, "", identities(added, false), version, encoded), devices.recipients(stayed, false)));
            }
        }
        List<String> flagged = new ArrayList<>(promoted);
        String mine = contactId(memberKey());
        for (String d : demoted) if (!d.equals(mine)) flagged.add(d);
        boolean selfDemoted = demoted.contains(mine);
        if ((!flagged.isEmpty() || selfDemoted) && !stayed.isEmpty()) {
            sends.add(queue(CONTROL, Kind.GROUP_CONTROL, "", MessageId.random(random), new InnerMessage.GroupControl(s.groupId(),
                    InnerMessage.GroupControl.Action.ADD_MEMBERS, "", identities(flagged, selfDemoted), version, encoded), devices.recipients(stayed, false)));
        }
        if (!removed.isEmpty()) {
            List<String> told = new ArrayList<>(stayed);
            if (tellRemoved) told.addAll(removed);
            if (!told.isEmpty()) {
                sends.add(queue(CONTROL, Kind.GROUP_CONTROL, "", MessageId.random(random), new InnerMessage.GroupControl(s.groupId(),
                        InnerMessage.GroupControl.Action.REMOVE_MEMBERS, "", identities(removed, false), version, encoded), devices.recipients(told, false)));
            }
        }
        List<String> own = devices.recipients(List.of(), true); // our other devices end at the same state
        if (!own.isEmpty()) {
            sends.add(queue(CONTROL, Kind.GROUP_CONTROL, "", MessageId.random(random), new InnerMessage.GroupControl(s.groupId(),
                    InnerMessage.GroupControl.Action.CREATE, s.name(), List.of(), version, encoded), own));
        }
        return allAny(sends).thenCompose(v -> conversationView(updated)).thenApply(view -> {
            emit("group", null, null, view);
            return view;
        });
    }

    /** Our account's key in group states: ours, or our primary's on a linked device ({@link DeviceFanout#accountKey}). */
    private IdentityKey memberKey() {
        return devices.accountKey(account.identity().publicKey());
    }

    /** Has the member left (a leave made at a version at or after the one that added it)? */
    static boolean departed(GroupState.Member m, String contactId, Map<String, Long> left) {
        Long basis = left.get(contactId);
        return basis != null && m.addedAt() <= basis;
    }

    /**
     * The contact ids a group's messages go to under {@code state}: its members except us, those who
     * left and those we do not know. None if we are not (or no longer) a member.
     */
    static List<String> fanout(GroupState state, Map<String, Long> left, IdentityKey me, Predicate<String> known) {
        Optional<GroupState.Member> mine = state.find(me);
        if (mine.isEmpty() || departed(mine.get(), contactId(me), left)) return List.of();
        List<String> out = new ArrayList<>();
        for (GroupState.Member m : state.members()) {
            if (m.key().equals(me)) continue;
            String cid = contactId(m.key());
            if (!departed(m, cid, left) && known.test(cid) && !out.contains(cid)) out.add(cid);
        }
        return out;
    }

    /** Departures a state supersedes (the member was added again after it left) are forgotten. */
    static Map<String, Long> pruned(Map<String, Long> left, GroupState state) {
        Map<String, Long> out = new HashMap<>(left);
        for (GroupState.Member m : state.members()) {
            String cid = contactId(m.key());
            Long basis = out.get(cid);
            if (basis != null && m.addedAt() > basis) out.remove(cid);
        }
        return out;
    }

    // ------------------------------------------------------------------ inbound

    /**
     * An envelope that one of our inbox relays pushed. Completes once everything it changed is
     * durable (then routing may acknowledge it to the relay). Envelopes that do not open, or come
     * from an unknown sender without a contact card, are dropped (the stage completes normally).
     */
    public CompletionStage<Void> onInbound(Bytes envelopeBytes, List<String> path) {
        if (!started || closed) return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE, "delivery not started"));
        Envelope env;
        SealedSender.Unsealed u;
        try {
            env = EnvelopeCodec.decode(envelopeBytes);
            u = sealer.unseal(account.identity(), env);
        } catch (ParleyException e) {
            LOG.debug("dropping an envelope that does not open: {}", e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        if (loops.onReturn(account.identity(), u)) return CompletableFuture.completedFuture(null); // our own cover loop: acknowledged, dropped
        String cid = contactId(u.sender());
        if (devices.revoked(cid)) {
            LOG.debug("dropping a message from unlinked device {}", shortId(cid));
            return CompletableFuture.completedFuture(null);
        }
        Peer peer = peers.get(cid);
        Plaintext p = null;
        SessionState accepted = null;
        Bytes baseKey = null;
        if (peer != null) {
            for (SessionState s : peer.sessions) {
                try {
                    p = sealer.open(s, u);
                    if (s != peer.sessions.get(0) && !SessionBuilder.isPreKeyMessage(u.content())) {
                        peer.sessions.remove(s);
                        peer.sessions.add(0, s);
                    }
                    break;
                } catch (ParleyException e) {
                    // try the next state, then a new handshake
                }
            }
        }
        if (p == null) {
            if (!SessionBuilder.isPreKeyMessage(u.content())) {
                LOG.debug("dropping a message that no session of {} decrypts", shortId(cid));
                return CompletableFuture.completedFuture(null);
            }
            try {
                baseKey = SessionBuilder.baseKey(u.content());
            } catch (ParleyException e) {
                LOG.debug("dropping a PreKey message that does not parse: {}", e.getMessage());
                return CompletableFuture.completedFuture(null);
            }
            if (peer != null && peer.baseKeys.contains(baseKey)) {
                // a first message we already made a session from (redelivered, or replayed): the session has
                // used its key; a second session from it would fork the conversation — the sender could not
                // read anything we send over it
                LOG.debug("dropping a repeated first message from {}", shortId(cid));
                return CompletableFuture.completedFuture(null);
            }
            try {
                EnvelopeSealer.Accepted a = sealer.accept(account.identity(), account, RatchetParams.PARLEY, u);
                p = a.plaintext();
                accepted = a.state();
            } catch (ParleyException e) {
                LOG.debug("dropping a PreKey message that does not verify: {}", e.getMessage());
                return CompletableFuture.completedFuture(null);
            }
        }
        List<CompletionStage<?>> writes = new ArrayList<>();
        boolean newContact = false;
        if (peer == null) {
            if (revokedRequestInbox(env.inbox())) {
                LOG.debug("dropping a contact request to an invite inbox we rotated away from");
                return CompletableFuture.completedFuture(null);
            }
            if (!(p.message() instanceof InnerMessage.Unrecognized card && card.typeCode() == CARD_TYPE)) {
                // the sender's card travels in its own envelope, maybe over another circuit: wait for it a little
                return park(cid, envelopeBytes, path);
            }
            Invite inv;
            try {
                inv = InviteCodec.parse(ServiceCodec.string(card.body()), clock);
            } catch (ParleyException e) {
                LOG.debug("dropping a bad contact card: {}", e.getMessage());
                return CompletableFuture.completedFuture(null);
            }
            if (!inv.bundle().identity().equals(u.sender())) return CompletableFuture.completedFuture(null);
            peer = newPeer(cid, devices.syncedName(cid).orElseGet(() -> inv.displayName().orElse("contact " + cid.substring(0, 6))),
                    u.sender(), inv.inbox());
            peer.sessions.add(accepted);
            rememberBaseKey(peer, baseKey);
            writes.add(createContact(peer));
            newContact = true;
        } else if (accepted != null) {
            SessionState current = peer.sessions.isEmpty() ? null : peer.sessions.get(0);
            boolean keepOurs = current != null && current.hasPendingPreKey()
                    && account.identity().publicKey().encode().compareTo(u.sender().encode()) < 0;
            peer.sessions.add(keepOurs ? 1 : 0, accepted);
            while (peer.sessions.size() > MAX_SESSIONS) peer.sessions.remove(peer.sessions.size() - 1);
            rememberBaseKey(peer, baseKey);
            writes.add(putSessions(peer));
        } else {
            writes.add(putSessions(peer));
        }
        Peer from = peer;
        long seq = p.sequence();
        CompletionStage<Void> handled;
        try {
            handled = dispatch(peer, p, path);
        } catch (ParleyException e) {
            handled = CompletableFuture.failedFuture(e);
        }
        // a message that decrypts but makes no sense is dropped (acknowledged), so a relay does not push it forever;
        // a store failure fails the stage, so the relay keeps the envelope and pushes it again
        writes.add(handled.exceptionallyCompose(e -> {
            Throwable c = cause(e);
            if (c instanceof ParleyException pe && (pe.kind() == ParleyException.Kind.MALFORMED_INPUT
                    || pe.kind() == ParleyException.Kind.PROTOCOL_VIOLATION)) {
                LOG.debug("dropping a message from {} that does not make sense: {}", shortId(cid), pe.getMessage());
                if (seq >= 1) ordered(from, seq, () -> { }); // it came: a drop is no gap
                return CompletableFuture.completedFuture(null);
            }
            return CompletableFuture.failedFuture(c);
        }));
        if (newContact) writes.add(unpark(cid));
        return allAny(writes);
    }

    /**
     * Holds a first message from an unknown sender that came without its contact card (the card
     * is its own envelope and may take another circuit) for up to {@code reorderWaitMillis}. The
     * card's arrival replays it ({@link #unpark}); otherwise it is dropped, and the sender, who
     * gets no receipt, sends it again. Bounded per sender and in total.
     */
    private CompletionStage<Void> park(String cid, Bytes envelope, List<String> path) {
        List<Parked> list = parked.computeIfAbsent(cid, k -> new ArrayList<>());
        if (list.size() >= MAX_PARKED_PER_SENDER || parkedCount >= MAX_PARKED) {
            if (list.isEmpty()) parked.remove(cid);
            LOG.debug("dropping a first message without a contact card from {}: too many waiting", shortId(cid));
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Parked[] self = new Parked[1];
        Scheduler.Cancellable timer = scheduler.schedule(config.reorderWaitMillis(), () -> {
            List<Parked> now = parked.get(cid);
            if (now == null || !now.remove(self[0])) return;
            parkedCount--;
            if (now.isEmpty()) parked.remove(cid);
            LOG.debug("dropping a first message from {}: its contact card did not come", shortId(cid));
            done.complete(null);
        });
        self[0] = new Parked(envelope, path, done, timer);
        list.add(self[0]);
        parkedCount++;
        LOG.debug("holding a first message from {} until its contact card comes", shortId(cid));
        return done;
    }

    /** Replays the messages held for a sender whose card just made it a contact. */
    private CompletionStage<Void> unpark(String cid) {
        List<Parked> list = parked.remove(cid);
        if (list == null) return CompletableFuture.completedFuture(null);
        parkedCount -= list.size();
        List<CompletionStage<Void>> replays = new ArrayList<>();
        for (Parked w : list) {
            w.timer().cancel();
            CompletionStage<Void> r = onInbound(w.envelope(), w.path());
            r.whenComplete((v, e) -> {
                if (e == null) w.done().complete(null);
                else w.done().completeExceptionally(e);
            });
            replays.add(r.exceptionally(e -> null)); // the held message's own stage reports its failure to its relay
        }
        return allVoid(replays);
    }

    static final int MAX_BASE_KEYS = 32;

    private static void rememberBaseKey(Peer peer, Bytes baseKey) {
        if (baseKey == null || peer.baseKeys.contains(baseKey)) return;
        peer.baseKeys.add(baseKey);
        while (peer.baseKeys.size() > MAX_BASE_KEYS) peer.baseKeys.remove(0);
    }

    private record Parked(Bytes envelope, List<String> path, CompletableFuture<Void> done, Scheduler.Cancellable timer) {}

    private CompletionStage<Void> dispatch(Peer peer, Plaintext p, List<String> path) {
        InnerMessage m = p.message();
        if (m instanceof InnerMessage.DeliveryReceipt d) {
            metrics.receiptReceived();
            return allVoid(d.messageIds().stream().map(id -> progress(id.value().hex(), peer.id, LEVEL_DELIVERED)).toList());
        }
        if (m instanceof InnerMessage.ReadReceipt r) {
            metrics.receiptReceived();
            return allVoid(r.messageIds().stream().map(id -> progress(id.value().hex(), peer.id, LEVEL_READ)).toList());
        }
        if (m instanceof InnerMessage.Unrecognized u && u.typeCode() == AttachmentCodec.CHUNK_TYPE) {
            AttachmentCodec.Chunk chunk = AttachmentCodec.decodeChunk(u.body());
            return attachments.chunkArrived(peer.id, chunk).thenRun(() -> queueReceipt(peer, p.id()));
        }
        if (m instanceof InnerMessage.Unrecognized du && DeviceMessageCodec.isDeviceType(du.typeCode())) {
            return devices.onMessage(peer.id, peer.identity, p, du, path).thenAccept(show -> {
                queueReceipt(peer, p.id());
                if (p.sequence() >= 1) ordered(peer, p.sequence(), show);
            });
        }
        if (p.sequence() < 1) return CompletableFuture.completedFuture(null);
        Kind kind;
        AttachmentCodec.Message withFiles = null;
        String conv;
        String text = "";
        if (m instanceof InnerMessage.Text t) {
            kind = Kind.TEXT;
            conv = devices.conversationOf(peer.id);
            text = t.body();
        } else if (m instanceof InnerMessage.Unrecognized u && u.typeCode() == GROUP_TEXT_TYPE) {
            WireReader r = new WireReader(u.body().toArray(), "group text");
            Bytes gid;
            try {
                gid = r.bytes16();
            } catch (ParleyException e) {
                ordered(peer, p.sequence(), () -> { }); // dropped, but not missing
                return CompletableFuture.completedFuture(null);
            }
            kind = Kind.GROUP_TEXT;
            text = ServiceCodec.string(r.rest());
            conv = groupConversationId(gid);
        } else if (m instanceof InnerMessage.Unrecognized u && u.typeCode() == AttachmentCodec.MESSAGE_TYPE) {
            withFiles = AttachmentCodec.decodeMessage(u.body());
            for (AttachmentRef ref : withFiles.refs()) ref.validate(config.maxAttachmentBytes());
            kind = Kind.ATTACHMENT;
            text = withFiles.text();
            conv = withFiles.groupId().isEmpty() ? devices.conversationOf(peer.id) : groupConversationId(withFiles.groupId());
            if (!withFiles.groupId().isEmpty() && withFiles.groupId().length() != 16) throw ParleyException.protocol("group id must be 16 bytes");
        } else if (m instanceof InnerMessage.Unrecognized u && u.typeCode() == CARD_TYPE) {
            kind = Kind.CARD;
            conv = CONTROL;
        } else if (m instanceof InnerMessage.GroupControl) {
            kind = Kind.GROUP_CONTROL;
            conv = CONTROL;
        } else {
            ordered(peer, p.sequence(), () -> { }); // a type we do not show: not missing either
            return CompletableFuture.completedFuture(null);
        }
        // sender : sequence (zero-padded) : message id — within one timestamp, one sender's messages sort by sequence
        String storedId = peer.id + ":" + String.format("%012d", p.sequence()) + ":" + p.id().value().hex();
        long now = clock.nowMillis();
        // A conversation lists messages by time: an incoming one takes its sender's timestamp, so
        // one sender's messages stay in the order they were sent even when they arrive out of
        // order; clamped to [now - TTL, now] so a peer's clock cannot push it out of place.
        long at = Math.min(now, Math.max(p.sentAtMillis(), now - config.ttlMillis()));
        List<String> files = new ArrayList<>();
        if (withFiles != null) for (AttachmentRef ref : withFiles.refs()) files.add(peer.id + ref.id().hex());
        MessageRecord rec = new MessageRecord(conv, storedId, false,
                ServiceCodec.encodeIn(new InBody(kind, peer.id, text, p.sequence(), p.sentAtMillis(), files)), MessageState.RECEIVED,
                ServiceCodec.encodeProgress(new Progress("", path, Map.of())), at, now);
        final String fconv = conv;
        final AttachmentCodec.Message fFiles = withFiles;
        CompletionStage<List<String>> pointers = fFiles == null ? CompletableFuture.completedFuture(List.of())
                : ensureGroup(kind, fconv, peer).thenCompose(v -> attachments.pointersArrived(peer.id, storedId, fFiles.refs()));
        return pointers.thenCompose(x -> ensureGroup(kind, fconv, peer)).thenCompose(v -> store.appendMessage(rec)).thenCompose(fresh -> {
            queueReceipt(peer, p.id());
            if (!fresh) return CompletableFuture.completedFuture(null);
            if (kind == Kind.TEXT || kind == Kind.GROUP_TEXT || kind == Kind.ATTACHMENT) metrics.messageReceived();
            CompletionStage<Void> effect = kind == Kind.CARD ? applyCard(peer, (InnerMessage.Unrecognized) m)
                    : kind == Kind.GROUP_CONTROL ? applyGroup(peer, (InnerMessage.GroupControl) m)
                    : CompletableFuture.completedFuture(null);
            return effect.thenRun(() -> ordered(peer, p.sequence(), () -> {
                if (kind == Kind.TEXT || kind == Kind.GROUP_TEXT || kind == Kind.ATTACHMENT) emit("message", view(rec), null, null);
            }));
        });
    }

    private CompletionStage<Void> ensureGroup(Kind kind, String conv, Peer sender) {
        if ((kind != Kind.GROUP_TEXT && !(kind == Kind.ATTACHMENT && conv.startsWith("g-"))) || conversations.containsKey(conv)) return CompletableFuture.completedFuture(null);
        Bytes gid = Bytes.fromHex(conv.substring(2));
        ConversationRecord c = new ConversationRecord(conv, "", "group", clock.nowMillis(),
                ServiceCodec.encodeGroup(new ServiceCodec.Group(gid, List.of(sender.id))));
        conversations.put(conv, c);
        return store.putConversation(c);
    }

    private CompletionStage<Void> applyCard(Peer peer, InnerMessage.Unrecognized card) {
        try {
            Invite inv = InviteCodec.parse(ServiceCodec.string(card.body()), clock);
            if (!inv.bundle().identity().equals(peer.identity)) return CompletableFuture.completedFuture(null);
            peer.theirInbox = inv.inbox();
            return putContact(peer);
        } catch (ParleyException e) {
            LOG.debug("ignoring a bad contact card: {}", e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
    }

    /**
     * A group change from {@code sender}. A LEAVE removes the sender (recorded with the version it
     * held, so a state issued before its admin saw the leave does not bring it back); an admin that
     * gets one issues the next state without it. Any other change must carry a state signed by an
     * admin of the state we hold (by the creator for a group we do not hold yet) and is applied only
     * if its version is newer than ours, so changes arriving in any order end at the admin's latest
     * state. Unsigned or wrongly signed changes are refused (logged at debug, counted).
     */
    private CompletionStage<Void> applyGroup(Peer sender, InnerMessage.GroupControl g) {
        String conv = groupConversationId(g.groupId());
        ConversationRecord existing = conversations.get(conv);
        ServiceCodec.Group held = existing == null ? null : ServiceCodec.decodeGroup(existing.data());
        Optional<GroupState> heldState;
        try {
            heldState = held != null && held.signed() ? Optional.of(GroupStateCodec.decode(held.state())) : Optional.empty();
        } catch (ParleyException e) {
            LOG.warn("a stored group state does not decode: {}", e.getMessage());
            heldState = Optional.empty();
        }
        Map<String, Long> left = new HashMap<>(held == null ? Map.of() : held.left());
        String title = existing == null ? "group" : existing.title();
        long created = existing == null ? clock.nowMillis() : existing.createdAtMillis();
        if (g.action() == InnerMessage.GroupControl.Action.LEAVE) {
            String leaver = devices.conversationOf(sender.id); // the state lists accounts: any device of one leaves for it
            left.merge(leaver, g.version(), Math::max);
            List<String> members;
            if (heldState.isPresent()) {
                members = fanout(heldState.get(), left, memberKey(), peers::containsKey);
            } else {
                members = new ArrayList<>(held == null ? List.of() : held.members());
                members.remove(sender.id);
                members.remove(leaver);
            }
            Bytes state = held == null ? Bytes.EMPTY : held.state();
            ServiceCodec.Group next = new ServiceCodec.Group(g.groupId(), members, state, left);
            ConversationRecord c = new ConversationRecord(conv, "", title, created, ServiceCodec.encodeGroup(next));
            conversations.put(conv, c);
            CompletionStage<Void> saved = store.putConversation(c).thenCompose(v -> conversationView(c)).thenAccept(view -> emit("group", null, null, view));
            GroupState hs = heldState.orElse(null);
            if (hs != null && hs.isAdmin(account.identity().publicKey().signingKey()) && !leaver.equals(contactId(memberKey()))
                    && hs.members().stream().anyMatch(m -> contactId(m.key()).equals(leaver))
                    && hs.find(account.identity().publicKey()).isPresent()) {
                LOG.debug("{} left group {}: issuing the next version without it", shortId(leaver), shortId(g.groupId().hex()));
                return saved.thenCompose(v -> issue(c, next, hs, List.of(), List.of(leaver), List.of(), List.of(), false)).thenApply(v -> null);
            }
            return saved;
        }
        if (!g.signed()) return refuseGroup(sender, "an unsigned group change");
        GroupState next;
        try {
            next = GroupStateCodec.decode(g.state());
        } catch (ParleyException e) {
            return refuseGroup(sender, "a group state that does not decode: " + e.getMessage());
        }
        if (!next.groupId().equals(g.groupId()) || next.version() != g.version()) return refuseGroup(sender, "a group state for another group or version");
        try {
            GroupStateCodec.verify(next, heldState); // first, so a forged state is counted even when it is not newer
        } catch (ParleyException e) {
            if (heldState.isPresent() && next.version() > heldState.get().version() && GroupStateCodec.signedBySigner(next, heldState.get())) {
                return park(conv, next, g.state()).thenCompose(v -> refuseGroup(sender, e.getMessage()));
            }
            return refuseGroup(sender, e.getMessage());
        }
        if (heldState.isPresent() && !supersedes(next, heldState.get())) {
            LOG.debug("ignoring version {} of group {} from {}: we hold {}", next.version(), shortId(g.groupId().hex()), who(sender),
                    heldState.get().version());
            return CompletableFuture.completedFuture(null);
        }
        left = pruned(left, next);
        List<String> members = fanout(next, left, memberKey(), peers::containsKey);
        ConversationRecord c = new ConversationRecord(conv, "", next.name().isBlank() ? title : next.name(), created,
                ServiceCodec.encodeGroup(new ServiceCodec.Group(g.groupId(), members, g.state(), left)));
        conversations.put(conv, c);
        CompletionStage<Void> told = CompletableFuture.completedFuture(null);
        GroupState lost = heldState.orElse(null);
        if (lost != null && lost.version() == next.version() && lost.signer().equals(account.identity().publicKey().signingKey())) {
            // our change lost to another admin's at the same version: whoever only ours listed learns it is out
            List<String> out = new ArrayList<>();
            for (GroupState.Member m : lost.members()) {
                String cid = contactId(m.key());
                if (next.find(m.key()).isEmpty() && peers.containsKey(cid)) out.add(cid);
            }
            LOG.debug("our version {} of group {} lost to another admin's; telling {} members", next.version(), shortId(g.groupId().hex()), out.size());
            if (!out.isEmpty()) {
                told = queue(CONTROL, Kind.GROUP_CONTROL, "", MessageId.random(random), new InnerMessage.GroupControl(g.groupId(),
                        InnerMessage.GroupControl.Action.REMOVE_MEMBERS, "", identities(out, false), next.version(), g.state()),
                        devices.recipients(out, false))
                        .thenApply(v -> null);
            }
        }
        return told.thenCompose(x -> store.putConversation(c)).thenCompose(v -> conversationView(c)).thenAccept(view -> emit("group", null, null, view))
                .thenCompose(v -> unpark(conv, next, sender));
    }

    /**
     * Whether {@code next} (verified against {@code held}) replaces {@code held}: a higher version,
     * or — two admins signed the same version at once — the same version with the lower signature,
     * so every member ends at the same one of the two whatever the arrival order. The admin whose
     * state lost sends the winner to the members only its own state listed, so they learn they are out.
     */
    static boolean supersedes(GroupState next, GroupState held) {
        if (next.version() != held.version()) return next.version() > held.version();
        return Arrays.compareUnsigned(next.signature().toArray(), held.signature().toArray()) < 0;
    }

    /** States kept per group that were signed by someone not (yet) an admin of the version we held. */
    static final int MAX_PARKED_STATES = 4;
    /** The hidden conversation record holding the kept states ({@link ServiceCodec#encodeKeptStates}), so a restart keeps them. */
    static final String KEPT_ID = "_groupkept";
    private final Map<String, List<GroupControlState>> parkedStates = new HashMap<>();

    private record GroupControlState(GroupState state, Bytes encoded) {}

    /**
     * Keeps a newer, well-signed state whose signer is not an admin of the version we hold: the
     * state that made it one (an admin added by another) may still be on its way, since group
     * changes are applied as they arrive. At most {@link #MAX_PARKED_STATES} per group (the newest
     * kept); still counted as refused. Stored ({@link #KEPT_ID}) before the stage completes, so the
     * envelope that brought it is acknowledged only once a restart would still have it.
     */
    private CompletionStage<Void> park(String conv, GroupState next, Bytes encoded) {
        List<GroupControlState> list = parkedStates.computeIfAbsent(conv, k -> new ArrayList<>());
        if (list.stream().anyMatch(p -> p.encoded().equals(encoded))) return CompletableFuture.completedFuture(null);
        list.add(new GroupControlState(next, encoded));
        list.sort(Comparator.comparingLong((GroupControlState p) -> p.state().version()));
        while (list.size() > MAX_PARKED_STATES) list.remove(0);
        return saveKept();
    }

    /**
     * After applying {@code held}: a kept state of the next version that {@code held} now verifies
     * is applied as if it just arrived (which unparks the one after it, and so on). {@code sender}
     * is null for states re-applied at start ({@link #reapplyKept}).
     */
    private CompletionStage<Void> unpark(String conv, GroupState held, Peer sender) {
        List<GroupControlState> list = parkedStates.get(conv);
        if (list == null) return CompletableFuture.completedFuture(null);
        int before = list.size();
        list.removeIf(p -> p.state().version() <= held.version());
        for (GroupControlState p : list) {
            // only the next version: a state its signer made before it was an admin would name a later one
            if (p.state().version() != held.version() + 1 || !held.isAdmin(p.state().signer())) continue;
            list.remove(p);
            if (list.isEmpty()) parkedStates.remove(conv);
            LOG.debug("applying kept version {} of group {}", p.state().version(), shortId(held.groupId().hex()));
            return saveKept().thenCompose(v -> applyGroup(sender, new InnerMessage.GroupControl(held.groupId(),
                    InnerMessage.GroupControl.Action.ADD_MEMBERS, "", List.of(), p.state().version(), p.encoded())));
        }
        if (list.isEmpty()) parkedStates.remove(conv);
        return list.size() == before ? CompletableFuture.completedFuture(null) : saveKept();
    }

    /** Writes every kept state (one hidden record: they are few, at most {@link #MAX_PARKED_STATES} per group). */
    private CompletionStage<Void> saveKept() {
        Map<String, List<Bytes>> kept = new HashMap<>();
        for (Map.Entry<String, List<GroupControlState>> e : parkedStates.entrySet()) {
            kept.put(e.getKey(), e.getValue().stream().map(GroupControlState::encoded).toList());
        }
        return store.putConversation(new ConversationRecord(KEPT_ID, "", "kept group states", 0, ServiceCodec.encodeKeptStates(kept)));
    }

    /** At start: the kept states as stored; ones that no longer decode are dropped (logged). */
    private void loadKept(Bytes data) {
        try {
            for (Map.Entry<String, List<Bytes>> e : ServiceCodec.decodeKeptStates(data).entrySet()) {
                List<GroupControlState> list = new ArrayList<>();
                for (Bytes encoded : e.getValue()) list.add(new GroupControlState(GroupStateCodec.decode(encoded), encoded));
                list.sort(Comparator.comparingLong((GroupControlState p) -> p.state().version()));
                if (!list.isEmpty()) parkedStates.put(e.getKey(), list);
            }
        } catch (ParleyException e) {
            LOG.warn("kept group states do not decode, starting without them: {}", e.getMessage());
            parkedStates.clear();
        }
    }

    /**
     * At start: kept states that the state we hold already verifies (we stopped between applying
     * that state and the kept one) are applied now; the others wait for their state as before.
     */
    private CompletionStage<Void> reapplyKept() {
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (String conv : List.copyOf(parkedStates.keySet())) {
            chain = chain.thenCompose(v -> {
                Optional<GroupState> held = groupState(conv);
                return held.isPresent() ? unpark(conv, held.get(), null) : CompletableFuture.completedFuture(null);
            });
        }
        return chain;
    }

    private CompletionStage<Void> refuseGroup(Peer sender, String why) {
        groupChangesRefused++;
        metrics.groupChangeRefused();
        LOG.debug("refusing a group change from {}: {}", who(sender), why);
        return CompletableFuture.completedFuture(null);
    }

    private static String who(Peer sender) {
        return sender == null ? "a kept state" : shortId(sender.id);
    }

    /** The kept states of a group conversation, by version (for tests). */
    List<Long> keptVersions(String conversationId) {
        return parkedStates.getOrDefault(conversationId, List.of()).stream().map(p -> p.state().version()).toList();
    }

    /** Group changes refused so far (unsigned, not by an admin, malformed). */
    long groupChangesRefused() {
        return groupChangesRefused;
    }

    /** The newest verified state of a group we hold, if any. */
    Optional<GroupState> groupState(String conversationId) {
        ConversationRecord c = conversations.get(conversationId);
        if (c == null || !c.isGroup()) return Optional.empty();
        ServiceCodec.Group g = ServiceCodec.decodeGroup(c.data());
        return g.signed() ? Optional.of(GroupStateCodec.decode(g.state())) : Optional.empty();
    }

    /** Queues a group control message as we would any (for tests that play a member sending a change it may not make). */
    CompletionStage<Void> queueGroupControl(InnerMessage.GroupControl g, List<String> to) {
        return queue(CONTROL, Kind.GROUP_CONTROL, "", MessageId.random(random), g, to).thenApply(v -> null);
    }

    /** Shows (runs {@code show}) in the sender's sequence order; a gap is waited for at most reorderWait. */
    private void ordered(Peer peer, long seq, Runnable show) {
        long next = peer.our.nextRecvSeq();
        if (seq < next) {
            if (peer.gaps.fill(seq)) LOG.debug("skipped message {} from {} came after all", seq, shortId(peer.id));
            show.run();
            return;
        }
        peer.held.put(seq, show);
        if (seq > next) {
            scheduler.schedule(config.reorderWaitMillis(), () -> {
                if (closed || !peer.held.containsKey(seq)) return;
                if (peer.our.nextRecvSeq() < peer.held.firstKey()) {
                    LOG.debug("gap before {} from {} not filled in time: showing what arrived", seq, shortId(peer.id));
                    long bound = gapBoundMillis();
                    peer.gaps.skipped(peer.our.nextRecvSeq(), peer.held.firstKey() - 1, clock.nowMillis() + bound);
                    scheduler.schedule(bound, () -> reportGaps(peer));
                    peer.our = withRecv(peer.our, peer.held.firstKey());
                }
                drain(peer);
            });
        }
        drain(peer);
    }

    /**
     * How long a skipped sequence number may still come before it counts as missed: the reorder
     * wait plus four receipt timeouts (the sender resends what no receipt confirmed), at most the TTL.
     */
    long gapBoundMillis() {
        return config.reorderWaitMillis() + Math.min(config.ttlMillis(), 4 * config.receiptTimeoutMillis());
    }

    /**
     * Messages of {@code peer} that never came (expired at the inbox relays while this device was
     * away longer than the TTL, or lost): shown, never silent — a system entry in the sender's
     * conversation, an event {@code gap} and {@link DeliveryMetrics#gapsDetected}.
     */
    private void reportGaps(Peer peer) {
        if (closed) return;
        long n = peer.gaps.takeDue(clock.nowMillis());
        if (n <= 0) return;
        missedMessages += n;
        metrics.gapsDetected(n);
        boolean own = devices.isOwnDevice(peer.id);
        String conv = own ? "" : devices.conversationOf(peer.id);
        String who = own ? "another device of this account" : peerName(conv).orElse(peer.name);
        String text = n + (n == 1 ? " message" : " messages") + " from " + who
                + " did not arrive: expired or lost before this device got " + (n == 1 ? "it" : "them");
        LOG.info("{} message(s) from {} missed (gap in its sequence numbers)", n, shortId(peer.id));
        long now = clock.nowMillis();
        String id = GAP_PREFIX + peer.id + "-" + MessageId.random(random).value().hex();
        if (conv.isEmpty() || !conversations.containsKey(conv)) {
            emit("gap", new MessageView(id, conv, "system", who, text, "received", null, now, now, List.of(), List.of()), null, null);
            return;
        }
        MessageRecord rec = new MessageRecord(conv, id, false, ServiceCodec.encodeIn(new InBody(Kind.TEXT, peer.id, text, 0, now)),
                MessageState.READ, ServiceCodec.encodeProgress(new Progress("", List.of(), Map.of())), now, now);
        store.appendMessage(rec).whenComplete((fresh, e) -> {
            if (e != null) LOG.warn("could not store a gap notice: {}", cause(e).getMessage());
            emit("gap", view(rec), null, null);
        });
    }

    /** Messages reported missed so far (gaps in senders' sequence numbers not filled within {@link #gapBoundMillis}). */
    public long missedMessages() {
        return missedMessages;
    }

    /** Stored id prefix of a gap notice (a system entry, not a message of the sender's). */
    static final String GAP_PREFIX = "gap-";

    private void drain(Peer peer) {
        boolean moved = false;
        while (!peer.held.isEmpty() && peer.held.firstKey() <= peer.our.nextRecvSeq()) {
            Map.Entry<Long, Runnable> e = peer.held.pollFirstEntry();
            if (e.getKey() == peer.our.nextRecvSeq()) {
                peer.our = withRecv(peer.our, e.getKey() + 1);
                moved = true;
            }
            e.getValue().run();
        }
        if (moved) putContact(peer);
    }

    private static OurSide withRecv(OurSide s, long next) {
        return new OurSide(s.inbox(), s.authSeed(), s.nextSendSeq(), next, s.identityChanged());
    }

    // ------------------------------------------------------------------ receipts

    private void queueReceipt(Peer peer, MessageId id) {
        List<MessageId> batch = receiptBatches.get(peer.id);
        if (batch == null) {
            batch = new ArrayList<>();
            receiptBatches.put(peer.id, batch);
            scheduler.schedule(config.receiptBatchMillis(), () -> flushReceipts(peer));
        }
        if (!batch.contains(id)) batch.add(id);
    }

    private void flushReceipts(Peer peer) {
        List<MessageId> ids = receiptBatches.remove(peer.id);
        if (ids == null || closed) return;
        for (int i = 0; i < ids.size(); i += 512) {
            InnerMessage.DeliveryReceipt receipt = new InnerMessage.DeliveryReceipt(List.copyOf(ids.subList(i, Math.min(ids.size(), i + 512))));
            sendControl(peer, receipt, 0);
            for (String sibling : devices.siblings(peer.id)) sendReceipt(sibling, receipt); // the sender's other devices show it too
        }
    }

    /**
     * Sends a receipt (not persisted: if it is lost the sender resends its message and we confirm
     * again) through our route to the contact's inbox; retried until an inbox relay stores it.
     */
    private void sendControl(Peer peer, InnerMessage message, int attempt) {
        if (closed || peer.theirInbox == null || peer.sessions.isEmpty()) return;
        if (attempt > 8) {
            LOG.debug("giving up a receipt to {} after {} attempts", shortId(peer.id), attempt);
            return;
        }
        MessageId id = MessageId.random(random);
        Bytes env = seal(peer, new Plaintext(id, 0, clock.nowMillis(), message));
        Invite.Relay relay = peer.theirInbox.relays().get(attempt % peer.theirInbox.relays().size());
        boolean[] settled = {false};
        Scheduler.Cancellable timeout = scheduler.schedule(config.storedTimeoutMillis(), () -> {
            if (settled[0]) return;
            settled[0] = true;
            scheduler.schedule(backoff(attempt), () -> sendControl(peer, message, attempt + 1));
        });
        LOG.debug("control {} to {} via inbox relay {} (attempt {})", message.getClass().getSimpleName(), shortId(peer.id),
                relay.nodeId().shortHex(), attempt);
        router.sendToInbox(relay, peer.theirInbox.id(), id, env).whenComplete((ok, e) -> {
            if (settled[0]) return;
            settled[0] = true;
            timeout.cancel();
            if (e != null) LOG.debug("control to {} failed: {}", shortId(peer.id), cause(e).getMessage());
            if (e != null) scheduler.schedule(backoff(attempt), () -> sendControl(peer, message, attempt + 1));
        });
    }

    // ------------------------------------------------------------------ outbound

    private CompletionStage<MessageView> queue(String conversationId, Kind kind, String text, MessageId id, InnerMessage inner,
                                               List<String> recipients) {
        long now = clock.nowMillis();
        List<Recipient> rs = new ArrayList<>();
        Map<String, Integer> levels = new HashMap<>();
        List<CompletionStage<Void>> counters = new ArrayList<>();
        for (String c : recipients) {
            Peer p = peers.get(c);
            if (p == null && kind != Kind.CHUNK && devices.awaitsCard(c)) {
                // synced by our primary, no session yet: held (pending) until its card comes, numbered ahead of that session
                rs.add(new Recipient(c, devices.holdSequence(c)));
                levels.put(c, 0);
                counters.add(devices.saveHeld());
                continue;
            }
            if (p == null) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no contact " + c);
            levels.put(c, 0);
            if (kind == Kind.CHUNK) { // chunks are not shown: no place in the sender's sequence, so a lost one holds no text back
                rs.add(new Recipient(c, 0));
                continue;
            }
            long seq = p.our.nextSendSeq();
            p.our = new OurSide(p.our.inbox(), p.our.authSeed(), seq + 1, p.our.nextRecvSeq(), p.our.identityChanged());
            counters.add(putContact(p));
            rs.add(new Recipient(c, seq));
            levels.put(c, 0);
        }
        OutBody body = new OutBody(kind, text, PlaintextCodec.encode(new Plaintext(id, 0, now, inner)), rs);
        MessageRecord rec = new MessageRecord(conversationId, id.value().hex(), true, ServiceCodec.encodeOut(body), MessageState.PENDING,
                ServiceCodec.encodeProgress(new Progress("", List.of(), levels)), now, now);
        return allVoid(counters).thenCompose(v -> store.appendMessage(rec)).thenApply(fresh -> {
            if (!fresh) throw new ParleyException(ParleyException.Kind.INTERNAL, "message id collision");
            MessageView view = view(rec);
            if (kind == Kind.TEXT || kind == Kind.GROUP_TEXT || kind == Kind.ATTACHMENT) emit("message", view, null, null);
            resume(rec);
            return view;
        });
    }

    /** Starts (or, after a restart, resumes) the sending of an outgoing message to every recipient not yet confirmed. */
    private void resume(MessageRecord rec) {
        if (closed || open.containsKey(rec.messageId()) || LinkSync.isSynced(rec)) return; // a synced copy is never sent
        Outgoing o = new Outgoing(rec, ServiceCodec.decodeOut(rec.body()), ServiceCodec.decodeProgress(rec.extra()));
        open.put(rec.messageId(), o);
        if (o.body.kind() == Kind.CARD) {
            for (Recipient r : o.body.recipients()) {
                if (o.level(r.contactId()) < LEVEL_STORED) cardPending.put(r.contactId(), rec.messageId());
                else releaseCard(r.contactId(), "");
            }
        }
        for (Recipient r : o.body.recipients()) {
            if (o.level(r.contactId()) < LEVEL_DELIVERED) attempt(o, r);
        }
    }

    private void attempt(Outgoing o, Recipient r) {
        if (closed || open.get(o.rec.messageId()) != o) return;
        Attempt a = o.attempts.computeIfAbsent(r.contactId(), k -> new Attempt());
        a.cancel();
        boolean noSession = !peers.containsKey(r.contactId()) && devices.awaitsCard(r.contactId());
        if (clock.nowMillis() >= o.rec.createdAtMillis() + config.ttlMillis()) {
            fail(o, noSession ? "no session with this contact: its card did not reach this device within the TTL"
                    : o.level(r.contactId()) >= LEVEL_STORED ? "no delivery receipt within the TTL" : "no inbox relay stored it within the TTL");
            return;
        }
        if (devices.revoked(r.contactId())) return; // unlinked: nothing more goes to it
        if (o.body.kind() != Kind.CARD && cardPending.containsKey(r.contactId())
                && clock.nowMillis() - o.rec.createdAtMillis() < CARD_GATE_MILLIS) {
            // our card first: go when it is stored, at the latest when the wait is up
            Scheduler.Cancellable wait = scheduler.schedule(o.rec.createdAtMillis() + CARD_GATE_MILLIS - clock.nowMillis(), () -> attempt(o, r));
            a.timer = wait;
            cardWaiters.computeIfAbsent(r.contactId(), k -> new ArrayList<>()).add(() -> {
                if (a.timer == wait) attempt(o, r); // still waiting (attempt cancels the timer)
            });
            return;
        }
        if (noSession) {
            // a contact our primary synced, whose card has not come: its arrival makes it a contact and queues
            // our card back, whose storing releases these waiters; at the latest the TTL ends the wait
            Scheduler.Cancellable wait = scheduler.schedule(o.rec.createdAtMillis() + config.ttlMillis() - clock.nowMillis(), () -> attempt(o, r));
            a.timer = wait;
            cardWaiters.computeIfAbsent(r.contactId(), k -> new ArrayList<>()).add(() -> {
                if (a.timer == wait) attempt(o, r);
            });
            return;
        }
        Peer peer = peers.get(r.contactId());
        long gen = ++a.generation;
        int n = a.count++;
        if (n > 0) metrics.retry();
        if (peer == null || peer.theirInbox == null || peer.sessions.isEmpty()) {
            a.timer = scheduler.schedule(backoff(n), () -> attempt(o, r));
            return;
        }
        Plaintext template = PlaintextCodec.decode(o.body.inner());
        InnerMessage inner = devices.innerFor(r.contactId(), o.rec.conversationId(), o.body, template.message());
        Bytes env = seal(peer, new Plaintext(template.id(), r.sequence(), template.sentAtMillis(), inner));
        Invite.Relay relay = peer.theirInbox.relays().get(n % peer.theirInbox.relays().size());
        a.timer = scheduler.schedule(config.storedTimeoutMillis(), () -> {
            if (a.generation == gen) retryLater(o, r, a, n);
        });
        LOG.debug("sending {} to {} via inbox relay {} (attempt {})", o.rec.messageId(), shortId(r.contactId()), relay.nodeId().shortHex(), n);
        router.sendToInbox(relay, peer.theirInbox.id(), template.id(), env).whenComplete((outcome, e) -> {
            if (closed || open.get(o.rec.messageId()) != o) return;
            if (e == null) {
                if (o.body.kind() == Kind.TEXT || o.body.kind() == Kind.GROUP_TEXT || o.body.kind() == Kind.ATTACHMENT) metrics.messageSent();
                o.path = outcome.path();
                if (o.body.kind() == Kind.CARD) releaseCard(r.contactId(), o.rec.messageId());
                if (a.generation != gen) return;
                a.cancel();
                progress(o.rec.messageId(), r.contactId(), LEVEL_STORED);
                long left = o.rec.createdAtMillis() + config.ttlMillis() - clock.nowMillis();
                // the wait for a receipt doubles per copy a relay stored, not per attempt: a send that failed
                // (no path yet, inbox not registered yet) says nothing about how long a receipt takes
                int storedCopies = a.stored++;
                long wait = Math.max(1, Math.min(left, Math.min(config.retryMaxMillis() * 4,
                        config.receiptTimeoutMillis() << Math.min(storedCopies, 6))));
                a.timer = scheduler.schedule(wait, () -> {
                    if (a.generation == gen) attempt(o, r);
                });
            } else if (a.generation == gen) {
                LOG.debug("send of {} to {} failed: {}", o.rec.messageId(), shortId(r.contactId()), cause(e).getMessage());
                a.cancel();
                retryLater(o, r, a, n);
            }
        });
    }

    /** The card {@code cardId} to {@code contactId} was stored (or given up on): the sends waiting for it go. */
    private void releaseCard(String contactId, String cardId) {
        if (!cardPending.remove(contactId, cardId)) return;
        List<Runnable> waiting = cardWaiters.remove(contactId);
        if (waiting != null) waiting.forEach(Runnable::run);
    }

    private void retryLater(Outgoing o, Recipient r, Attempt a, int n) {
        a.generation++;
        long gen = a.generation;
        long left = o.rec.createdAtMillis() + config.ttlMillis() - clock.nowMillis();
        a.timer = scheduler.schedule(Math.max(1, Math.min(left, backoff(n))), () -> {
            if (a.generation == gen) attempt(o, r);
        });
    }

    /** Exponential backoff with jitter: a delay in [d/2, d) where d = base·2^n, capped. */
    private long backoff(int n) {
        long d = Math.min(config.retryMaxMillis(), config.retryBaseMillis() << Math.min(n, 30));
        return d / 2 + (long) (random.nextDouble() * (d - d / 2));
    }

    private void fail(Outgoing o, String reason) {
        if (o.body.kind() == Kind.CARD) for (Recipient r : o.body.recipients()) releaseCard(r.contactId(), o.rec.messageId());
        o.cancelAll();
        open.remove(o.rec.messageId());
        metrics.failed();
        attachments.outgoingDone(o.rec, false);
        Progress p = new Progress(reason, o.path, o.levels);
        store.updateMessage(o.rec.messageId(), MessageState.FAILED, ServiceCodec.encodeProgress(p), clock.nowMillis())
                .whenComplete((after, e) -> {
                    if (e != null) LOG.warn("could not persist a failed message: {}", cause(e).getMessage());
                    else if (after.status() == MessageState.FAILED) {
                        LOG.debug("message {} failed: {}", o.rec.messageId(), reason);
                        emit("status", view(after), null, null);
                    }
                });
    }

    /** Records that {@code contactId} reached {@code level} for an outgoing message and moves its status accordingly. */
    private CompletionStage<Void> progress(String messageId, String contactId, int level) {
        Outgoing o = open.get(messageId);
        CompletionStage<Optional<MessageRecord>> found = o != null
                ? CompletableFuture.completedFuture(Optional.of(o.rec)) : store.message(messageId);
        return found.thenCompose(opt -> {
            if (opt.isEmpty() || !opt.get().outgoing()) return CompletableFuture.completedFuture(null);
            MessageRecord rec = opt.get();
            // a relay's late "stored" for a message we gave up on does not make it "sent" again (the store
            // refuses FAILED → SENT too; this keeps the progress record as it was when the message failed)
            if (rec.status() == MessageState.FAILED && level < LEVEL_DELIVERED) return CompletableFuture.completedFuture(null);
            Outgoing live = open.get(messageId);
            Progress p = live != null ? new Progress("", live.path, live.levels) : ServiceCodec.decodeProgress(rec.extra());
            Integer before = p.recipients().get(contactId);
            if (before == null || before >= level) return CompletableFuture.completedFuture(null);
            Map<String, Integer> levels = new HashMap<>(p.recipients());
            levels.put(contactId, level);
            int min = devices.level(levels); // per account: the best of its devices; our own devices do not count
            MessageState target = switch (min) {
                case 0 -> MessageState.PENDING;
                case 1 -> MessageState.SENT;
                case 2 -> MessageState.DELIVERED;
                default -> MessageState.READ;
            };
            if (live != null) {
                live.levels = levels;
                if (level >= LEVEL_DELIVERED) {
                    Attempt a = live.attempts.get(contactId);
                    if (a != null) {
                        a.cancel();
                        a.generation++;
                    }
                }
                if (devices.settled(levels, LEVEL_DELIVERED)) {
                    live.cancelAll();
                    open.remove(messageId);
                    metrics.deliveredAfter(clock.nowMillis() - rec.createdAtMillis());
                    attachments.outgoingDone(rec, true);
                }
            }
            Bytes extra = ServiceCodec.encodeProgress(new Progress(p.failureReason(), live != null ? live.path : p.path(), levels));
            MessageState from = rec.status();
            return store.updateMessage(messageId, target, extra, clock.nowMillis()).thenAccept(after -> {
                if (live != null) live.rec = after;
                if (after.status() != from && after.status() == target) emit("status", view(after), null, null);
            });
        });
    }

    private Bytes seal(Peer peer, Plaintext p) {
        Envelope e = sealer.seal(peer.sessions.get(0), account.identity(), peer.identity, peer.theirInbox.id(), p);
        putSessions(peer);
        return EnvelopeCodec.encode(e);
    }

    // ------------------------------------------------------------------ contacts and inboxes

    /**
     * A new contact. A key is the identity here (there is no phone number): a contact whose key
     * changed (a reinstall, or someone else) can never take over the old conversation; it comes as
     * a new contact with its own safety number. When it carries the name of a contact we already
     * have, it is flagged {@code identityChanged} so the client warns before anyone trusts it.
     */
    private Peer newPeer(String id, String name, IdentityKey identity, Invite.ContactInbox theirInbox) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        boolean sameName = peers.values().stream().anyMatch(q -> !devices.hidden(q.id) && !q.identity.equals(identity)
                && q.name.strip().equalsIgnoreCase(name.strip()));
        if (sameName) LOG.info("a new key arrived under the name of an existing contact; flagged as an identity change");
        OurSide our = new OurSide(new Invite.ContactInbox(InboxId.random(random), account.requestInbox().relays()),
                Bytes.wrap(seed), devices.nextSendSeq(id), 1, sameName);
        return new Peer(id, name, identity, theirInbox, our, clock.nowMillis());
    }

    /** Persists a new contact, its session and direct conversation, opens our inbox for it and sends it our card. */
    private CompletionStage<Void> createContact(Peer p) {
        peers.put(p.id, p);
        boolean shown = !devices.hidden(p.id); // a device of our own or of a contact's account has no conversation of its own
        ConversationRecord conv = new ConversationRecord(p.id, p.id, p.name, clock.nowMillis(), Bytes.EMPTY);
        if (shown) conversations.put(conv.conversationId(), conv);
        cardPending.putIfAbsent(p.id, ""); // until the card below is queued; messages to p wait for it (bounded)
        openInbox(p.our.inbox(), p.our.authSeed(), 0);
        return putContact(p).thenCompose(v -> putSessions(p))
                .thenCompose(v -> shown ? store.putConversation(conv) : CompletableFuture.<Void>completedFuture(null))
                .thenCompose(v -> sendCard(p))
                .whenComplete((v, e) -> {
                    if (e != null) releaseCard(p.id, ""); // no card is coming: do not hold messages for it
                })
                .thenCompose(v -> devices.afterContact(p.id))
                .thenAccept(v -> {
                    if (shown) emit("contact", null, view(p), null);
                });
    }

    static final int MAX_RETIRED_INBOXES = 4;

    /**
     * Moves our inbox for a contact: a new inbox id at our current inbox relays, announced in a new
     * contact card (the contact sends there from then on); the old inbox stays open for the TTL, so
     * what the contact sent to it before the card arrived still comes, then it is let go (its relay
     * drops what is left when it expires). Used when our relays changed; callable for privacy too
     * (a long-lived inbox id links a contact's traffic over time).
     */
    public CompletionStage<Void> rotateInbox(String contactId) {
        if (!started || closed) return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE, "delivery not started"));
        Peer p = peers.get(contactId);
        if (p == null) return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.NOT_FOUND, "no contact " + contactId));
        long now = clock.nowMillis();
        p.retired.removeIf(r -> r.untilMillis() <= now);
        p.retired.add(new ServiceCodec.RetiredInbox(p.our.inbox(), p.our.authSeed(), now + config.ttlMillis()));
        while (p.retired.size() > MAX_RETIRED_INBOXES) p.retired.remove(0);
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        p.our = new OurSide(new Invite.ContactInbox(InboxId.random(random), account.requestInbox().relays()), Bytes.wrap(seed),
                p.our.nextSendSeq(), p.our.nextRecvSeq(), p.our.identityChanged());
        openInbox(p.our.inbox(), p.our.authSeed(), 0);
        LOG.debug("moving our inbox for {} to {} relays", shortId(p.id), p.our.inbox().relays().size());
        return putContact(p).thenCompose(v -> sendCard(p)).thenApply(v -> null);
    }

    /**
     * {@link #rotateInbox} at a client's request, for one contact or (null or empty) every contact
     * (our own devices excepted). Refused as a whole (RESOURCE_LIMIT) if a contact already has
     * {@link #MAX_RETIRED_INBOXES} old inboxes still draining: a further move would drop one that
     * may still hold messages. NOT_FOUND for an unknown contact, UNAVAILABLE before start.
     */
    public CompletionStage<List<DeliveryMessage.RotatedInbox>> rotateInboxes(String contactId) {
        if (!started || closed) return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE, "delivery not started"));
        if (INVITE_INBOX.equals(contactId)) {
            return rotateRequestInbox().thenApply(me -> List.of(new DeliveryMessage.RotatedInbox(INVITE_INBOX,
                    account.requestInbox().id().value().hex(), account.requestInbox().relays().stream().map(r -> r.nodeId().hex()).toList())));
        }
        List<Peer> targets = new ArrayList<>();
        if (contactId == null || contactId.isEmpty()) {
            for (Peer p : peers.values()) if (!devices.isOwnDevice(p.id)) targets.add(p);
        } else {
            Peer p = peers.get(contactId);
            if (p == null || devices.isOwnDevice(contactId)) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no contact " + contactId);
            targets.add(p);
        }
        long now = clock.nowMillis();
        for (Peer p : targets) {
            long draining = p.retired.stream().filter(r -> r.untilMillis() > now).count();
            if (draining >= MAX_RETIRED_INBOXES) {
                long free = p.retired.stream().mapToLong(ServiceCodec.RetiredInbox::untilMillis).filter(u -> u > now).min().orElse(now);
                throw ParleyException.limit("the inbox for contact " + p.id + " was moved " + draining
                        + " times within the TTL; its old inboxes are still draining (the next move is possible in " + (free - now) / 1000 + " s)");
            }
        }
        List<CompletionStage<Void>> moves = new ArrayList<>();
        for (Peer p : targets) moves.add(rotateInbox(p.id));
        return allVoid(moves).thenApply(v -> targets.stream().map(p -> new DeliveryMessage.RotatedInbox(p.id, p.our.inbox().id().value().hex(),
                p.our.inbox().relays().stream().map(r -> r.nodeId().hex()).toList())).toList());
    }

    /**
     * As a {@link DeliveryMessage.RotateInbox}'s contact id: the request inbox our invite link names
     * ({@link #rotateRequestInbox}; contact ids are hex, so this one cannot be a contact's).
     */
    public static final String INVITE_INBOX = "invite";

    /**
     * Moves the request inbox our invite link names (how strangers send their first contact
     * request) to a new inbox id at the same relays, and completes with {@link #me()} naming it: the
     * link shared so far is revoked. The old inbox is still read for the TTL (requests sent to it
     * before are not lost — their senders retry that long), then let go: from then on a contact
     * request arriving there is dropped, and a restart no longer opens it. Contacts we have are not
     * affected (they write to their own inboxes). RESOURCE_LIMIT while
     * {@link Account#MAX_RETIRED_REQUEST_INBOXES} old ones are still read.
     */
    public CompletionStage<DeliveryMessage.Me> rotateRequestInbox() {
        if (!started || closed) return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE, "delivery not started"));
        long now = clock.nowMillis();
        List<ServiceCodec.RetiredInbox> draining = account.retiredRequestInboxes().stream().filter(r -> r.untilMillis() > now).toList();
        if (draining.size() >= Account.MAX_RETIRED_REQUEST_INBOXES) {
            long free = draining.stream().mapToLong(ServiceCodec.RetiredInbox::untilMillis).min().orElse(now);
            return CompletableFuture.failedFuture(ParleyException.limit("the invite's inbox was moved " + draining.size()
                    + " times within the TTL; its old inboxes are still read (the next move is possible in " + (free - now) / 1000 + " s)"));
        }
        account = account.rotateRequestInbox(random, now, now + config.ttlMillis());
        openInbox(account.requestInbox(), account.requestAuthSeed(), 0);
        LOG.info("moved the invite's request inbox; the old one is read until the TTL ends");
        return store.saveAccount(account.encode()).thenApply(v -> me());
    }

    /** Is {@code inbox} a request inbox we rotated away from whose time is up (requests there are refused)? */
    private boolean revokedRequestInbox(InboxId inbox) {
        long now = clock.nowMillis();
        return account.retiredRequestInboxes().stream().anyMatch(r -> r.inbox().id().equals(inbox) && r.untilMillis() <= now);
    }

    /** Queues our contact card for {@code p}: our identity, prekeys and the inbox {@code p} is to send to. */
    private CompletionStage<MessageView> sendCard(Peer p) {
        Invite card = InviteCodec.create(account.identity(), account.bundle(), p.our.inbox(), name(),
                clock.nowMillis() + config.inviteValidityMillis());
        InnerMessage cardMsg = new InnerMessage.Unrecognized(CARD_TYPE, ServiceCodec.utf8(InviteCodec.toLink(card)));
        return queue(CONTROL, Kind.CARD, "", MessageId.random(random), cardMsg, List.of(p.id));
    }

    /** How many relays hold our request inbox (new contacts get theirs at the same relays). */
    public int inboxRelayCount() {
        return account == null ? 0 : account.requestInbox().relays().size();
    }

    /**
     * An account made while fewer than {@code inboxRelays} relays were known takes more from
     * {@code known} (in order, skipping ones it has): its request inbox opens there too, the invite
     * names them, and every contact gets its inbox at all of them (new contacts at once, existing
     * ones by a {@link #rotateInbox move}) — so the loss of the first relay no longer cuts the user
     * off. Completes with whether anything was added.
     */
    public CompletionStage<Boolean> topUpInboxRelays(List<Invite.Relay> known) {
        if (!started || closed || account == null) return CompletableFuture.completedFuture(false);
        List<Invite.Relay> have = new ArrayList<>(account.requestInbox().relays());
        List<Invite.Relay> added = new ArrayList<>();
        for (Invite.Relay r : known) {
            if (have.size() >= config.inboxRelays()) break;
            if (have.stream().anyMatch(h -> h.nodeId().equals(r.nodeId()))) continue;
            have.add(r);
            added.add(r);
        }
        if (added.isEmpty()) return CompletableFuture.completedFuture(false);
        account = account.withRelays(List.copyOf(have));
        LOG.info("request inbox now at {} relays", have.size());
        return store.saveAccount(account.encode()).thenCompose(v -> {
            for (Invite.Relay r : added) openInboxAt(r, account.requestInbox().id(), account.requestAuthSeed(), 0);
            // existing contacts' inboxes move to the full set of relays too (a new inbox, announced by card)
            List<CompletionStage<Void>> moves = new ArrayList<>();
            for (Peer p : List.copyOf(peers.values())) {
                if (!p.our.inbox().relays().containsAll(account.requestInbox().relays())) moves.add(rotateInbox(p.id));
            }
            return allVoid(moves);
        }).thenApply(v -> true);
    }

    private void openInbox(Invite.ContactInbox inbox, Bytes seed, int attempt) {
        for (Invite.Relay relay : inbox.relays()) openInboxAt(relay, inbox.id(), seed, attempt);
    }

    private void openInboxAt(Invite.Relay relay, InboxId id, Bytes seed, int attempt) {
        if (closed) return;
        router.openInbox(relay, id, seed).whenComplete((path, e) -> {
            if (e == null) opened.add(new OpenedInbox(id, relay));
            if (e != null && !closed) {
                LOG.debug("opening inbox {} at {} failed: {}", id.shortHex(), relay.nodeId().shortHex(), cause(e).getMessage());
                scheduler.schedule(backoff(attempt), () -> openInboxAt(relay, id, seed, attempt + 1));
            }
        });
    }

    private CompletionStage<Void> putContact(Peer p) {
        return store.putContact(new ContactRecord(p.id, p.name, p.identity.encode(), ServiceCodec.encodeInbox(p.theirInbox),
                ServiceCodec.encodeOurSide(p.our, p.retired), p.addedAt));
    }

    private CompletionStage<Void> putSessions(Peer p) {
        List<Bytes> states = p.sessions.stream().map(SessionStateCodec::encode).toList();
        return store.putSession(p.id, ServiceCodec.encodeSessions(states, List.copyOf(p.baseKeys)));
    }

    private List<String> distinctKnown(List<String> ids) {
        List<String> out = new ArrayList<>();
        for (String id : new LinkedHashSet<>(ids)) {
            if (!peers.containsKey(id)) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no contact " + id);
            out.add(id);
        }
        return out;
    }

    private List<Bytes> identities(List<String> contactIds, boolean withMe) {
        List<Bytes> out = new ArrayList<>();
        if (withMe) out.add(account.identity().publicKey().encode());
        for (String c : contactIds) out.add(peers.get(c).identity.encode());
        return out;
    }

    private ConversationRecord conversation(String id) {
        ConversationRecord c = id == null || id.equals(CONTROL) ? null : conversations.get(id);
        if (c == null) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no conversation " + id);
        return c;
    }

    // ------------------------------------------------------------------ devices (called by DeviceFanout)

    Account account() {
        return account;
    }

    boolean knows(String contactId) {
        return peers.containsKey(contactId);
    }

    List<String> peerIds() {
        return List.copyOf(peers.keySet());
    }

    Optional<String> peerName(String contactId) {
        Peer p = peers.get(contactId);
        return p == null ? Optional.empty() : Optional.of(p.name);
    }

    /** Starts a session with a device named by a verified device list (or a link code) and sends it our card. */
    CompletionStage<Void> addDevicePeer(DeviceContact c, String name) {
        IdentityKey key = c.bundle().identity();
        String id = contactId(key);
        if (peers.containsKey(id) || key.equals(account.identity().publicKey())) return CompletableFuture.completedFuture(null);
        SessionState s = Pqxdh.initiate(account.identity(), c.bundle(), RatchetParams.PARLEY, random);
        Peer p = newPeer(id, name, key, c.inbox());
        p.sessions.add(s);
        return createContact(p);
    }

    /**
     * After a contact account's device list arrived: a contact of that account that was flagged as an
     * identity change only because one of the account's own devices had been met first as a contact of
     * its own under the same name (its card came before the list) is no identity change; the flag is
     * cleared when no other shown contact of a different key carries that name.
     */
    CompletionStage<Void> clearOwnDeviceNameClash(List<String> accountDevices) {
        List<CompletionStage<Void>> writes = new ArrayList<>();
        for (String id : accountDevices) {
            Peer p = peers.get(id);
            if (p == null || !p.our.identityChanged() || devices.hidden(p.id)) continue;
            boolean clash = peers.values().stream().anyMatch(q -> !devices.hidden(q.id) && !q.identity.equals(p.identity)
                    && q.name.strip().equalsIgnoreCase(p.name.strip()));
            if (clash) continue;
            p.our = new OurSide(p.our.inbox(), p.our.authSeed(), p.our.nextSendSeq(), p.our.nextRecvSeq(), false);
            writes.add(putContact(p).thenAccept(v -> emit("contact", null, view(p), null)));
        }
        return allVoid(writes);
    }

    /** Queues a device message as control traffic (persisted, retried until confirmed). */
    CompletionStage<Void> queueDevice(DeviceMessage m, List<String> to) {
        InnerMessage inner = new InnerMessage.Unrecognized(DeviceMessageCodec.typeOf(m), DeviceMessageCodec.encode(m));
        return queue(CONTROL, Kind.CARD, "", MessageId.random(random), inner, to).thenApply(v -> null);
    }

    /** Sends a device message once, best effort (retried until a relay stores it, not confirmed). */
    void sendDeviceOnce(String contactId, DeviceMessage m) {
        Peer p = peers.get(contactId);
        if (p != null) sendControl(p, new InnerMessage.Unrecognized(DeviceMessageCodec.typeOf(m), DeviceMessageCodec.encode(m)), 0);
    }

    void sendReceipt(String contactId, InnerMessage receipt) {
        Peer p = peers.get(contactId);
        if (p != null) sendControl(p, receipt, 0);
    }

    /** A notice in a conversation (a device linked or unlinked): an event of type "device", never silent. */
    void emitNotice(String conversationId, String senderName, String text) {
        long now = clock.nowMillis();
        MessageView v = new MessageView("device-" + MessageId.random(random).value().hex(), conversationId, "system", senderName, text,
                "received", null, now, now, List.of(), List.of());
        emit("device", v, null, null);
    }

    /** What another device of ours sent: stored as our outgoing message (same id, so the recipients' receipts move it too). */
    CompletionStage<Runnable> storeTranscript(DeviceMessage.SentTranscript t, Plaintext p, List<String> path) {
        Runnable nothing = () -> { };
        Kind kind = t.kind() >= 0 && t.kind() < Kind.values().length ? Kind.values()[t.kind()] : null;
        String conv = t.conversationId();
        if ((kind != Kind.TEXT && kind != Kind.GROUP_TEXT && kind != Kind.ATTACHMENT) || conv.startsWith("_")
                || (conv.startsWith("g-") && !conv.matches("g-[0-9a-f]{32}"))) {
            return CompletableFuture.completedFuture(nothing);
        }
        Kind shown = kind == Kind.ATTACHMENT ? Kind.TEXT : kind; // the files themselves stay on the sending device
        Map<String, Integer> levels = new HashMap<>();
        for (String r : t.recipients()) levels.put(r, 0);
        long now = clock.nowMillis();
        long at = Math.min(now, Math.max(p.sentAtMillis(), now - config.ttlMillis()));
        OutBody body = new OutBody(shown, t.text(), PlaintextCodec.encode(new Plaintext(p.id(), 0, p.sentAtMillis(),
                new InnerMessage.Text(t.text()))), List.of());
        MessageRecord rec = new MessageRecord(conv, p.id().value().hex(), true, ServiceCodec.encodeOut(body), MessageState.SENT,
                ServiceCodec.encodeProgress(new Progress("", path, levels)), at, now);
        CompletionStage<Void> ensured = CompletableFuture.completedFuture(null);
        if (!conversations.containsKey(conv)) {
            ConversationRecord c;
            if (conv.startsWith("g-")) {
                List<String> members = t.recipients().stream().map(devices::conversationOf).filter(peers::containsKey).distinct().toList();
                c = new ConversationRecord(conv, "", "group", now, ServiceCodec.encodeGroup(new ServiceCodec.Group(Bytes.fromHex(conv.substring(2)), members)));
            } else {
                c = new ConversationRecord(conv, conv, peerName(conv).orElse("contact " + shortId(conv)), now, Bytes.EMPTY);
            }
            conversations.put(conv, c);
            ensured = store.putConversation(c);
        }
        return ensured.thenCompose(v -> store.appendMessage(rec)).thenApply(fresh -> fresh ? () -> emit("message", view(rec), null, null) : nothing);
    }

    /** Another device of ours showed these incoming messages: mark them read here too (no receipts: that device sent them). */
    CompletionStage<Void> applyReadSync(DeviceMessage.ReadSync r) {
        if (!conversations.containsKey(r.conversationId())) return CompletableFuture.completedFuture(null);
        Set<String> ids = new java.util.HashSet<>();
        for (MessageId id : r.messageIds()) ids.add(id.value().hex());
        return store.messages(r.conversationId(), Long.MAX_VALUE, 200).thenCompose(list -> {
            List<CompletionStage<Void>> writes = new ArrayList<>();
            for (MessageRecord m : list) {
                if (m.outgoing() || m.status() != MessageState.RECEIVED || !ids.contains(incomingHex(m.messageId()))) continue;
                writes.add(store.updateMessage(m.messageId(), MessageState.READ, m.extra(), clock.nowMillis())
                        .thenAccept(after -> emit("status", view(after), null, null)));
            }
            return allVoid(writes);
        });
    }

    /** The reference of one of our or a received attachment, by its local id (for the link sync's metadata). */
    Optional<AttachmentRef> attachmentRef(String localId) {
        return attachments.ref(localId);
    }

    boolean hasConversation(String conversationId) {
        return conversations.containsKey(conversationId);
    }

    /** Renames a contact (the name our primary gave it); its direct conversation follows. */
    CompletionStage<Void> renamePeer(String contactId, String name) {
        Peer p = peers.get(contactId);
        if (p == null || p.name.equals(name)) return CompletableFuture.completedFuture(null);
        p.name = name;
        return putContact(p);
    }

    /**
     * A conversation our primary synced: a direct one ({@code group} empty) takes the name; a group is
     * created, or takes the name and gains the members it lacked. Tells the clients about a group.
     */
    CompletionStage<Void> putSyncedConversation(String conversationId, String title, Optional<DeviceMessage.SyncedGroup> group) {
        ConversationRecord old = conversations.get(conversationId);
        long created = old == null ? clock.nowMillis() : old.createdAtMillis();
        ConversationRecord c;
        if (group.isEmpty()) {
            if (old != null && old.title().equals(title)) return CompletableFuture.completedFuture(null);
            c = new ConversationRecord(conversationId, conversationId, title, created, Bytes.EMPTY);
        } else {
            ServiceCodec.Group before = old == null ? null : ServiceCodec.decodeGroup(old.data());
            List<String> members = new ArrayList<>(before == null ? List.of() : before.members());
            // a group whose admin-signed state we hold keeps that state's members
            if (before == null || !before.signed()) for (String m : group.get().members()) if (!members.contains(m)) members.add(m);
            String t = old != null && group.get().members().isEmpty() ? old.title() : title; // a placeholder keeps a known name
            c = new ConversationRecord(conversationId, "", t, created, ServiceCodec.encodeGroup(before == null
                    ? new ServiceCodec.Group(group.get().groupId(), members)
                    : new ServiceCodec.Group(group.get().groupId(), members, before.state(), before.left())));
            if (c.equals(old)) return CompletableFuture.completedFuture(null);
        }
        conversations.put(conversationId, c);
        CompletionStage<Void> put = store.putConversation(c);
        if (!c.isGroup()) return put;
        return put.thenCompose(v -> conversationView(c)).thenAccept(view -> emit("group", null, null, view));
    }

    /** A contact our primary synced, shown before it has a session here. */
    void emitSynced(ContactView c) {
        emit("contact", null, c, null);
    }

    // ------------------------------------------------------------------ views and events

    private void emit(String type, MessageView m, ContactView c, ConversationView v) {
        DeliveryMessage.Event e = new DeliveryMessage.Event(++lastCursor, type, m, c, v);
        eventChain = eventChain.thenCompose(x -> store.appendEvent(e)).handle((x, err) -> {
            if (err != null) LOG.warn("could not persist event {}: {}", e.cursor(), cause(err).getMessage());
            else sink.publish(e);
            return null;
        });
    }

    private ContactView view(Peer p) {
        if (p.safety == null) p.safety = SafetyNumber.of(account.identity().publicKey(), p.identity).display();
        return new ContactView(p.id, p.name, p.safety, p.our.identityChanged());
    }

    private MessageView view(MessageRecord m) {
        if (m.outgoing()) {
            OutBody b = ServiceCodec.decodeOut(m.body());
            Progress p = ServiceCodec.decodeProgress(m.extra());
            List<DeliveryMessage.AttachmentView> files = List.of();
            if (b.kind() == Kind.ATTACHMENT) {
                InnerMessage inner = PlaintextCodec.decode(b.inner()).message();
                files = attachments.views(AttachmentCodec.decodeMessage(((InnerMessage.Unrecognized) inner).body()).refs().stream()
                        .map(r -> r.id().hex()).toList());
            } else if (!b.syncedFiles().isEmpty()) {
                files = attachments.views(b.syncedFiles()); // synced from our primary: metadata, "not synced"
            }
            return new MessageView(m.messageId(), m.conversationId(), "out", config.displayName(), b.text(), m.status().label(),
                    p.failureReason().isEmpty() ? null : p.failureReason(), m.createdAtMillis(), m.updatedAtMillis(), p.path(), files,
                    m.conversationId().startsWith("g-") ? memberStatuses(m.status(), b, p) : List.of());
        }
        InBody b = ServiceCodec.decodeIn(m.body());
        Peer sender = peers.get(b.senderContactId());
        Progress p = ServiceCodec.decodeProgress(m.extra());
        if (m.messageId().startsWith(GAP_PREFIX)) {
            return new MessageView(m.messageId(), m.conversationId(), "system", sender == null ? "" : sender.name, b.text(), "received", null,
                    m.createdAtMillis(), m.updatedAtMillis(), List.of(), List.of());
        }
        return new MessageView(m.messageId(), m.conversationId(), "in",
                sender == null ? devices.syncedName(b.senderContactId()).orElse("?") : sender.name, b.text(),
                m.status().label(), null, m.createdAtMillis(), m.updatedAtMillis(), p.path(), attachments.views(b.attachments()));
    }

    /**
     * Per member of an outgoing group message: the best level of its devices (as {@link #progress}
     * counts them), labelled like a message status; "failed" for a member that had not confirmed it
     * when the message failed. Our own devices are not members. In the order the message was sent.
     */
    private List<DeliveryMessage.MemberStatus> memberStatuses(MessageState status, OutBody b, Progress p) {
        Map<String, Integer> best = new LinkedHashMap<>();
        for (ServiceCodec.Recipient r : b.recipients()) {
            if (devices.isOwnDevice(r.contactId())) continue;
            best.merge(devices.conversationOf(r.contactId()), p.recipients().getOrDefault(r.contactId(), 0), Math::max);
        }
        List<DeliveryMessage.MemberStatus> out = new ArrayList<>(best.size());
        best.forEach((member, level) -> out.add(new DeliveryMessage.MemberStatus(member,
                status == MessageState.FAILED && level < LEVEL_DELIVERED ? MessageState.FAILED.label() : switch (level) {
                    case 0 -> MessageState.PENDING.label();
                    case 1 -> MessageState.SENT.label();
                    case 2 -> MessageState.DELIVERED.label();
                    default -> MessageState.READ.label();
                })));
        return out;
    }

    private CompletionStage<ConversationView> conversationView(ConversationRecord c) {
        return store.messages(c.conversationId(), Long.MAX_VALUE, 200).thenApply(list -> {
            int unread = (int) list.stream().filter(m -> !m.outgoing() && m.status() == MessageState.RECEIVED).count();
            MessageView last = list.isEmpty() ? null : view(list.get(0));
            List<String> members = c.isGroup() ? ServiceCodec.decodeGroup(c.data()).members() : List.of(c.contactId());
            return new ConversationView(c.conversationId(), c.isGroup() ? "group" : "direct", c.title(), last, unread, members,
                    c.isGroup() ? admins(ServiceCodec.decodeGroup(c.data())) : List.of());
        });
    }

    /** A group's admins we know: contact ids, and our own user id if we are one. */
    private List<String> admins(ServiceCodec.Group g) {
        if (!g.signed()) return List.of();
        List<String> out = new ArrayList<>();
        IdentityKey me = account.identity().publicKey();
        for (GroupState.Member m : GroupStateCodec.decode(g.state()).admins()) {
            if (m.key().equals(me)) out.add(me.signingKey().hex());
            else if (peers.containsKey(contactId(m.key()))) out.add(contactId(m.key()));
        }
        return out;
    }

    private Optional<String> name() {
        return config.displayName().isEmpty() ? Optional.empty() : Optional.of(config.displayName());
    }

    // ------------------------------------------------------------------ ids and helpers

    /** A contact's id: hex of the first 16 bytes of SHA-256 over its encoded identity key. */
    public static String contactId(IdentityKey key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.encode().toArray());
            return Bytes.wrap(Arrays.copyOf(h, 16)).hex();
        } catch (NoSuchAlgorithmException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "SHA-256 missing", e);
        }
    }

    public static String groupConversationId(Bytes groupId) {
        return "g-" + groupId.hex();
    }

    private static String incomingHex(String storedId) {
        return storedId.substring(storedId.lastIndexOf(':') + 1);
    }

    private static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) : id;
    }

    static Throwable cause(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private static <T> CompletionStage<List<T>> all(List<CompletionStage<T>> stages) {
        CompletionStage<List<T>> acc = CompletableFuture.completedFuture(new ArrayList<>());
        for (CompletionStage<T> s : stages) {
            acc = acc.thenCombine(s, (l, x) -> {
                l.add(x);
                return l;
            });
        }
        return acc;
    }

    static CompletionStage<Void> allVoid(List<CompletionStage<Void>> stages) {
        CompletionStage<Void> acc = CompletableFuture.completedFuture(null);
        for (CompletionStage<Void> s : stages) acc = acc.thenCombine(s, (a, b) -> null);
        return acc;
    }

    private static CompletionStage<Void> allAny(List<? extends CompletionStage<?>> stages) {
        CompletionStage<Void> acc = CompletableFuture.completedFuture(null);
        for (CompletionStage<?> s : stages) acc = acc.thenCombine(s, (a, b) -> null);
        return acc;
    }

    // ------------------------------------------------------------------ state

    private static final class Peer {
        final String id;
        String name;
        final IdentityKey identity;
        Invite.ContactInbox theirInbox;
        OurSide our;
        final long addedAt;
        final List<SessionState> sessions = new ArrayList<>();
        /** Inboxes used for this contact before a rotation, still listened to until their time is up. */
        final List<ServiceCodec.RetiredInbox> retired = new ArrayList<>();
        /** Base keys of the first messages that made sessions with this contact, newest last (bounded). */
        final List<Bytes> baseKeys = new ArrayList<>();
        final TreeMap<Long, Runnable> held = new TreeMap<>();
        /** Sequence numbers skipped after the reorder wait, reported as missed if they do not come within {@link #gapBoundMillis}. */
        final SequenceGaps gaps = new SequenceGaps();
        String safety;

        Peer(String id, String name, IdentityKey identity, Invite.ContactInbox theirInbox, OurSide our, long addedAt) {
            this.id = id;
            this.name = name;
            this.identity = identity;
            this.theirInbox = theirInbox;
            this.our = our;
            this.addedAt = addedAt;
        }

        static Peer of(ContactRecord c) {
            java.util.Map.Entry<OurSide, List<ServiceCodec.RetiredInbox>> ours = ServiceCodec.decodeOurSideWithRetired(c.ourSide());
            Peer p = new Peer(c.contactId(), c.name(), IdentityKey.decode(c.identityKey()), ServiceCodec.decodeInbox(c.theirInbox()),
                    ours.getKey(), c.addedAtMillis());
            p.retired.addAll(ours.getValue());
            return p;
        }
    }

    private static final class Outgoing {
        MessageRecord rec;
        final OutBody body;
        Map<String, Integer> levels;
        List<String> path;
        final Map<String, Attempt> attempts = new HashMap<>();

        Outgoing(MessageRecord rec, OutBody body, Progress progress) {
            this.rec = rec;
            this.body = body;
            this.levels = new HashMap<>(progress.recipients());
            this.path = progress.path();
        }

        int level(String contactId) {
            return levels.getOrDefault(contactId, 0);
        }

        void cancelAll() {
            for (Attempt a : attempts.values()) {
                a.cancel();
                a.generation++;
            }
        }
    }

    private static final class Attempt {
        long generation;
        int count;
        int stored;
        Scheduler.Cancellable timer;

        void cancel() {
            if (timer != null) timer.cancel();
            timer = null;
        }
    }

    static Comparator<MessageRecord> order() {
        return Comparator.comparingLong(MessageRecord::createdAtMillis).thenComparing(MessageRecord::messageId);
    }

    Set<String> openMessageIds() {
        return Set.copyOf(open.keySet());
    }
}
