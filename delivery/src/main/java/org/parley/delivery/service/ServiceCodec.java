package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.invite.Invite;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The opaque blobs {@link DeliveryService} hands to its {@link DeliveryStore}. Each starts with a
 * version byte; decoding a damaged blob fails with MALFORMED_INPUT.
 */
public final class ServiceCodec {
    static final int VERSION = 1;
    private static final int MAX = 1 << 20;

    private ServiceCodec() {}

    // ---- inboxes ----

    /** An inbox and the relays holding it; empty bytes when unknown. */
    public static Bytes encodeInbox(Invite.ContactInbox inbox) {
        if (inbox == null) return Bytes.EMPTY;
        WireWriter w = new WireWriter(96).u8(VERSION).raw(inbox.id().value());
        relays(w, inbox.relays());
        return w.toBytes();
    }

    public static Invite.ContactInbox decodeInbox(Bytes b) {
        if (b.isEmpty()) return null;
        WireReader r = reader(b, "contact inbox");
        InboxId id = new InboxId(r.raw(InboxId.SIZE));
        List<Invite.Relay> relays = relays(r);
        r.expectEnd();
        return new Invite.ContactInbox(id, relays);
    }

    /** Our side of a contact: our inbox for them (with its auth seed) and our sequence counters. */
    public record OurSide(Invite.ContactInbox inbox, Bytes authSeed, long nextSendSeq, long nextRecvSeq, boolean identityChanged) {}

    public static Bytes encodeOurSide(OurSide s) {
        return encodeOurSide(s, List.of());
    }

    /**
     * An inbox we used for a contact before a rotation: still listened to until {@code untilMillis}
     * (the TTL after the rotation), so what the contact sent to it before it learnt the new one arrives.
     */
    public record RetiredInbox(Invite.ContactInbox inbox, Bytes authSeed, long untilMillis) {}

    /** Our side followed by the retired inboxes (none: the same bytes as before rotation existed). */
    public static Bytes encodeOurSide(OurSide s, List<RetiredInbox> retired) {
        if (retired.size() > 255) throw ParleyException.malformed("at most 255 retired inboxes");
        WireWriter w = new WireWriter(128 + 128 * retired.size()).u8(VERSION).raw(s.inbox().id().value()).raw(s.authSeed());
        relays(w, s.inbox().relays());
        w.u64(s.nextSendSeq()).u64(s.nextRecvSeq()).u8(s.identityChanged() ? 1 : 0);
        if (!retired.isEmpty()) {
            w.u8(retired.size());
            for (RetiredInbox ri : retired) {
                w.raw(ri.inbox().id().value()).raw(ri.authSeed());
                relays(w, ri.inbox().relays());
                w.u64(ri.untilMillis());
            }
        }
        return w.toBytes();
    }

    public static OurSide decodeOurSide(Bytes b) {
        return decodeOurSideWithRetired(b).getKey();
    }

    /** Our side and the retired inboxes (empty for a record written before rotation existed). */
    public static java.util.Map.Entry<OurSide, List<RetiredInbox>> decodeOurSideWithRetired(Bytes b) {
        WireReader r = reader(b, "contact state");
        InboxId id = new InboxId(r.raw(InboxId.SIZE));
        Bytes seed = r.raw(32);
        List<Invite.Relay> relays = relays(r);
        OurSide s = new OurSide(new Invite.ContactInbox(id, relays), seed, r.u64(), r.u64(), r.u8() == 1);
        List<RetiredInbox> retired = new ArrayList<>();
        if (r.remaining() > 0) {
            int n = r.u8();
            for (int i = 0; i < n; i++) {
                InboxId rid = new InboxId(r.raw(InboxId.SIZE));
                Bytes rseed = r.raw(32);
                List<Invite.Relay> rrelays = relays(r);
                retired.add(new RetiredInbox(new Invite.ContactInbox(rid, rrelays), rseed, r.u64()));
            }
        }
        r.expectEnd();
        return java.util.Map.entry(s, List.copyOf(retired));
    }

