package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.invite.InviteCodec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Shared pieces of the device codecs: inboxes with relays, strict UTF-8, a reader that reports MALFORMED_INPUT. */
final class DeviceWire {
    private DeviceWire() {}

    static void writeInbox(WireWriter w, Invite.ContactInbox inbox) {
        w.raw(inbox.id().value()).u8(inbox.relays().size());
        for (Invite.Relay relay : inbox.relays()) w.raw(relay.nodeId().value()).bytes16(utf8(relay.address()));
    }

    static Invite.ContactInbox readInbox(WireReader r) {
        InboxId id = new InboxId(r.raw(InboxId.SIZE));
        int n = r.u8();
        if (n == 0 || n > InviteCodec.MAX_RELAYS) throw ParleyException.malformed("inbox names " + n + " relays (1.." + InviteCodec.MAX_RELAYS + ")");
        List<Invite.Relay> relays = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            NodeId node = new NodeId(r.raw(NodeId.LENGTH));
            String address = string(r.bytes16());
            if (address.isEmpty() || address.length() > InviteCodec.MAX_ADDRESS) throw ParleyException.malformed("relay address length");
            relays.add(new Invite.Relay(node, address));
        }
        return new Invite.ContactInbox(id, relays);
    }

    static Bytes utf8(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String string(Bytes b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b.toArray())).toString();
        } catch (CharacterCodingException e) {
            throw ParleyException.malformed("text is not valid UTF-8");
        }
    }

    static String name(Bytes b, String what) {
        String s = string(b);
        if (s.isBlank() || s.length() > Device.MAX_NAME) throw ParleyException.malformed(what + " must be 1.." + Device.MAX_NAME + " characters");
        return s;
    }

    /** Runs a decoder and turns any stray runtime exception (bad sizes in a record constructor, …) into MALFORMED_INPUT. */
    static <T> T decoding(String what, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (ParleyException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ParleyException(ParleyException.Kind.MALFORMED_INPUT, "decoding " + what + ": " + e.getClass().getSimpleName(), e);
        }
    }
}
