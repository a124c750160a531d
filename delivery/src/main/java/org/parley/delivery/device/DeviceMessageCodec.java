package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.util.ArrayList;
import java.util.List;

/**
 * Bodies of the device inner types ({@link #ANNOUNCE} 0x78 … {@link #READ_SYNC} 0x7B):
 * <pre>
 *  announce:   list32 | count u8 | (prekey bundle | inbox)...
 *  approval:   secret (16) | list32
 *  transcript: kind u8 | conversation16 | text32 | count u16 | (contact id16)...
 *  read sync:  conversation16 | count u16 | message id (16)...
 * </pre>
 * Decode checks layout and limits only; the list is verified by {@link DeviceListVerifier}.
 */
public final class DeviceMessageCodec {
    public static final int ANNOUNCE = 0x78, LINK_APPROVAL = 0x79, SENT_TRANSCRIPT = 0x7A, READ_SYNC = 0x7B;
    public static final int MAX_TEXT = 64 * 1024, MAX_IDS = 512, MAX_RECIPIENTS = 1024;

    private DeviceMessageCodec() {}

    public static boolean isDeviceType(int typeCode) {
        return typeCode >= ANNOUNCE && typeCode <= READ_SYNC;
    }

    public static int typeOf(DeviceMessage m) {
        if (m instanceof DeviceMessage.Announce) return ANNOUNCE;
        if (m instanceof DeviceMessage.LinkApproval) return LINK_APPROVAL;
        if (m instanceof DeviceMessage.SentTranscript) return SENT_TRANSCRIPT;
        if (m instanceof DeviceMessage.ReadSync) return READ_SYNC;
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
                default -> new DeviceMessage.Unrecognized(typeCode, r.rest());
            };
            r.expectEnd();
            return m;
        });
    }

    /** Conversation and contact ids: 1..80 printable ASCII characters. */
    private static String id(Bytes b) {
        String s = DeviceWire.string(b);
        if (s.isEmpty() || s.length() > 80 || !s.chars().allMatch(c -> c > 0x20 && c < 0x7F)) throw ParleyException.malformed("bad id in a device message");
        return s;
    }
}
