package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.time.Clock;
import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.invite.Invite;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Link codes: {@code parley://link/} + base64url (no padding) of
 * <pre>
 *  format u8 = 1 | prekey bundle | inbox id (32) | relay count u8 | (node id (32) | address16)...
 *  | device name16 | secret (16) | expiresAt u64 | signature (64)
 * </pre>
 * signed by the new device's identity over {@code "parley-link-v1"} and every byte before the
 * signature (a different context from invites: an invite is never a link code). {@link #decode}
 * checks the layout, {@link #validate} signature, prekeys and expiry.
 */
public final class LinkCodec {
    public static final String PREFIX = "parley://link/";
    public static final int FORMAT = 1;
    public static final int MAX_CODE = 8192;
    private static final Bytes CONTEXT = Bytes.wrap("parley-link-v1".getBytes(StandardCharsets.US_ASCII));

    private LinkCodec() {}

    public static LinkOffer create(IdentityKeyPair device, PreKeyBundle bundle, Invite.ContactInbox inbox, String deviceName,
                                   long expiresAtMillis, SecureRandom random) {
        if (!bundle.identity().equals(device.publicKey())) throw new ParleyException(ParleyException.Kind.INTERNAL, "link bundle is not the device's");
        if (deviceName == null || deviceName.isBlank() || deviceName.length() > Device.MAX_NAME) {
            throw ParleyException.malformed("device name must be 1.." + Device.MAX_NAME + " characters");
        }
        byte[] secret = new byte[LinkOffer.SECRET_SIZE];
        random.nextBytes(secret);
        LinkOffer unsigned = new LinkOffer(bundle, inbox, deviceName.strip(), Bytes.wrap(secret), expiresAtMillis, Bytes.EMPTY);
        return new LinkOffer(bundle, inbox, unsigned.deviceName(), unsigned.secret(), expiresAtMillis,
                device.sign(Bytes.concat(CONTEXT, Bytes.wrap(body(unsigned)))));
    }

    public static String toCode(LinkOffer offer) {
        byte[] body = body(offer);
        byte[] all = new WireWriter(body.length + 64).raw(body).raw(offer.signature()).toArray();
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(all);
    }

    /** Decode, then validate against {@code clock}. */
    public static LinkOffer parse(String code, Clock clock) {
        return validate(decode(code), clock.nowMillis());
    }

    public static LinkOffer decode(String code) {
        if (code == null || !code.startsWith(PREFIX)) throw ParleyException.malformed("not a parley link code");
        if (code.length() > MAX_CODE) throw ParleyException.malformed("link code too long");
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(code.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw ParleyException.malformed("link code is not base64url");
        }
        return DeviceWire.decoding("link code", () -> {
            WireReader r = new WireReader(raw, "link code");
            int f = r.u8();
            if (f != FORMAT) throw ParleyException.malformed("link code format " + f);
            PreKeyBundle bundle = PreKeyBundle.read(r);
            Invite.ContactInbox inbox = DeviceWire.readInbox(r);
            String name = DeviceWire.name(r.bytes16(), "device name");
            Bytes secret = r.raw(LinkOffer.SECRET_SIZE);
            long expires = r.u64();
            Bytes sig = r.raw(64);
            r.expectEnd();
            return new LinkOffer(bundle, inbox, name, secret, expires, sig);
        });
    }

    public static LinkOffer validate(LinkOffer offer, long nowMillis) {
        if (!offer.bundle().identity().verify(Bytes.concat(CONTEXT, Bytes.wrap(body(offer))), offer.signature())) {
            throw ParleyException.protocol("link code: signature invalid");
        }
        offer.bundle().validate();
        if (offer.expiresAtMillis() <= nowMillis) throw ParleyException.protocol("link code expired");
        return offer;
    }

    private static byte[] body(LinkOffer o) {
        WireWriter w = new WireWriter(2048).u8(FORMAT);
        o.bundle().write(w);
        DeviceWire.writeInbox(w, o.inbox());
        w.bytes16(DeviceWire.utf8(o.deviceName())).raw(o.secret());
        return w.u64(o.expiresAtMillis()).toArray();
    }
}
