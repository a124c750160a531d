package org.parley.delivery.ratchet;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

/**
 * Stateless codec: {@code 0x01 | ratchet message} or {@code 0x02 | u32 len | handshake | ratchet message}.
 */
public final class SessionMessageCodec {
    public static final int TYPE_RATCHET = 0x01;
    public static final int TYPE_PREKEY = 0x02;
    public static final int MAX_HANDSHAKE = 16 * 1024;

    private SessionMessageCodec() {
    }

    public static Bytes encode(SessionMessage m) {
        if (m instanceof SessionMessage.PreKey p) {
            return new WireWriter(5 + p.handshake().length() + p.ratchetMessage().length())
                    .u8(TYPE_PREKEY).bytes32(p.handshake()).raw(p.ratchetMessage()).toBytes();
        }
        SessionMessage.Ratchet r = (SessionMessage.Ratchet) m;
        return new WireWriter(1 + r.ratchetMessage().length()).u8(TYPE_RATCHET).raw(r.ratchetMessage()).toBytes();
    }

    public static SessionMessage decode(Bytes bytes) {
        WireReader r = new WireReader(bytes.toArray(), "session message");
        int type = r.u8();
        SessionMessage m = switch (type) {
            case TYPE_RATCHET -> new SessionMessage.Ratchet(r.rest());
            case TYPE_PREKEY -> new SessionMessage.PreKey(r.bytes32(MAX_HANDSHAKE), r.rest());
            default -> throw ParleyException.malformed("unknown session message type " + type);
        };
        return m;
    }
}
