package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Bodies of the device inner types ({@link #ANNOUNCE} 0x78 … {@link #READ_SYNC} 0x7B):
 * <pre>
 *  announce:   list32 | count u8 | (prekey bundle | inbox)...
 *  approval:   secret (16) | list32
 *  transcript: kind u8 | conversation16 | text32 | count u16 | (contact id16)...
 *  read sync:  conversation16 | count u16 | message id (16)...
 *  contacts:   count u16 (1..256) | (identity key (128) | name16 | has inbox u8 (0/1) | [inbox])...
 *  groups:     count u16 (1..64) | (group id (16) | name16 | members u16 (0..1024) | (contact id16)...)...
 *  history:    conversation16 | count u16 (1..100) | (stored id16 | outgoing u8 (0/1) | sender id16 (empty iff outgoing)
 *              | status u8 (0..5) | at u64 | updated u64 | text32 (≤ 64 KiB))...
 * </pre>
 * Decode checks layout and limits only (every accepted body re-encodes to the same bytes); the
 * list is verified by {@link DeviceListVerifier}, identity keys by whoever applies a contact sync.
 */
public final class DeviceMessageCodec {
    public static final int ANNOUNCE = 0x78, LINK_APPROVAL = 0x79, SENT_TRANSCRIPT = 0x7A, READ_SYNC = 0x7B,
            CONTACT_SYNC = 0x7C, GROUP_SYNC = 0x7D, HISTORY_SYNC = 0x7E;
    public static final int MAX_TEXT = 64 * 1024, MAX_IDS = 512, MAX_RECIPIENTS = 1024;
    /** Per message of a link's sync: contacts, groups, messages of one conversation; members per group; characters of a name. */
    /** Attachments listed per synced message (an attachment message carries at most 8). */
    public static final int MAX_SYNCED_FILES = 8, MAX_FILE_NAME = 255, MAX_FILE_MIME = 127, DIGEST = 32;
    public static final int MAX_CONTACTS = 256, MAX_GROUPS = 64, MAX_HISTORY_BATCH = 100, MAX_MEMBERS = 1024, MAX_SYNC_NAME = 128;
    /** Message statuses are {@code service.MessageState} ordinals: PENDING … FAILED. */
    static final int STATUS_COUNT = 6;

    private DeviceMessageCodec() {}

    public static boolean isDeviceType(int typeCode) {
        return typeCode >= ANNOUNCE && typeCode <= HISTORY_SYNC;
    }

    public static int typeOf(DeviceMessage m) {
        if (m instanceof DeviceMessage.Announce) return ANNOUNCE;
        if (m instanceof DeviceMessage.LinkApproval) return LINK_APPROVAL;
        if (m instanceof DeviceMessage.SentTranscript) return SENT_TRANSCRIPT;
        if (m instanceof DeviceMessage.ReadSync) return READ_SYNC;
        if (m instanceof DeviceMessage.ContactSync) return CONTACT_SYNC;
        if (m instanceof DeviceMessage.GroupSync) return GROUP_SYNC;
        if (m instanceof DeviceMessage.HistorySync) return HISTORY_SYNC;
        return ((DeviceMessage.Unrecognized) m).typeCode();
    }

    public static Bytes encode(DeviceMessage m) {
        WireWriter w = new WireWriter(512);
        if (m instanceof DeviceMessage.Announce a) {
            w.bytes32(DeviceListCodec.encode(a.list())).u8(a.reach().size());
            for (DeviceContact c : a.reach()) {
                c.bundle().write(w);
                DeviceWire.writeInbox(w, c.inbox());
            }
        } else if (m instanceof DeviceMessage.LinkApproval a) {
            w.raw(a.secret()).bytes32(DeviceListCodec.encode(a.list()));
        } else if (m instanceof DeviceMessage.SentTranscript t) {
            w.u8(t.kind()).bytes16(DeviceWire.utf8(t.conversationId())).bytes32(DeviceWire.utf8(t.text())).u16(t.recipients().size());
            for (String r : t.recipients()) w.bytes16(DeviceWire.utf8(r));
        } else if (m instanceof DeviceMessage.ReadSync r) {
            w.bytes16(DeviceWire.utf8(r.conversationId())).u16(r.messageIds().size());
            for (MessageId id : r.messageIds()) w.raw(id.value());
        } else if (m instanceof DeviceMessage.ContactSync c) {
            w.u16(c.contacts().size());
            for (DeviceMessage.SyncedContact sc : c.contacts()) {
                sc.identity().write(w);
                w.bytes16(DeviceWire.utf8(sc.name())).u8(sc.inbox().isPresent() ? 1 : 0);
                sc.inbox().ifPresent(i -> DeviceWire.writeInbox(w, i));
            }
        } else if (m instanceof DeviceMessage.GroupSync g) {
            w.u16(g.groups().size());
            for (DeviceMessage.SyncedGroup sg : g.groups()) {
                w.raw(sg.groupId()).bytes16(DeviceWire.utf8(sg.name())).u16(sg.members().size());
                for (String member : sg.members()) w.bytes16(DeviceWire.utf8(member));
            }
        } else if (m instanceof DeviceMessage.HistorySync h) {
            w.bytes16(DeviceWire.utf8(h.conversationId())).u16(h.messages().size());
            for (DeviceMessage.SyncedMessage sm : h.messages()) {
                w.bytes16(DeviceWire.utf8(sm.messageId())).u8(sm.outgoing() ? 1 : 0).bytes16(DeviceWire.utf8(sm.senderId()))
                        .u8(sm.status()).u64(sm.atMillis()).u64(sm.updatedAtMillis()).bytes32(DeviceWire.utf8(sm.text()));
            }
            // attachments, an optional trailing section (a batch without any encodes as before):
            // u16 count | per message with files: u16 index (increasing) | u8 n | n × (name16 | mime16 | size u64 | digest32)
            List<Integer> withFiles = new ArrayList<>();
            for (int i = 0; i < h.messages().size(); i++) if (!h.messages().get(i).files().isEmpty()) withFiles.add(i);
            if (!withFiles.isEmpty()) {
                w.u16(withFiles.size());
                for (int i : withFiles) {
                    List<DeviceMessage.SyncedFile> files = h.messages().get(i).files();
                    if (files.size() > MAX_SYNCED_FILES) throw ParleyException.malformed("more than " + MAX_SYNCED_FILES + " files in a synced message");
                    w.u16(i).u8(files.size());
                    for (DeviceMessage.SyncedFile f : files) {
                        if (f.digest().length() != DIGEST) throw ParleyException.malformed("a file digest is 32 bytes");
                        w.bytes16(DeviceWire.utf8(f.name())).bytes16(DeviceWire.utf8(f.mime())).u64(f.size()).raw(f.digest());
                    }
                }
            }
        } else {
            w.raw(((DeviceMessage.Unrecognized) m).body());
        }
        return w.toBytes();
    }

    public static DeviceMessage decode(int typeCode, Bytes body) {
        return DeviceWire.decoding("device message", () -> {
            WireReader r = new WireReader(body.toArray(), "device message " + typeCode);
            DeviceMessage m = switch (typeCode) {
                case ANNOUNCE -> {
                    DeviceList list = DeviceListCodec.decode(r.bytes32(1 << 16));
                    int n = r.u8();
                    if (n > DeviceListCodec.MAX_ACTIVE) throw ParleyException.malformed("announce reaches " + n + " devices");
                    List<DeviceContact> reach = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) reach.add(new DeviceContact(PreKeyBundle.read(r), DeviceWire.readInbox(r)));
                    yield new DeviceMessage.Announce(list, reach);
                }
                case LINK_APPROVAL -> new DeviceMessage.LinkApproval(r.raw(LinkOffer.SECRET_SIZE), DeviceListCodec.decode(r.bytes32(1 << 16)));
                case SENT_TRANSCRIPT -> {
                    int kind = r.u8();
                    String conv = id(r.bytes16());
                    String text = DeviceWire.string(r.bytes32(MAX_TEXT));
                    int n = r.u16();
                    if (n > MAX_RECIPIENTS) throw ParleyException.malformed("transcript names " + n + " recipients");
                    List<String> rs = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) rs.add(id(r.bytes16()));
                    yield new DeviceMessage.SentTranscript(kind, conv, text, rs);
                }
                case READ_SYNC -> {
                    String conv = id(r.bytes16());
                    int n = r.u16();
                    if (n == 0 || n > MAX_IDS) throw ParleyException.malformed("read sync names " + n + " messages (1.." + MAX_IDS + ")");
                    List<MessageId> ids = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) ids.add(new MessageId(r.raw(MessageId.SIZE)));
                    yield new DeviceMessage.ReadSync(conv, ids);
                }
                case CONTACT_SYNC -> {
                    int n = count(r.u16(), MAX_CONTACTS, "contact sync");
                    List<DeviceMessage.SyncedContact> cs = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        IdentityKey key = IdentityKey.read(r);
                        String name = syncName(r.bytes16());
                        Optional<Invite.ContactInbox> inbox = flag(r.u8()) ? Optional.of(DeviceWire.readInbox(r)) : Optional.empty();
                        cs.add(new DeviceMessage.SyncedContact(name, key, inbox));
                    }
                    yield new DeviceMessage.ContactSync(cs);
                }
                case GROUP_SYNC -> {
                    int n = count(r.u16(), MAX_GROUPS, "group sync");
                    List<DeviceMessage.SyncedGroup> gs = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        Bytes gid = r.raw(16);
                        String name = syncName(r.bytes16());
                        int k = r.u16();
                        if (k > MAX_MEMBERS) throw ParleyException.malformed("synced group names " + k + " members");
                        List<String> members = new ArrayList<>(k);
                        for (int j = 0; j < k; j++) members.add(id(r.bytes16()));
                        gs.add(new DeviceMessage.SyncedGroup(gid, name, members));
                    }
                    yield new DeviceMessage.GroupSync(gs);
                }
                case HISTORY_SYNC -> {
                    String conv = id(r.bytes16());
                    int n = count(r.u16(), MAX_HISTORY_BATCH, "history sync");
                    List<DeviceMessage.SyncedMessage> ms = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        String mid = messageId(r.bytes16());
                        boolean out = flag(r.u8());
                        Bytes sender = r.bytes16();
                        String senderId = out ? emptyOnly(sender) : id(sender);
                        int status = r.u8();
                        if (status >= STATUS_COUNT) throw ParleyException.malformed("message status " + status);
                        long at = r.u64(), updated = r.u64();
                        if (at < 0 || updated < 0) throw ParleyException.malformed("negative time in a synced message");
                        ms.add(new DeviceMessage.SyncedMessage(mid, out, senderId, status, at, updated, DeviceWire.string(r.bytes32(MAX_TEXT))));
                    }
                    if (r.remaining() > 0) {
                        int k = count(r.u16(), n, "synced attachment list");
                        int last = -1;
                        for (int j = 0; j < k; j++) {
                            int index = r.u16();
                            if (index <= last || index >= n) throw ParleyException.malformed("synced attachments for entry " + index);
                            last = index;
                            int nf = count(r.u8(), MAX_SYNCED_FILES, "synced attachments");
                            List<DeviceMessage.SyncedFile> files = new ArrayList<>(nf);
                            for (int f = 0; f < nf; f++) {
                                Bytes name = r.bytes16(), mime = r.bytes16();
                                if (name.length() > MAX_FILE_NAME || mime.length() > MAX_FILE_MIME) throw ParleyException.malformed("file name or type too long");
                                long size = r.u64();
                                if (size < 0) throw ParleyException.malformed("negative file size");
                                files.add(new DeviceMessage.SyncedFile(DeviceWire.string(name), DeviceWire.string(mime), size, r.raw(DIGEST)));
                            }
                            DeviceMessage.SyncedMessage sm = ms.get(index);
                            ms.set(index, new DeviceMessage.SyncedMessage(sm.messageId(), sm.outgoing(), sm.senderId(), sm.status(), sm.atMillis(),
                                    sm.updatedAtMillis(), sm.text(), files));
                        }
                    }
                    yield new DeviceMessage.HistorySync(conv, ms);
                }
                default -> new DeviceMessage.Unrecognized(typeCode, r.rest());
            };
            r.expectEnd();
            return m;
        });
    }

    private static int count(int n, int max, String what) {
        if (n == 0 || n > max) throw ParleyException.malformed(what + " with " + n + " entries (1.." + max + ")");
        return n;
    }

    private static boolean flag(int b) {
        if (b > 1) throw ParleyException.malformed("flag byte " + b);
        return b == 1;
    }

    private static String emptyOnly(Bytes b) {
        if (!b.isEmpty()) throw ParleyException.malformed("an outgoing synced message names a sender");
        return "";
    }

    /** Names in a sync: 1..{@value #MAX_SYNC_NAME} characters, not blank, no control characters. */
    private static String syncName(Bytes b) {
        String s = DeviceWire.string(b);
        if (s.isBlank() || s.length() > MAX_SYNC_NAME || s.chars().anyMatch(Character::isISOControl)) {
            throw ParleyException.malformed("a synced name must be 1.." + MAX_SYNC_NAME + " printable characters");
        }
        return s;
    }

    /** A stored message id (incoming ones are {@code sender:sequence:id}): 1..160 printable ASCII characters. */
    private static String messageId(Bytes b) {
        String s = DeviceWire.string(b);
        if (s.isEmpty() || s.length() > 160 || !s.chars().allMatch(c -> c > 0x20 && c < 0x7F)) throw ParleyException.malformed("bad message id in a device message");
        return s;
    }

    /** Conversation and contact ids: 1..80 printable ASCII characters. */
    private static String id(Bytes b) {
        String s = DeviceWire.string(b);
        if (s.isEmpty() || s.length() > 80 || !s.chars().allMatch(c -> c > 0x20 && c < 0x7F)) throw ParleyException.malformed("bad id in a device message");
        return s;
    }
}
