package org.parley.delivery.service;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.MlKem;
import org.parley.delivery.crypto.X25519KeyPair;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.handshake.PreKeyCodec;
import org.parley.delivery.handshake.PreKeyStore;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;
import org.parley.delivery.invite.Invite;

import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;

/**
 * The local user: identity key pair, current signed X25519 and ML-KEM prekeys (no one-time
 * prekeys: an invite link may be used by anyone it is given to, so it names none), and the
 * contact-request inbox that the own invite link points to, and the request inboxes it replaced
 * ({@link #rotateRequestInbox}) while they are still read. Encoded as one secret blob.
 */
public final class Account implements PreKeyStore {
    private final IdentityKeyPair identity;
    private final long signedId;
    private final X25519KeyPair signed;
    private final long kemId;
    private final MlKem.KeyPair kem;
    private final Invite.ContactInbox requestInbox;
    private final Bytes requestAuthSeed;
    private final List<ServiceCodec.RetiredInbox> retiredRequestInboxes;
    /** At most this many old request inboxes are kept (the oldest goes first). */
    public static final int MAX_RETIRED_REQUEST_INBOXES = 4;

    private Account(IdentityKeyPair identity, long signedId, X25519KeyPair signed, long kemId, MlKem.KeyPair kem,
                    Invite.ContactInbox requestInbox, Bytes requestAuthSeed) {
        this(identity, signedId, signed, kemId, kem, requestInbox, requestAuthSeed, List.of());
    }

    private Account(IdentityKeyPair identity, long signedId, X25519KeyPair signed, long kemId, MlKem.KeyPair kem,
                    Invite.ContactInbox requestInbox, Bytes requestAuthSeed, List<ServiceCodec.RetiredInbox> retiredRequestInboxes) {
        this.retiredRequestInboxes = List.copyOf(retiredRequestInboxes);
        this.identity = identity;
        this.signedId = signedId;
        this.signed = signed;
        this.kemId = kemId;
        this.kem = kem;
        this.requestInbox = requestInbox;
        this.requestAuthSeed = requestAuthSeed;
    }

    public static Account create(SecureRandom random, List<Invite.Relay> relays) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        return new Account(IdentityKeyPair.generate(random), 1, X25519KeyPair.generate(random), 2, MlKem.generate(random),
                new Invite.ContactInbox(InboxId.random(random), relays), Bytes.wrap(seed));
    }

    /** The same account with its request inbox held at {@code relays} (same inbox id and auth seed). */
    public Account withRelays(List<Invite.Relay> relays) {
        return new Account(identity, signedId, signed, kemId, kem, new Invite.ContactInbox(requestInbox.id(), relays), requestAuthSeed,
                retiredRequestInboxes);
    }

    /**
     * The same account with a new request inbox (new id and auth seed, same relays): the invite
     * link names it from now on. The current one is kept as retired until {@code retiredUntilMillis}
     * (read until then, so requests sent to it before are not lost); retired ones whose time is
     * up before {@code nowMillis} are dropped, and at most {@link #MAX_RETIRED_REQUEST_INBOXES} kept.
     */
    public Account rotateRequestInbox(SecureRandom random, long nowMillis, long retiredUntilMillis) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        List<ServiceCodec.RetiredInbox> retired = new java.util.ArrayList<>();
        for (ServiceCodec.RetiredInbox r : retiredRequestInboxes) if (r.untilMillis() > nowMillis) retired.add(r);
        retired.add(new ServiceCodec.RetiredInbox(requestInbox, requestAuthSeed, retiredUntilMillis));
        while (retired.size() > MAX_RETIRED_REQUEST_INBOXES) retired.remove(0);
        return new Account(identity, signedId, signed, kemId, kem, new Invite.ContactInbox(InboxId.random(random), requestInbox.relays()),
                Bytes.wrap(seed), retired);
    }

    /** Request inboxes our invite named before, each with the time until which it is still read. */
    public List<ServiceCodec.RetiredInbox> retiredRequestInboxes() {
        return retiredRequestInboxes;
    }

    public IdentityKeyPair identity() {
        return identity;
    }

    public Invite.ContactInbox requestInbox() {
        return requestInbox;
    }

    public Bytes requestAuthSeed() {
        return requestAuthSeed;
    }

    /** The public bundle for invites (signatures are deterministic Ed25519, so they are recomputed). */
    public PreKeyBundle bundle() {
        return new PreKeyBundle(identity.publicKey(),
                new PreKeyBundle.SignedPreKey(signedId, signed.publicKey(),
                        identity.sign(PreKeyBundle.SignedPreKey.signedBytes(signedId, signed.publicKey()))),
                new PreKeyBundle.KemPreKey(kemId, kem.publicKey(),
                        identity.sign(PreKeyBundle.KemPreKey.signedBytes(kemId, kem.publicKey()))),
                Optional.empty());
    }

    @Override
    public Optional<X25519KeyPair> signedPreKey(long id) {
        return id == signedId ? Optional.of(signed) : Optional.empty();
    }

    @Override
    public Optional<MlKem.KeyPair> kemPreKey(long id) {
        return id == kemId ? Optional.of(kem) : Optional.empty();
    }

    @Override
    public Optional<X25519KeyPair> takeOneTimePreKey(long id) {
        return Optional.empty();
    }

    public Bytes encode() {
        WireWriter w = new WireWriter(2600).u8(ServiceCodec.VERSION).bytes16(identity.encodePrivate())
                .u32(signedId).bytes16(PreKeyCodec.encode(signed)).u32(kemId).bytes16(PreKeyCodec.encode(kem))
                .bytes16(ServiceCodec.encodeInbox(requestInbox)).raw(requestAuthSeed);
        if (!retiredRequestInboxes.isEmpty()) { // absent: the same bytes as before request inboxes could be rotated
            w.u8(retiredRequestInboxes.size());
            for (ServiceCodec.RetiredInbox r : retiredRequestInboxes) w.bytes16(ServiceCodec.encodeInbox(r.inbox())).raw(r.authSeed()).u64(r.untilMillis());
        }
        return w.toBytes();
    }

    public static Account decode(Bytes b) {
        WireReader r = ServiceCodec.reader(b, "account");
        IdentityKeyPair id = IdentityKeyPair.decodePrivate(r.bytes16());
        long sid = r.u32();
        X25519KeyPair spk = PreKeyCodec.decodeX25519(r.bytes16());
        long kid = r.u32();
        MlKem.KeyPair kp = PreKeyCodec.decodeMlKem(r.bytes16());
        Invite.ContactInbox inbox = ServiceCodec.decodeInbox(r.bytes16());
        Bytes seed = r.raw(32);
        List<ServiceCodec.RetiredInbox> retired = new java.util.ArrayList<>();
        if (r.remaining() > 0) {
            int n = r.u8();
            if (n < 1 || n > MAX_RETIRED_REQUEST_INBOXES) throw ParleyException.malformed("account with " + n + " retired request inboxes");
            for (int i = 0; i < n; i++) {
                Invite.ContactInbox old = ServiceCodec.decodeInbox(r.bytes16());
                if (old == null) throw ParleyException.malformed("account: an empty retired request inbox");
                retired.add(new ServiceCodec.RetiredInbox(old, r.raw(32), r.u64()));
            }
        }
        r.expectEnd();
        if (inbox == null) throw ParleyException.malformed("account without a request inbox");
        return new Account(id, sid, spk, kid, kp, inbox, seed, retired);
    }
}
