package org.parley.delivery.envelope;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Stateless codec of {@link Plaintext}. Layout:
 * {@code version u8 = 1 | id (16) | sequence u64 | sentAt u64 | type u8 | body length u32 | body}.
 * Bodies: TEXT = UTF-8; receipts = {@code u16 count | ids}; GROUP_CONTROL = {@code groupId16 | action u8 |
 * name16 | u16 count | member16... [| ext u8 = 1 | version u64 | state32]} (the extension is present
 * only when version or state is set; bodies written before it decode with version 0 and no state); ATTACHMENT_POINTER = {@code locator16 | key16 | digest16 | size u64 |
 * contentType16 | fileName16} (x16 = u16 length + bytes). An unknown type decodes as
 * {@link InnerMessage.Unrecognized}. Decoding checks structure only; {@link PlaintextValidator} checks limits.
 */
public final class PlaintextCodec {
    public static final int VERSION = 1;
    /** Upper bound on any body, before validation's finer limits. */
    public static final int MAX_BODY = 1 << 20;
    /** The GROUP_CONTROL body extension: version and signed state. */
    static final int GROUP_EXT = 1;

    private PlaintextCodec() {
    }

    public static Bytes encode(Plaintext p) {
        WireWriter body = new WireWriter(64);
        int type = writeBody(p.message(), body);
        return new WireWriter(40 + body.length()).u8(VERSION).raw(p.id().value()).u64(p.sequence())
                .u64(p.sentAtMillis()).u8(type).u32(body.length()).raw(body.toArray()).toBytes();
    }

    public static Plaintext decode(Bytes bytes) {
        WireReader r = new WireReader(bytes.toArray(), "plaintext");
        int v = r.u8();
        if (v != VERSION) throw ParleyException.malformed("plaintext version " + v);
        MessageId id = new MessageId(r.raw(MessageId.SIZE));
        long seq = r.u64();
        long sentAt = r.u64();
        int type = r.u8();
        Bytes body = r.bytes32(MAX_BODY);
        r.expectEnd();
        return new Plaintext(id, seq, sentAt, readBody(type, body));
    }

    private static int writeBody(InnerMessage m, WireWriter w) {
        if (m instanceof InnerMessage.Text t) {
            w.raw(t.body().getBytes(StandardCharsets.UTF_8));
            return MessageType.TEXT.code();
        } else if (m instanceof InnerMessage.DeliveryReceipt d) {
            ids(w, d.messageIds());
            return MessageType.DELIVERY_RECEIPT.code();
        } else if (m instanceof InnerMessage.ReadReceipt d) {
            ids(w, d.messageIds());
            return MessageType.READ_RECEIPT.code();
        } else if (m instanceof InnerMessage.GroupControl g) {
            w.bytes16(g.groupId()).u8(g.action().code()).bytes16(utf8(g.name())).u16(g.members().size());
            for (Bytes member : g.members()) w.bytes16(member);
            if (g.version() != 0 || g.signed()) w.u8(GROUP_EXT).u64(g.version()).bytes32(g.state());
            return MessageType.GROUP_CONTROL.code();
        } else if (m instanceof InnerMessage.AttachmentPointer a) {
            w.bytes16(a.locator()).bytes16(a.key()).bytes16(a.digest()).u64(a.size()).bytes16(utf8(a.contentType()))
                    .bytes16(utf8(a.fileName()));
            return MessageType.ATTACHMENT_POINTER.code();
        } else {
            InnerMessage.Unrecognized u = (InnerMessage.Unrecognized) m;
            w.raw(u.body());
            return u.typeCode();
        }
    }

    private static InnerMessage readBody(int code, Bytes body) {
        MessageType type = MessageType.fromCode(code);
        if (type == null) return new InnerMessage.Unrecognized(code, body);
        WireReader r = new WireReader(body.toArray(), type + " body");
        InnerMessage m = switch (type) {
            case TEXT -> new InnerMessage.Text(string(r.rest()));
            case DELIVERY_RECEIPT -> new InnerMessage.DeliveryReceipt(ids(r));
            case READ_RECEIPT -> new InnerMessage.ReadReceipt(ids(r));
            case GROUP_CONTROL -> {
                Bytes groupId = r.bytes16();
                int ac = r.u8();
                InnerMessage.GroupControl.Action action = InnerMessage.GroupControl.Action.fromCode(ac);
                if (action == null) throw ParleyException.malformed("unknown group action " + ac);
                String name = string(r.bytes16());
                int n = r.u16();
                List<Bytes> members = new ArrayList<>(Math.min(n, 64));
                for (int i = 0; i < n; i++) members.add(r.bytes16());
                long version = 0;
                Bytes state = Bytes.EMPTY;
                if (r.remaining() > 0) {
                    int ext = r.u8();
                    if (ext != GROUP_EXT) throw ParleyException.malformed("group control extension " + ext);
                    version = r.u64();
                    state = r.bytes32(MAX_BODY);
                    if (version == 0 && state.isEmpty()) throw ParleyException.malformed("empty group control extension");
                }
                yield new InnerMessage.GroupControl(groupId, action, name, members, version, state);
            }
            case ATTACHMENT_POINTER -> new InnerMessage.AttachmentPointer(r.bytes16(), r.bytes16(), r.bytes16(), r.u64(),
                    string(r.bytes16()), string(r.bytes16()));
        };
        r.expectEnd();
        return m;
    }

    private static void ids(WireWriter w, List<MessageId> ids) {
        w.u16(ids.size());
        for (MessageId id : ids) w.raw(id.value());
    }

    private static List<MessageId> ids(WireReader r) {
        int n = r.u16();
        List<MessageId> ids = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) ids.add(new MessageId(r.raw(MessageId.SIZE)));
        return ids;
    }

    private static Bytes utf8(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String string(Bytes b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b.toArray())).toString();
        } catch (CharacterCodingException e) {
            throw ParleyException.malformed("text is not valid UTF-8");
        }
    }
}
