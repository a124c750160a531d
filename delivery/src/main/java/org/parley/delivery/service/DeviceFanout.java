package org.parley.delivery.service;

import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.time.Clock;
import org.parley.delivery.device.AccountDevices;
import org.parley.delivery.device.Device;
import org.parley.delivery.device.DeviceContact;
import org.parley.delivery.device.DeviceList;
import org.parley.delivery.device.DeviceMessage;
import org.parley.delivery.device.DeviceMessageCodec;
import org.parley.delivery.envelope.InnerMessage;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.envelope.Plaintext;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.service.ServiceCodec.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Multi-device for {@link DeliveryService}, as Signal's Sesame: a session per device pair. Every
 * device is its own node with its own identity key; an account is the set of devices its primary
 * signed ({@link AccountDevices}). This class decides where a message goes (every active device of
 * each recipient account and our own other devices, which get a "sent" transcript instead), what a
 * message's status is (per account: the best of its devices), and handles the device messages:
 * link approval, device-list announces (a contact's new device gets a session and a notice in the
 * conversation, never silently), transcripts and read syncs. The service calls it through small
 * hooks; it calls back through the service's package-private device methods. Same thread as the
 * service.
 */
final class DeviceFanout {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceFanout.class);
    /** The pseudo-conversation whose data holds the device state (so any {@link DeliveryStore} keeps it). */
    static final String STATE_ID = "_devices";

    private final DeliveryService svc;
    private final DeliveryStore store;
    private final Clock clock;
    private final SecureRandom random;
    private final DeliveryConfig config;
    private final LinkSync sync;
    private AccountDevices state = new AccountDevices(DeliveryService::contactId);
    private String myId = "";

    DeviceFanout(DeliveryService svc, DeliveryStore store, Clock clock, SecureRandom random, DeliveryConfig config) {
        this.svc = svc;
        this.store = store;
        this.clock = clock;
        this.random = random;
        this.config = config;
        this.sync = new LinkSync(svc, this, store, clock);
    }

    // ------------------------------------------------------------------ lifecycle

    /** At start, for each stored conversation: true (and loaded) if it is the device state. */
    boolean load(ConversationRecord c) {
        if (c.conversationId().equals(LinkSync.STATE_ID)) {
            sync.load(c.data());
            return true;
        }
        if (!c.conversationId().equals(STATE_ID)) return false;
        try {
            state = AccountDevices.decode(c.data(), DeliveryService::contactId);
        } catch (ParleyException e) {
            LOG.warn("device state does not decode, starting without linked devices: {}", e.getMessage());
        }
        return true;
    }

    void started(IdentityKey me) {
        myId = DeliveryService.contactId(me);
    }

    private CompletionStage<Void> save() {
        return store.putConversation(new ConversationRecord(STATE_ID, "", "devices", 0, state.encode()));
    }

    // ------------------------------------------------------------------ requests

    /** The reply to a device request, or null if {@code r} is not one. */
    CompletionStage<DeliveryMessage> handle(DeliveryMessage r) {
        if (r instanceof DeliveryMessage.ListDevices) return done(view());
        if (r instanceof DeliveryMessage.BeginLink b) {
            Account acc = svc.account();
            long now = clock.nowMillis();
            String code = state.beginLink(acc.identity(), acc.bundle(), acc.requestInbox(), b.deviceName(), now,
                    config.inviteValidityMillis(), random);
            long expires = state.pending().orElseThrow().expiresAtMillis();
            return save().thenApply(v -> new DeliveryMessage.LinkCode(code, expires));
        }
        if (r instanceof DeliveryMessage.LinkDevice l) return approve(l.code(), l.history()).thenApply(v -> view());
        if (r instanceof DeliveryMessage.UnlinkDevice u) return unlink(u.deviceId()).thenApply(v -> view());
        return null;
    }

    private DeliveryMessage.Devices view() {
        List<DeliveryMessage.DeviceView> out = new ArrayList<>();
        Optional<DeviceList> own = state.ownList();
        if (own.isEmpty()) {
            out.add(new DeliveryMessage.DeviceView(myId, deviceName(), 0, 0, true, true));
        } else {
            for (Device d : own.get().devices()) {
                String id = DeliveryService.contactId(d.key());
                out.add(new DeliveryMessage.DeviceView(id, d.name(), d.addedAtMillis(), d.removedAtMillis(), id.equals(myId),
                        d.key().equals(own.get().primary())));
            }
        }
        return new DeliveryMessage.Devices(state.role().name().toLowerCase(Locale.ROOT), state.pending().isPresent(),
                own.map(DeviceList::version).orElse(0L), out);
    }

    private String deviceName() {
        return config.displayName().isBlank() ? "primary" : config.displayName();
    }

    /**
     * On the primary: sign the new list, start a session with the new device, send it the approval,
     * the contacts, groups and the last {@code history} messages of each conversation, tell every contact.
     */
    private CompletionStage<Void> approve(String code, int history) {
        if (history < 0 || history > LinkSync.MAX_HISTORY) throw ParleyException.malformed("history must be 0.." + LinkSync.MAX_HISTORY);
        Account acc = svc.account();
        AccountDevices.Approved a = state.approve(acc.identity(), deviceName(), new DeviceContact(acc.bundle(), acc.requestInbox()), code, clock);
        String newId = DeliveryService.contactId(a.offer().bundle().identity());
        LOG.info("linked a new device");
        return save()
                .thenCompose(v -> svc.addDevicePeer(new DeviceContact(a.offer().bundle(), a.offer().inbox()), a.offer().deviceName()))
                .thenCompose(v -> svc.queueDevice(new DeviceMessage.LinkApproval(a.offer().secret(), a.list()), List.of(newId)))
                .thenCompose(v -> sync.sendTo(newId, history))
                .thenCompose(v -> announceToAll(Set.of(newId)));
    }

    private CompletionStage<Void> unlink(String deviceId) {
        Account acc = svc.account();
        state.unlink(acc.identity(), deviceId, clock.nowMillis());
        LOG.info("unlinked a device");
        DeviceMessage.Announce announce = state.ownAnnounce().orElseThrow();
        return save().thenCompose(v -> {
            svc.sendDeviceOnce(deviceId, announce); // the removed device learns it, best effort
            return announceToAll(Set.of(deviceId));
        });
    }

    /** Our announce to every contact device and own device we have a session with (reliable, one message). */
    private CompletionStage<Void> announceToAll(Set<String> except) {
        Optional<DeviceMessage.Announce> a = state.ownAnnounce();
        if (a.isEmpty()) return done(null);
        List<String> to = svc.peerIds().stream().filter(id -> !except.contains(id) && !state.revoked(id)).toList();
        return to.isEmpty() ? done(null) : svc.queueDevice(a.get(), to);
    }

    /** After a new contact (or contact device) was created: tell it our devices. */
    CompletionStage<Void> afterContact(String contactId) {
        Optional<DeviceMessage.Announce> a = state.ownAnnounce();
        if (a.isEmpty() || state.isOwnDevice(contactId)) return done(null);
        return svc.queueDevice(a.get(), List.of(contactId));
    }

    // ------------------------------------------------------------------ fan-out and status

    /**
     * Who gets a message for {@code targets} (contact or account ids): every active device of each
     * target's account we have a session with, then (with {@code withOwn}) our own other devices.
     */
    List<String> recipients(List<String> targets, boolean withOwn) {
        Set<String> out = new LinkedHashSet<>();
        for (String t : targets) {
            List<String> devices = state.devicesOf(state.accountOf(t)).stream()
                    .filter(d -> svc.knows(d) && !state.revoked(d) && !d.equals(myId)).toList();
            if (devices.isEmpty()) out.add(t);
            else out.addAll(devices);
        }
        if (withOwn) for (String d : state.ownOthers(myId)) if (svc.knows(d) && !state.revoked(d)) out.add(d);
        return List.copyOf(out);
    }

    /**
     * The key that stands for our account in a group's signed state: our primary's identity key
     * on a linked device (the state lists accounts by the key their contacts know), else {@code me}.
     */
    IdentityKey accountKey(IdentityKey me) {
        if (state.role() == AccountDevices.Role.UNLINKED) return me;
        return state.ownList().map(DeviceList::primary).orElse(me);
    }

    /** What goes to {@code recipient}: our own device gets a transcript of a shown message instead of the message. */
    InnerMessage innerFor(String recipient, String conversationId, ServiceCodec.OutBody body, InnerMessage inner) {
        if (!state.isOwnDevice(recipient)) return inner;
        if (body.kind() != Kind.TEXT && body.kind() != Kind.GROUP_TEXT && body.kind() != Kind.ATTACHMENT) return inner;
        List<String> to = body.recipients().stream().map(ServiceCodec.Recipient::contactId).filter(c -> !state.isOwnDevice(c)).toList();
        DeviceMessage.SentTranscript t = new DeviceMessage.SentTranscript(body.kind().ordinal(), conversationId, body.text(), to);
        return new InnerMessage.Unrecognized(DeviceMessageCodec.SENT_TRANSCRIPT, DeviceMessageCodec.encode(t));
    }

    int level(Map<String, Integer> perDevice) {
        return state.level(perDevice);
    }

    /** Every recipient device that still counts (not removed) confirmed: nothing left to resend. */
    boolean settled(Map<String, Integer> perDevice, int delivered) {
        return perDevice.entrySet().stream().allMatch(e -> e.getValue() >= delivered || state.revoked(e.getKey()));
    }

    boolean revoked(String deviceId) {
        return state.revoked(deviceId);
    }

    boolean hidden(String deviceId) {
        return state.hidden(deviceId);
    }

    boolean isOwnDevice(String deviceId) {
        return state.isOwnDevice(deviceId);
    }

    /** The name our primary gave this contact (contact sync), if any. */
    Optional<String> syncedName(String contactId) {
        return sync.name(contactId);
    }

    /** A contact our primary synced whose card has not come: a message to it is held (see {@link LinkSync#holdSequence}). */
    boolean awaitsCard(String contactId) {
        return sync.awaitsCard(contactId);
    }

    /** The sequence number of a message held for {@code contactId}; persist with {@link #saveHeld} before the message. */
    long holdSequence(String contactId) {
        return sync.holdSequence(contactId);
    }

    CompletionStage<Void> saveHeld() {
        return sync.saveHeld();
    }

    /** The first sequence number of a new session with {@code contactId} (after any held messages'). */
    long nextSendSeq(String contactId) {
        return sync.nextSendSeq(contactId);
    }

    /** Contacts our primary synced that have no session with this device yet. */
    List<DeliveryMessage.ContactView> waitingContacts() {
        return sync.waiting();
    }

    /** The conversation of a direct message from {@code deviceId}: its account's. */
    String conversationOf(String deviceId) {
        return state.accountOf(deviceId);
    }

    /** The other devices of {@code deviceId}'s account we have sessions with (receipts go to all of them). */
    List<String> siblings(String deviceId) {
        if (state.isOwnDevice(deviceId)) return List.of();
        return state.devicesOf(state.accountOf(deviceId)).stream()
                .filter(d -> !d.equals(deviceId) && !d.equals(myId) && svc.knows(d) && !state.revoked(d)).toList();
    }

    /** After we marked incoming messages read: read receipts to the senders' other devices, a read sync to our own. */
    void afterRead(String conversationId, Map<String, List<MessageId>> bySender, boolean readReceipts) {
        List<MessageId> all = new ArrayList<>();
        bySender.forEach((sender, ids) -> {
            all.addAll(ids);
            if (!readReceipts) return;
            for (String sib : siblings(sender)) {
                for (int i = 0; i < ids.size(); i += 512) svc.sendReceipt(sib, new InnerMessage.ReadReceipt(ids.subList(i, Math.min(ids.size(), i + 512))));
            }
        });
        List<String> own = state.ownOthers(myId).stream().filter(d -> svc.knows(d) && !state.revoked(d)).toList();
        if (own.isEmpty() || all.isEmpty()) return;
        for (int i = 0; i < all.size(); i += DeviceMessageCodec.MAX_IDS) {
            svc.queueDevice(new DeviceMessage.ReadSync(conversationId, all.subList(i, Math.min(all.size(), i + DeviceMessageCodec.MAX_IDS))), own);
        }
    }

    // ------------------------------------------------------------------ inbound

    /**
     * A device message from {@code fromId}. Completes with what to run when it is this sender's
     * turn to be shown (per-sender order). MALFORMED/PROTOCOL failures make the caller drop it.
     */
    CompletionStage<Runnable> onMessage(String fromId, IdentityKey from, Plaintext p, InnerMessage.Unrecognized u, List<String> path) {
        Runnable nothing = () -> { };
        DeviceMessage m = DeviceMessageCodec.decode(u.typeCode(), u.body());
        IdentityKey me = svc.account().identity().publicKey();
        if (m instanceof DeviceMessage.Announce a) {
            // a device we met as a contact of its own (its card came before its account's list, e.g. both
            // accounts linked a device after they were contacts) joins its account once it announces the list
            // itself: the sender vouches for its own membership, so no list can pull in someone else's device;
            // its primary's announce, refused until then, is confirmed when it is sent again
            Optional<AccountDevices.Update> up = state.onAnnounce(me, from, a, id -> svc.knows(id) && !id.equals(fromId));
            if (up.isEmpty()) return done(nothing);
            AccountDevices.Update update = up.get();
            List<CompletionStage<Void>> steps = new ArrayList<>();
            steps.add(save());
            String accountName = svc.peerName(update.accountId()).orElse("contact");
            List<String> notices = new ArrayList<>();
            for (Device d : update.change().added()) {
                String id = DeliveryService.contactId(d.key());
                if (!svc.knows(id) && !id.equals(myId)) notices.add("new device linked: " + d.name());
            }
            for (Device d : update.change().removed()) notices.add("device unlinked: " + d.name());
            for (DeviceContact c : update.reach()) steps.add(svc.addDevicePeer(c, update.own() ? "own device" : accountName));
            if (!update.own()) steps.add(svc.clearOwnDeviceNameClash(state.devicesOf(update.accountId())));
            if (update.own() && state.role() == AccountDevices.Role.UNLINKED) notices.add("this device was unlinked from its account");
            String conv = update.own() ? "" : update.accountId();
            return DeliveryService.allVoid(steps).thenApply(v -> () -> {
                for (String n : notices) svc.emitNotice(conv, update.own() ? "" : accountName, n);
            });
        }
        if (m instanceof DeviceMessage.LinkApproval a) {
            if (!state.acceptApproval(me, from, a, clock.nowMillis())) {
                LOG.debug("ignoring a link approval that does not match our link code");
                return done(nothing);
            }
            LOG.info("this device is now linked to an account");
            return save().thenApply(v -> () -> svc.emitNotice("", "", "this device is now linked to its account"));
        }
        if (m instanceof DeviceMessage.SentTranscript t) {
            if (!state.isOwnDevice(fromId)) throw ParleyException.protocol("a transcript from a device that is not ours");
            return svc.storeTranscript(t, p, path);
        }
        if (m instanceof DeviceMessage.ReadSync r) {
            if (!state.isOwnDevice(fromId)) throw ParleyException.protocol("a read sync from a device that is not ours");
            return svc.applyReadSync(r).thenApply(v -> nothing);
        }
        if (m instanceof DeviceMessage.ContactSync || m instanceof DeviceMessage.GroupSync || m instanceof DeviceMessage.HistorySync) {
            // until the approval came (it may arrive after these), the sender is no device of ours: dropped
            // without a receipt, so the primary sends it again later
            if (!state.isOwnDevice(fromId)) throw ParleyException.protocol("a link sync from a device that is not ours");
            if (m instanceof DeviceMessage.ContactSync c) return sync.applyContacts(c, myId);
            if (m instanceof DeviceMessage.GroupSync g) return sync.applyGroups(g);
            return sync.applyHistory((DeviceMessage.HistorySync) m);
        }
        return done(nothing);
    }


    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