    // ---- sessions: current first, then older states still accepted for decryption ----

    public static Bytes encodeSessions(List<Bytes> states) {
        WireWriter w = new WireWriter(1024).u8(VERSION).u8(states.size());
        for (Bytes s : states) w.bytes32(s);
        return w.toBytes();
    }

    public static List<Bytes> decodeSessions(Bytes b) {
        return decodeSessionsWithBaseKeys(b).states();
    }

    /**
     * The session states with a contact and the base keys (the initiator's handshake key) of the
     * first messages that made sessions with it, so a repeated first message never makes a second one.
     */
    public record Sessions(List<Bytes> states, List<Bytes> baseKeys) {
        public Sessions {
            states = List.copyOf(states);
            baseKeys = List.copyOf(baseKeys);
        }
    }

    /** {@link #encodeSessions(List)} followed by the base keys (32 bytes each, at most 255). */
    public static Bytes encodeSessions(List<Bytes> states, List<Bytes> baseKeys) {
        WireWriter w = new WireWriter(1024 + 33 * baseKeys.size()).u8(VERSION).u8(states.size());
        for (Bytes s : states) w.bytes32(s);
        w.u8(baseKeys.size());
        for (Bytes k : baseKeys) {
            if (k.length() != 32) throw ParleyException.malformed("a base key is 32 bytes");
            w.raw(k);
        }
        return w.toBytes();
    }

    /** Reads both forms: without base keys (older records) and with them. */
    public static Sessions decodeSessionsWithBaseKeys(Bytes b) {
        WireReader r = reader(b, "sessions");
        int n = r.u8();
        List<Bytes> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(r.bytes32(MAX));
        List<Bytes> keys = new ArrayList<>();
        if (r.remaining() > 0) {
            int k = r.u8();
            for (int i = 0; i < k; i++) keys.add(r.raw(32));
        }
        r.expectEnd();
        return new Sessions(out, keys);
    }

    // ---- groups ----

    /**
     * A group as stored: its id, the contact ids we fan out to ({@code members}, derived from the
     * state), the newest admin-signed state we verified ({@code state}, an encoded
     * {@link org.parley.delivery.group.GroupState}; empty for a group known only from a group text,
     * a link sync or a record written before signed states) and the members who left with the state
     * version each held ({@code left}: contact id → version; our own id when we left).
     */
    public record Group(Bytes groupId, List<String> members, Bytes state, Map<String, Long> left) {
        public Group {
            members = List.copyOf(members);
            left = Map.copyOf(left);
        }

        public Group(Bytes groupId, List<String> members) {
            this(groupId, members, Bytes.EMPTY, Map.of());
        }

        public boolean signed() {
            return !state.isEmpty();
        }
    }

    /** Groups without a state or departures keep the first layout (version 1); others: version 2 adds {@code state32 | u16 n | (id16 | u64)...}. */
    static final int GROUP_VERSION = 2;

    public static Bytes encodeGroup(Group g) {
        boolean extended = g.signed() || !g.left().isEmpty();
        WireWriter w = new WireWriter(256 + g.state().length()).u8(extended ? GROUP_VERSION : VERSION).bytes16(g.groupId()).u16(g.members().size());
        for (String m : g.members()) w.bytes16(utf8(m));
        if (extended) {
            w.bytes32(g.state()).u16(g.left().size());
            for (Map.Entry<String, Long> e : new java.util.TreeMap<>(g.left()).entrySet()) w.bytes16(utf8(e.getKey())).u64(e.getValue());
        }
        return w.toBytes();
    }

