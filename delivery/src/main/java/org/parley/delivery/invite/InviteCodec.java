package org.parley.delivery.invite;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Invite links: {@code parley://invite/} + base64url (no padding) of
 * <pre>
 *  version u8 = 1 | prekey bundle | inbox id (32) | relay count u8 | (node id (32) | address16)...
 *  | name flag u8 [| name16] | expiresAt u64 | signature (64)
 * </pre>
 * where x16 is a u16 length then UTF-8, and the Ed25519 signature by the bundle's identity covers
 * {@code "parley-invite-v1"} followed by every byte before it. {@link #parse} decodes and then
 * validates: signature, prekey signatures, identity binding, expiry, limits.
 */
public final class InviteCodec {
    public static final String PREFIX = "parley://invite/";
    public static final int VERSION = 1;
    public static final int MAX_RELAYS = 8;
    public static final int MAX_ADDRESS = 255;
    public static final int MAX_NAME = 64;
    public static final int MAX_LINK = 8192;
    private static final Bytes CONTEXT = Bytes.wrap("parley-invite-v1".getBytes(StandardCharsets.US_ASCII));

    private InviteCodec() {
    }

    /** Builds and signs an invite. */
    public static Invite create(IdentityKeyPair inviter, PreKeyBundle bundle, Invite.ContactInbox inbox,
                                Optional<String> displayName, long expiresAtMillis) {
        if (!bundle.identity().equals(inviter.publicKey())) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "invite bundle is not the inviter's");
        }
        byte[] body = body(bundle, inbox, displayName, expiresAtMillis);
        Bytes sig = inviter.sign(Bytes.concat(CONTEXT, Bytes.wrap(body)));
        return new Invite(bundle, inbox, displayName, expiresAtMillis, sig);
    }

    public static String toLink(Invite invite) {
        byte[] body = body(invite.bundle(), invite.inbox(), invite.displayName(), invite.expiresAtMillis());
        byte[] all = new WireWriter(body.length + 64).raw(body).raw(invite.signature()).toArray();
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(all);
    }

    /** Decode, then validate against {@code clock}. Any problem is a ParleyException. */
    public static Invite parse(String link, Clock clock) {
        return validate(decode(link), clock.nowMillis());
    }

    public static Invite decode(String link) {
        if (link == null || !link.startsWith(PREFIX)) throw ParleyException.malformed("not a parley invite link");
        if (link.length() > MAX_LINK) throw ParleyException.malformed("invite link too long");
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(link.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw ParleyException.malformed("invite link is not base64url");
        }
        WireReader r = new WireReader(raw, "invite");
        int v = r.u8();
        if (v != VERSION) throw ParleyException.malformed("invite version " + v);
        PreKeyBundle bundle = PreKeyBundle.read(r);
        InboxId inbox = new InboxId(r.raw(InboxId.SIZE));
        int n = r.u8();
        if (n == 0 || n > MAX_RELAYS) throw ParleyException.malformed("invite names " + n + " relays (1.." + MAX_RELAYS + ")");
        List<Invite.Relay> relays = new ArrayList<>(n);
        for (int i = 0; i < n; i++) relays.add(new Invite.Relay(new NodeId(r.raw(NodeId.LENGTH)), string(r.bytes16())));
        int flag = r.u8();
        Optional<String> name = switch (flag) {
            case 0 -> Optional.empty();
            case 1 -> Optional.of(string(r.bytes16()));
            default -> throw ParleyException.malformed("invite: bad name flag " + flag);
        };
        long expires = r.u64();
        Bytes sig = r.raw(64);
        r.expectEnd();
        return new Invite(bundle, new Invite.ContactInbox(inbox, relays), name, expires, sig);
    }

    public static Invite validate(Invite invite, long nowMillis) {
        for (Invite.Relay relay : invite.inbox().relays()) {
            if (relay.address().isEmpty() || relay.address().length() > MAX_ADDRESS) {
                throw ParleyException.protocol("invite: relay address must be 1.." + MAX_ADDRESS + " characters");
            }
        }
        if (invite.displayName().isPresent() && invite.displayName().get().length() > MAX_NAME) {
            throw ParleyException.protocol("invite: display name longer than " + MAX_NAME);
        }
        byte[] body = body(invite.bundle(), invite.inbox(), invite.displayName(), invite.expiresAtMillis());
        if (!invite.bundle().identity().verify(Bytes.concat(CONTEXT, Bytes.wrap(body)), invite.signature())) {
            throw ParleyException.protocol("invite: signature invalid");
        }
        invite.bundle().validate();
        if (invite.expiresAtMillis() <= nowMillis) throw ParleyException.protocol("invite expired");
        return invite;
    }

    private static byte[] body(PreKeyBundle bundle, Invite.ContactInbox inbox, Optional<String> name, long expires) {
        WireWriter w = new WireWriter(2048).u8(VERSION);
        bundle.write(w);
        w.raw(inbox.id().value()).u8(inbox.relays().size());
        for (Invite.Relay relay : inbox.relays()) {
            w.raw(relay.nodeId().value()).bytes16(Bytes.wrap(relay.address().getBytes(StandardCharsets.UTF_8)));
        }
        if (name.isPresent()) {
            w.u8(1).bytes16(Bytes.wrap(name.get().getBytes(StandardCharsets.UTF_8)));
        } else {
            w.u8(0);
        }
        return w.u64(expires).toArray();
    }

    private static String string(Bytes b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b.toArray())).toString();
        } catch (CharacterCodingException e) {
            throw ParleyException.malformed("invite text is not valid UTF-8");
        }
    }
}
