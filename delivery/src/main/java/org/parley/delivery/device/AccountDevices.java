package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.time.Clock;
import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.invite.Invite;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What one device knows about accounts and their devices, as Signal's Sesame keeps it: our own
 * account's signed list (if we are a primary with linked devices, or a linked device), a link
 * code we are waiting on, and the newest verified list of every contact account. Devices are
 * named by their contact id ({@code idOf} of their identity key), accounts by their primary's.
 *
 * <p>Used by the delivery service to fan a message out to every device of a contact and to our
 * own other devices, to group a contact's devices into one conversation, to compute a message's
 * status per account ("delivered" = at least one device of every recipient account), and to
 * refuse a removed device. Not thread-safe: the service's thread owns it. Its state is one blob
 * ({@link #encode}/{@link #decode}).
 */
public final class AccountDevices {
    /** SOLO: no linked devices; PRIMARY: signs the list; LINKED: a device the primary approved; UNLINKED: removed by the primary. */
    public enum Role { SOLO, PRIMARY, LINKED, UNLINKED }

    /** A link code we showed and wait to be approved. */
    public record Pending(Bytes secret, String deviceName, long expiresAtMillis) {}

    /** The primary approved {@code offer}: the list now names the new device. */
    public record Approved(LinkOffer offer, DeviceList list) {}

    /** A verified announce: whose account ({@code own} = ours), what changed, and how to reach its active devices. */
    public record Update(String accountId, boolean own, DeviceListVerifier.Change change, List<DeviceContact> reach) {
        public Update {
            reach = List.copyOf(reach);
        }
    }

    private static final int STATE_FORMAT = 1;
    private final Function<IdentityKey, String> idOf;
    private Role role = Role.SOLO;
    private DeviceList own;
    private final Map<String, DeviceContact> ownReach = new LinkedHashMap<>();
    private Pending pending;
    private final Map<String, DeviceList> accounts = new LinkedHashMap<>();
    private final Map<String, String> accountOfDevice = new HashMap<>();

    public AccountDevices(Function<IdentityKey, String> idOf) {
        this.idOf = idOf;
    }

    public Role role() {
        return role;
    }

    public Optional<DeviceList> ownList() {
        return Optional.ofNullable(own);
    }

    public Optional<Pending> pending() {
        return Optional.ofNullable(pending);
    }

    public String id(IdentityKey key) {
        return idOf.apply(key);
    }

    // ------------------------------------------------------------------ linking

    /** On a new device: a one-time link code for the primary to approve, naming {@code inbox} to answer on. */
    public String beginLink(IdentityKeyPair me, PreKeyBundle bundle, Invite.ContactInbox inbox, String deviceName, long nowMillis,
                            long validityMillis, SecureRandom random) {
        if (role == Role.PRIMARY || role == Role.LINKED) throw ParleyException.protocol("this device already belongs to an account with linked devices");
        LinkOffer offer = LinkCodec.create(me, bundle, inbox, deviceName, nowMillis + validityMillis, random);
        pending = new Pending(offer.secret(), offer.deviceName(), offer.expiresAtMillis());
        return LinkCodec.toCode(offer);
    }

    /** On the primary: checks the code and signs a list with the new device added. {@code self} is how to reach this device. */
    public Approved approve(IdentityKeyPair me, String myName, DeviceContact self, String code, Clock clock) {
        if (role == Role.LINKED || role == Role.UNLINKED) throw ParleyException.protocol("only the primary device links new devices");
        LinkOffer offer = LinkCodec.parse(code, clock);
        IdentityKey key = offer.bundle().identity();
        if (key.equals(me.publicKey())) throw ParleyException.malformed("that is this device's own link code");
        long now = clock.nowMillis();
        List<Device> devices = new ArrayList<>();
        long version = 1;
        if (own == null) {
            devices.add(new Device(me.publicKey(), clampName(myName), now, 0));
        } else {
            devices.addAll(own.devices());
            version = own.version() + 1;
            if (own.find(key).isPresent()) throw ParleyException.protocol("that device was linked before (link it again with a fresh code from a reset device)");
        }
        devices.add(new Device(key, offer.deviceName(), now, 0));
        DeviceList next = DeviceListCodec.sign(me, version, devices);
        DeviceListVerifier.verify(next, Optional.ofNullable(own));
        own = next;
        role = Role.PRIMARY;
        ownReach.put(id(me.publicKey()), self);
        ownReach.put(id(key), new DeviceContact(offer.bundle(), offer.inbox()));
        indexOwn();
        return new Approved(offer, next);
    }

    /** On the primary: a new list with {@code deviceId} removed (for good). */
    public DeviceList unlink(IdentityKeyPair me, String deviceId, long nowMillis) {
        if (role != Role.PRIMARY || own == null) throw ParleyException.protocol("only the primary device unlinks devices");
        if (deviceId.equals(id(me.publicKey()))) throw ParleyException.malformed("the primary cannot unlink itself");
        List<Device> devices = new ArrayList<>();
        boolean found = false;
        for (Device d : own.devices()) {
            if (id(d.key()).equals(deviceId) && d.active()) {
                devices.add(d.removedAt(Math.max(nowMillis, d.addedAtMillis())));
                found = true;
            } else {
                devices.add(d);
            }
        }
        if (!found) throw new ParleyException(ParleyException.Kind.NOT_FOUND, "no active device " + deviceId);
        DeviceList next = DeviceListCodec.sign(me, own.version() + 1, devices);
        DeviceListVerifier.verify(next, Optional.of(own));
        own = next;
        ownReach.remove(deviceId);
        indexOwn();
        return next;
    }

    /**
     * On the new device: the primary's approval. Accepted only with our pending code's secret, a
     * list that verifies, is signed by {@code sender} and names us active. Returns whether it was.
     */
    public boolean acceptApproval(IdentityKey me, IdentityKey sender, DeviceMessage.LinkApproval approval, long nowMillis) {
        if (pending == null || pending.expiresAtMillis() <= nowMillis) return false;
        if (!pending.secret().constantTimeEquals(approval.secret())) return false;
        DeviceList list = approval.list();
        DeviceListVerifier.verify(list, Optional.empty());
        if (!list.primary().equals(sender) || !list.isActive(me)) return false;
        own = list;
        role = Role.LINKED;
        pending = null;
        indexOwn();
        return true;
    }

    // ------------------------------------------------------------------ announces

    /**
     * A device list that {@code sender} (a device we have a session with) sent us. Verified against
     * the newest list of that account we hold; the sender must be active in it. Returns what
     * changed, or empty if it is the list we already hold. PROTOCOL_VIOLATION if it does not verify.
     */
    public Optional<Update> onAnnounce(IdentityKey me, IdentityKey sender, DeviceMessage.Announce a) {
        return onAnnounce(me, sender, a, id -> false);
    }

    /**
     * As {@link #onAnnounce(IdentityKey, IdentityKey, DeviceMessage.Announce)}; {@code knownContact}
     * tells which device ids we already know as contacts: a contact's list may not claim one of them
     * for its account unless it is that account's own device (nor claim us or our own devices), so a
     * contact cannot pull someone else's device — and their messages — into its conversation.
     */
    public Optional<Update> onAnnounce(IdentityKey me, IdentityKey sender, DeviceMessage.Announce a,
                                       java.util.function.Predicate<String> knownContact) {
        DeviceList list = a.list();
        if (!list.isActive(sender)) throw ParleyException.protocol("device list from a device it does not list as active");
        // our own account only ever through our primary's signature (a first list comes with the link approval)
        boolean mine = own != null && list.primary().equals(own.primary());
        String accountId = id(list.primary());
        DeviceList prev = mine ? own : accounts.get(accountId);
        if (prev != null && prev.version() == list.version() && prev.signature().equals(list.signature())) return Optional.empty();
        if (!mine) {
            for (Device d : list.devices()) {
                String id = id(d.key());
                if (d.key().equals(me) || isOwnDevice(id)) throw ParleyException.protocol("a contact's device list claims one of our devices");
                String known = accountOfDevice.get(id);
                if (known != null && !known.equals(accountId)) throw ParleyException.protocol("a device list claims a device of another account");
                if (known == null && !id.equals(accountId) && knownContact.test(id)) {
                    throw ParleyException.protocol("a device list claims a device we know as another contact");
                }
            }
        }
        DeviceListVerifier.Change change = DeviceListVerifier.verify(list, Optional.ofNullable(prev));
        List<DeviceContact> reach = new ArrayList<>();
        for (DeviceContact c : a.reach()) {
            if (list.isActive(c.bundle().identity()) && !c.bundle().identity().equals(me)) {
                c.bundle().validate();
                reach.add(c);
            }
        }
        if (mine) {
            own = list;
            if (!list.isActive(me)) role = Role.UNLINKED;
            for (DeviceContact c : reach) ownReach.put(id(c.bundle().identity()), c);
            ownReach.keySet().removeIf(id -> own.devices().stream().anyMatch(d -> !d.active() && id(d.key()).equals(id)));
            indexOwn();
        } else {
            accounts.put(accountId, list);
            for (Device d : list.devices()) accountOfDevice.put(id(d.key()), accountId);
        }
        return Optional.of(new Update(accountId, mine, change, reach));
    }

    /** The announce of our account to send to a contact (or our own device): list and how to reach our active devices. */
    public Optional<DeviceMessage.Announce> ownAnnounce() {
        if (own == null || role == Role.UNLINKED) return Optional.empty();
        List<DeviceContact> reach = new ArrayList<>();
        for (Device d : own.active()) {
            DeviceContact c = ownReach.get(id(d.key()));
            if (c != null) reach.add(c);
        }
        return Optional.of(new DeviceMessage.Announce(own, reach));
    }

    // ------------------------------------------------------------------ fan-out

    /** The account a device belongs to (the device itself when it is alone). Our own devices map to our account. */
    public String accountOf(String deviceId) {
        return accountOfDevice.getOrDefault(deviceId, deviceId);
    }

    /** The active devices of a contact account (the id itself for an account without a list). */
    public List<String> devicesOf(String accountId) {
        DeviceList l = accounts.get(accountId);
        if (l == null) return List.of(accountId);
        return l.active().stream().map(d -> id(d.key())).toList();
    }

    /** Our own active devices other than {@code myId}. */
    public List<String> ownOthers(String myId) {
        if (own == null || role == Role.UNLINKED) return List.of();
        return own.active().stream().map(d -> id(d.key())).filter(id -> !id.equals(myId)).toList();
    }

    /** Is {@code deviceId} a device of our own account (active or removed)? */
    public boolean isOwnDevice(String deviceId) {
        return own != null && own.devices().stream().anyMatch(d -> id(d.key()).equals(deviceId));
    }

    /** Has the account's primary removed {@code deviceId}? Messages from it are refused, none go to it. */
    public boolean revoked(String deviceId) {
        DeviceList l = isOwnDevice(deviceId) ? own : accounts.get(accountOfDevice.get(deviceId));
        if (l == null) return false;
        return l.devices().stream().anyMatch(d -> !d.active() && id(d.key()).equals(deviceId));
    }

    /** Not shown as a contact of its own: one of our devices, or a contact's device other than its account's primary. */
    public boolean hidden(String deviceId) {
        return isOwnDevice(deviceId) || !accountOf(deviceId).equals(deviceId);
    }

    /**
     * A message's level from its per-device levels: per recipient account the best of its devices
     * (one device that stored or showed it is enough), then the worst over accounts. Our own devices
     * do not count unless the message went to nobody else.
     */
    public int level(Map<String, Integer> perDevice) {
        Map<String, Integer> best = new HashMap<>();
        for (Map.Entry<String, Integer> e : perDevice.entrySet()) {
            if (isOwnDevice(e.getKey())) continue;
            best.merge(accountOf(e.getKey()), e.getValue(), Math::max);
        }
        if (best.isEmpty()) return perDevice.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        return best.values().stream().mapToInt(Integer::intValue).min().orElse(0);
    }

    private void indexOwn() {
        if (own == null) return;
        String ownId = id(own.primary());
        for (Device d : own.devices()) accountOfDevice.put(id(d.key()), ownId);
    }

    private static String clampName(String name) {
        String n = name == null || name.isBlank() ? "primary" : name.strip();
        return n.length() > Device.MAX_NAME ? n.substring(0, Device.MAX_NAME) : n;
    }

    // ------------------------------------------------------------------ state

    /** The whole state as one blob (the service stores it; secret-free but private: it names our contacts' devices). */
    public Bytes encode() {
        WireWriter w = new WireWriter(4096).u8(STATE_FORMAT).u8(role.ordinal());
        w.bytes32(own == null ? Bytes.EMPTY : DeviceListCodec.encode(own));
        w.u8(ownReach.size());
        for (DeviceContact c : ownReach.values()) {
            c.bundle().write(w);
            DeviceWire.writeInbox(w, c.inbox());
        }
        if (pending == null) {
            w.u8(0);
        } else {
            w.u8(1).raw(pending.secret()).bytes16(DeviceWire.utf8(pending.deviceName())).u64(pending.expiresAtMillis());
        }
        w.u16(accounts.size());
        for (DeviceList l : accounts.values()) w.bytes32(DeviceListCodec.encode(l));
        return w.toBytes();
    }

    public static AccountDevices decode(Bytes b, Function<IdentityKey, String> idOf) {
        return DeviceWire.decoding("device state", () -> {
            WireReader r = new WireReader(b.toArray(), "device state");
            int f = r.u8();
            if (f != STATE_FORMAT) throw ParleyException.malformed("device state format " + f);
            AccountDevices d = new AccountDevices(idOf);
            int role = r.u8();
            if (role >= Role.values().length) throw ParleyException.malformed("device state role " + role);
            d.role = Role.values()[role];
            Bytes ownBytes = r.bytes32(1 << 16);
            d.own = ownBytes.isEmpty() ? null : DeviceListCodec.decode(ownBytes);
            int n = r.u8();
            for (int i = 0; i < n; i++) {
                DeviceContact c = new DeviceContact(PreKeyBundle.read(r), DeviceWire.readInbox(r));
                d.ownReach.put(idOf.apply(c.bundle().identity()), c);
            }
            if (r.u8() == 1) d.pending = new Pending(r.raw(LinkOffer.SECRET_SIZE), DeviceWire.name(r.bytes16(), "device name"), r.u64());
            int accounts = r.u16();
            for (int i = 0; i < accounts; i++) {
                DeviceList l = DeviceListCodec.decode(r.bytes32(1 << 16));
                String acc = idOf.apply(l.primary());
                d.accounts.put(acc, l);
                for (Device dev : l.devices()) d.accountOfDevice.put(idOf.apply(dev.key()), acc);
            }
            r.expectEnd();
            d.indexOwn();
            return d;
        });
    }
}
