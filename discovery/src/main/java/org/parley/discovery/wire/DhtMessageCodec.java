package org.parley.discovery.wire;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.discovery.internal.WireReader;
import org.parley.discovery.internal.WireWriter;
import org.parley.discovery.net.Contact;
import org.parley.discovery.record.RecordCodec;
import org.parley.discovery.record.SignedRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Stateless codec for {@link DhtMessage}. Layout:
 * {@code magic u8 (0xD1) | type u8 | flags u8 (bit0 = client-only) | requestId u64 | sender contact | body}.
 * Lists are {@code count u8} then items; records are self-delimiting ({@link RecordCodec}).
 * Decoding checks structure and counts only; records are validated later by the DHT.
 */
public final class DhtMessageCodec {
    public static final int MAGIC = 0xD1;
    /** Largest message accepted; a reply with 64 relay descriptors of 2 KiB stays below it. */
    public static final int MAX_MESSAGE_BYTES = 160 * 1024;

    private DhtMessageCodec() {
    }

    public static Bytes encode(DhtMessage m) {
        WireWriter w = new WireWriter(256);
        Header h = m.header();
        int code = m instanceof DhtMessage.Unrecognized u ? u.code() : m.type().orElseThrow().code();
        w.u8(MAGIC).u8(code).u8(h.clientOnly() ? 1 : 0).u64(h.requestId());
        h.sender().encode(w);
        if (m instanceof DhtMessage.FindNode f) {
            w.bytes(f.target().value());
        } else if (m instanceof DhtMessage.Nodes n) {
            contacts(w, n.contacts());
        } else if (m instanceof DhtMessage.FindValue f) {
            w.bytes(f.key());
        } else if (m instanceof DhtMessage.Value v) {
            records(w, v.records());
            contacts(w, v.contacts());
        } else if (m instanceof DhtMessage.Store s) {
            RecordCodec.encode(s.record(), w);
        } else if (m instanceof DhtMessage.StoreAck a) {
            w.u8(a.status().code());
        } else if (m instanceof DhtMessage.GetRelays g) {
            w.u8(g.max());
        } else if (m instanceof DhtMessage.Relays rl) {
            records(w, rl.records());
        } else if (m instanceof DhtMessage.Unrecognized u) {
            w.bytes(u.body());
        }
        // PING and PONG have no body.
        return w.toBytes();
    }

    private static void contacts(WireWriter w, List<Contact> cs) {
        w.u8(cs.size());
        for (Contact c : cs) c.encode(w);
    }

    private static void records(WireWriter w, List<SignedRecord> rs) {
        w.u8(rs.size());
        for (SignedRecord r : rs) RecordCodec.encode(r, w);
    }

    public static DhtMessage decode(Bytes bytes) {
        if (bytes.length() > MAX_MESSAGE_BYTES) {
            throw ParleyException.limit("DHT message of " + bytes.length() + " bytes over " + MAX_MESSAGE_BYTES);
        }
        try {
            WireReader r = new WireReader(bytes);
            int magic = r.u8("magic");
            if (magic != MAGIC) throw ParleyException.malformed("not a DHT message (magic " + magic + ")");
            int code = r.u8("type");
            int flags = r.u8("flags");
            Header h = new Header(r.u64("request id"), Contact.decode(r), (flags & 1) != 0);
            Optional<MessageType> type = MessageType.fromCode(code);
            if (type.isEmpty()) return new DhtMessage.Unrecognized(h, code, r.rest());
            DhtMessage m = switch (type.get()) {
                case PING -> new DhtMessage.Ping(h);
                case PONG -> new DhtMessage.Pong(h);
                case FIND_NODE -> new DhtMessage.FindNode(h, new NodeId(r.bytes(32, "target")));
                case NODES -> new DhtMessage.Nodes(h, contacts(r));
                case FIND_VALUE -> new DhtMessage.FindValue(h, r.bytes(32, "key"));
                case VALUE -> {
                    List<SignedRecord> recs = records(r, DhtMessage.MAX_RECORDS);
                    yield new DhtMessage.Value(h, recs, contacts(r));
                }
                case STORE -> new DhtMessage.Store(h, RecordCodec.decode(r));
                case STORE_ACK -> new DhtMessage.StoreAck(h, DhtMessage.StoreStatus.fromCode(r.u8("store status")));
                case GET_RELAYS -> new DhtMessage.GetRelays(h, r.u8("max"));
                case RELAYS -> new DhtMessage.Relays(h, records(r, DhtMessage.MAX_RELAYS));
            };
            r.expectEnd(type.get().name());
            return m;
        } catch (ParleyException e) {
            throw e.withContext("decoding DHT message");
        }
    }

    private static List<Contact> contacts(WireReader r) {
        int n = r.u8("contact count");
        if (n > DhtMessage.MAX_CONTACTS) throw ParleyException.malformed("too many contacts: " + n);
        List<Contact> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(Contact.decode(r));
        return out;
    }

    private static List<SignedRecord> records(WireReader r, int max) {
        int n = r.u8("record count");
        if (n > max) throw ParleyException.malformed("too many records: " + n);
        List<SignedRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(RecordCodec.decode(r));
        return out;
    }
}
