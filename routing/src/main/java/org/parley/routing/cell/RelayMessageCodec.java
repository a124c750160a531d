package org.parley.routing.cell;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.ArrayList;
import java.util.List;

/**
 * Stateless codec of {@link RelayMessage} bodies (the bytes after the relay header, possibly
 * reassembled from fragments). {@link #decode} checks layout only; {@link #validate} checks sizes
 * and lengths that a well-formed message may still get wrong.
 */
public final class RelayMessageCodec {
    public static final int MESSAGE_ID_LEN = 16;
    public static final int MAX_INBOX_ID_LEN = 64;
    public static final int AUTH_KEY_LEN = 32;
    public static final int SIGNATURE_LEN = 64;

    private RelayMessageCodec() {
    }

    public static Bytes encode(RelayMessage m) {
        Writer w = new Writer();
        if (m instanceof RelayMessage.Extend2 e) {
            w.u8(e.specifiers().size());
            for (LinkSpecifier s : e.specifiers()) {
                if (s.body().length() > 255) throw ParleyException.limit("link specifier longer than 255 bytes");
                w.u8(s.type()).u8(s.body().length()).bytes(s.body());
            }
            w.u16(e.htype()).u16(e.hdata().length()).bytes(e.hdata());
        } else if (m instanceof RelayMessage.Extended2 e) {
            w.u16(e.hdata().length()).bytes(e.hdata());
        } else if (m instanceof RelayMessage.Data d) {
            w.bytes(d.data());
        } else if (m instanceof RelayMessage.EstablishInbox e) {
            inboxId(w, e.inboxId()).bytes(e.authKey()).bytes(e.signature());
        } else if (m instanceof RelayMessage.InboxEstablished e) {
            inboxId(w, e.inboxId()).u32(e.pending());
        } else if (m instanceof RelayMessage.Deliver d) {
            inboxId(w, d.inboxId()).bytes(d.messageId()).bytes(d.envelope());
        } else if (m instanceof RelayMessage.Stored s) {
            w.bytes(s.messageId()).u8(s.duplicate() ? 1 : 0);
        } else if (m instanceof RelayMessage.Push p) {
            inboxId(w, p.inboxId()).bytes(p.messageId()).bytes(p.envelope());
        } else if (m instanceof RelayMessage.Ack a) {
            inboxId(w, a.inboxId()).bytes(a.messageId());
        } else if (m instanceof RelayMessage.Error e) {
            if (e.reference().length() > 255) throw ParleyException.limit("error reference longer than 255 bytes");
            w.u8(e.kind().code()).u8(e.reference().length()).bytes(e.reference());
        } else if (m instanceof RelayMessage.Drop d) {
            w.u8(d.echo() ? 1 : 0);
        } else if (m instanceof RelayMessage.Sendme) {
            // empty body
        } else if (m instanceof RelayMessage.End e) {
            w.u8(e.reason());
        } else {
            w.bytes(((RelayMessage.Unrecognized) m).body());
        }
        return w.toBytes();
    }

    private static Writer inboxId(Writer w, Bytes id) {
        if (id.length() > 255) throw ParleyException.limit("inbox id longer than 255 bytes");
        return w.u8(id.length()).bytes(id);
    }

    /** @throws ParleyException MALFORMED_INPUT if {@code body} does not parse as {@code code} */
    public static RelayMessage decode(int code, Bytes body) {
        RelayCommand c = RelayCommand.fromCode(code);
        if (c == null || c == RelayCommand.FRAGMENT) {
            return new RelayMessage.Unrecognized(code, body);
        }
        byte[] b = body.toArray();
        Reader r = new Reader(b, 0, b.length, "relay ", c);
        RelayMessage m = switch (c) {
            case EXTEND2 -> {
                int n = r.u8();
                List<LinkSpecifier> specs = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    int type = r.u8();
                    specs.add(new LinkSpecifier(type, r.bytes(r.u8())));
                }
                int htype = r.u16();
                yield new RelayMessage.Extend2(specs, htype, r.bytes(r.u16()));
            }
            case EXTENDED2 -> new RelayMessage.Extended2(r.bytes(r.u16()));
            case DATA -> new RelayMessage.Data(r.rest());
            case ESTABLISH_INBOX -> new RelayMessage.EstablishInbox(r.bytes(r.u8()), r.bytes(AUTH_KEY_LEN),
                    r.bytes(SIGNATURE_LEN));
            case INBOX_ESTABLISHED -> new RelayMessage.InboxEstablished(r.bytes(r.u8()), r.u32());
            case DELIVER -> new RelayMessage.Deliver(r.bytes(r.u8()), r.bytes(MESSAGE_ID_LEN), r.rest());
            case STORED -> {
                Bytes id = r.bytes(MESSAGE_ID_LEN);
                int flag = r.u8();
                if (flag > 1) throw ParleyException.malformed("STORED flag must be 0 or 1");
                yield new RelayMessage.Stored(id, flag == 1);
            }
            case PUSH -> new RelayMessage.Push(r.bytes(r.u8()), r.bytes(MESSAGE_ID_LEN), r.rest());
            case ACK -> new RelayMessage.Ack(r.bytes(r.u8()), r.bytes(MESSAGE_ID_LEN));
            case ERROR -> new RelayMessage.Error(InboxErrorKind.fromCode(r.u8()), r.bytes(r.u8()));
            case SENDME -> new RelayMessage.Sendme();
            case DROP -> {
                int flag = r.u8();
                if (flag > 1) throw ParleyException.malformed("DROP flag must be 0 or 1");
                r.rest(); // padding, ignored
                yield new RelayMessage.Drop(flag == 1);
            }
            case END -> new RelayMessage.End(r.u8());
            case FRAGMENT -> throw new IllegalStateException("unreachable");
        };
        r.expectEnd();
        return m;
    }

    /**
     * Checks limits of a decoded message: inbox ids 1..64 bytes, envelopes at most
     * {@code maxEnvelope} bytes, EXTEND2 handshake data that fits a CREATE2 cell.
     *
     * @throws ParleyException PROTOCOL_VIOLATION or RESOURCE_LIMIT
     */
    public static RelayMessage validate(RelayMessage m, int maxEnvelope) {
        Bytes inbox = null;
        Bytes envelope = null;
        if (m instanceof RelayMessage.EstablishInbox e) inbox = e.inboxId();
        else if (m instanceof RelayMessage.InboxEstablished e) inbox = e.inboxId();
        else if (m instanceof RelayMessage.Deliver d) {
            inbox = d.inboxId();
            envelope = d.envelope();
        } else if (m instanceof RelayMessage.Push p) {
            inbox = p.inboxId();
            envelope = p.envelope();
        } else if (m instanceof RelayMessage.Ack a) inbox = a.inboxId();
        else if (m instanceof RelayMessage.Extend2 e) {
            if (e.hdata().length() > Cell.PAYLOAD_LEN - 4) {
                throw ParleyException.protocol("EXTEND2 handshake data does not fit a CREATE2 cell");
            }
            if (LinkSpecifier.findNodeId(e.specifiers()).isEmpty()) {
                throw ParleyException.protocol("EXTEND2 names no node id");
            }
        }
        if (inbox != null && (inbox.isEmpty() || inbox.length() > MAX_INBOX_ID_LEN)) {
            throw ParleyException.protocol("inbox id must be 1.." + MAX_INBOX_ID_LEN + " bytes");
        }
        if (envelope != null && envelope.length() > maxEnvelope) {
            throw ParleyException.limit("envelope of " + envelope.length() + " bytes exceeds " + maxEnvelope);
        }
        return m;
    }
}