    public static Group decodeGroup(Bytes b) {
        WireReader r = new WireReader(b.toArray(), "group");
        int v = r.u8();
        if (v != VERSION && v != GROUP_VERSION) throw ParleyException.malformed("group: version " + v);
        Bytes id = r.bytes16();
        int n = r.u16();
        List<String> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) members.add(string(r.bytes16()));
        Bytes state = Bytes.EMPTY;
        Map<String, Long> left = new LinkedHashMap<>();
        if (v == GROUP_VERSION) {
            state = r.bytes32(MAX);
            int k = r.u16();
            for (int i = 0; i < k; i++) left.put(string(r.bytes16()), r.u64());
        }
        r.expectEnd();
        return new Group(id, members, state, left);
    }

    /**
     * Group states kept aside ({@code DeliveryService}'s parked states: newer, well-signed, but
     * signed by someone not yet an admin of the version held), per group conversation id:
     * {@code u8 version | u16 n | (conv16 | state32)...}. Stored so that a restart keeps them.
     */
    public static Bytes encodeKeptStates(Map<String, List<Bytes>> kept) {
        int n = kept.values().stream().mapToInt(List::size).sum();
        if (n > 0xFFFF) throw ParleyException.limit("too many kept group states: " + n);
        WireWriter w = new WireWriter(64 + 1024 * n).u8(VERSION).u16(n);
        for (Map.Entry<String, List<Bytes>> e : new java.util.TreeMap<>(kept).entrySet()) {
            for (Bytes state : e.getValue()) w.bytes16(utf8(e.getKey())).bytes32(state);
        }
        return w.toBytes();
    }

    public static Map<String, List<Bytes>> decodeKeptStates(Bytes b) {
        WireReader r = reader(b, "kept group states");
        int n = r.u16();
        Map<String, List<Bytes>> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String conv = string(r.bytes16());
            out.computeIfAbsent(conv, k -> new ArrayList<>()).add(r.bytes32(MAX));
        }
        r.expectEnd();
        return out;
    }

    // ---- message bodies ----

    /**
     * Kinds of stored message (stored by ordinal: append only). TEXT, GROUP_TEXT and ATTACHMENT (a
     * text with attachments, direct or group) are shown; CARD, GROUP_CONTROL and CHUNK (one
     * attachment chunk) are control traffic, retried the same way.
     */
    public enum Kind { TEXT, CARD, GROUP_CONTROL, GROUP_TEXT, ATTACHMENT, CHUNK }

    public record Recipient(String contactId, long sequence) {}

    /** An outgoing message: what to send ({@code inner}: an encoded plaintext whose sequence is replaced per recipient) and to whom. */
    public record OutBody(Kind kind, String text, Bytes inner, List<Recipient> recipients, List<String> syncedFiles) {
        public OutBody {
            recipients = List.copyOf(recipients);
            syncedFiles = List.copyOf(syncedFiles);
        }

        public OutBody(Kind kind, String text, Bytes inner, List<Recipient> recipients) {
            this(kind, text, inner, recipients, List.of());
        }
    }

    /**
     * {@code syncedFiles} (an optional trailing list: blobs written before it decode as none): the
     * attachments of a message synced from our primary, as {@code LinkSync} file ids (metadata only).
     */
    public static Bytes encodeOut(OutBody b) {
        WireWriter w = new WireWriter(256).u8(VERSION).u8(b.kind().ordinal()).bytes32(utf8(b.text())).bytes32(b.inner())
                .u16(b.recipients().size());
        for (Recipient r : b.recipients()) w.bytes16(utf8(r.contactId())).u64(r.sequence());
        if (!b.syncedFiles().isEmpty()) {
            w.u8(b.syncedFiles().size());
            for (String f : b.syncedFiles()) w.bytes16(utf8(f));
        }
        return w.toBytes();
    }

    public static OutBody decodeOut(Bytes b) {
        WireReader r = reader(b, "outgoing message");
        Kind kind = kind(r.u8());
        String text = string(r.bytes32(MAX));
        Bytes inner = r.bytes32(MAX);
        int n = r.u16();
        List<Recipient> rs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) rs.add(new Recipient(string(r.bytes16()), r.u64()));
        List<String> files = new ArrayList<>();
        if (r.remaining() > 0) {
            int k = r.u8();
            for (int i = 0; i < k; i++) files.add(string(r.bytes16()));
        }
        r.expectEnd();
        return new OutBody(kind, text, inner, rs, files);
    }

    /**
     * An incoming message: who sent it, its text, the sender's sequence number and clock, and the
     * local ids of its attachments (an optional trailing list: blobs written before attachments decode as none).
     */
    public record InBody(Kind kind, String senderContactId, String text, long sequence, long sentAtMillis, List<String> attachments) {
        public InBody {
            attachments = List.copyOf(attachments);
        }

        public InBody(Kind kind, String senderContactId, String text, long sequence, long sentAtMillis) {
            this(kind, senderContactId, text, sequence, sentAtMillis, List.of());
        }
    }

    public static Bytes encodeIn(InBody b) {
        WireWriter w = new WireWriter(128).u8(VERSION).u8(b.kind().ordinal()).bytes16(utf8(b.senderContactId()))
                .bytes32(utf8(b.text())).u64(b.sequence()).u64(b.sentAtMillis());
        if (!b.attachments().isEmpty()) {
            w.u8(b.attachments().size());
            for (String a : b.attachments()) w.bytes16(utf8(a));
        }
        return w.toBytes();
    }

    public static InBody decodeIn(Bytes b) {
        WireReader r = reader(b, "incoming message");
        Kind kind = kind(r.u8());
        String sender = string(r.bytes16()), text = string(r.bytes32(MAX));
        long seq = r.u64(), at = r.u64();
        List<String> attachments = new ArrayList<>();
        if (r.remaining() > 0) {
            int n = r.u8();
            for (int i = 0; i < n; i++) attachments.add(string(r.bytes16()));
        }
        r.expectEnd();
        return new InBody(kind, sender, text, seq, at, attachments);
    }

    /** Per-recipient progress of an outgoing message: 0 pending, 1 stored, 2 delivered, 3 read. */
    public record Progress(String failureReason, List<String> path, Map<String, Integer> recipients) {
        public Progress {
            path = List.copyOf(path);
            recipients = Map.copyOf(recipients);
        }
    }

    public static Bytes encodeProgress(Progress p) {
        WireWriter w = new WireWriter(128).u8(VERSION).bytes16(utf8(p.failureReason())).u8(p.path().size());
        for (String s : p.path()) w.bytes16(utf8(s));
        w.u16(p.recipients().size());
        for (Map.Entry<String, Integer> e : new java.util.TreeMap<>(p.recipients()).entrySet()) {
            w.bytes16(utf8(e.getKey())).u8(e.getValue());
        }
        return w.toBytes();
    }

    public static Progress decodeProgress(Bytes b) {
        if (b.isEmpty()) return new Progress("", List.of(), Map.of());
        WireReader r = reader(b, "message progress");
        String reason = string(r.bytes16());
        int n = r.u8();
        List<String> path = new ArrayList<>(n);
        for (int i = 0; i < n; i++) path.add(string(r.bytes16()));
        int m = r.u16();
        Map<String, Integer> rs = new LinkedHashMap<>();
        for (int i = 0; i < m; i++) rs.put(string(r.bytes16()), r.u8());
        r.expectEnd();
        return new Progress(reason, path, rs);
    }

    // ---- helpers ----

    static void relays(WireWriter w, List<Invite.Relay> relays) {
        w.u8(relays.size());
        for (Invite.Relay r : relays) w.raw(r.nodeId().value()).bytes16(utf8(r.address()));
    }

    static List<Invite.Relay> relays(WireReader r) {
        int n = r.u8();
        List<Invite.Relay> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new Invite.Relay(new NodeId(r.raw(NodeId.LENGTH)), string(r.bytes16())));
        return out;
    }

    static WireReader reader(Bytes b, String what) {
        WireReader r = new WireReader(b.toArray(), what);
        int v = r.u8();
        if (v != VERSION) throw ParleyException.malformed(what + ": version " + v);
        return r;
    }

    private static Kind kind(int k) {
        if (k < 0 || k >= Kind.values().length) throw ParleyException.malformed("message kind " + k);
        return Kind.values()[k];
    }

    static Bytes utf8(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String string(Bytes b) {
        return new String(b.toArray(), StandardCharsets.UTF_8);
    }
}
