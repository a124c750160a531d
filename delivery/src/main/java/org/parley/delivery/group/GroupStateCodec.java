package org.parley.delivery.group;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Signed group states:
 * <pre>
 *  format u8 = 1 | groupId (16) | creator identity key (128) | salt (16) | version u64 | name16
 *  | count u16 | (member identity key (128) | addedAt u64 | flags u8 (bit 0: admin))...
 *  | signer Ed25519 key (32) | signature (64)
 * </pre>
 * The signature (Ed25519, by {@code signer}) covers {@code "parley-group-state-v1"} and every byte
 * before it. The group id is {@code SHA-256("parley-group-id-v1" | creator signing key | salt)[0..16]},
 * so a state naming another creator for an existing id does not verify. {@link #decode} checks layout
 * and limits (MALFORMED_INPUT); {@link #verify} checks id, signer and signature (PROTOCOL_VIOLATION),
 * the way {@code DeviceListCodec}/{@code DeviceListVerifier} do for device lists. Member keys are
 * used as identifiers only (their X25519 binding is not checked here). Stateless.
 */
public final class GroupStateCodec {
    public static final int FORMAT = 1;
    public static final int MAX_MEMBERS = 1000;
    public static final int MAX_NAME_BYTES = 256;
    public static final int ID_SIZE = 16, SALT_SIZE = 16;
    private static final Bytes CONTEXT = Bytes.wrap("parley-group-state-v1".getBytes(StandardCharsets.US_ASCII));
    private static final Bytes ID_CONTEXT = Bytes.wrap("parley-group-id-v1".getBytes(StandardCharsets.US_ASCII));

    private GroupStateCodec() {}

    /** The id of a group created by {@code creator} with {@code salt}. */
    public static Bytes groupId(IdentityKey creator, Bytes salt) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(ID_CONTEXT.toArray());
            d.update(creator.signingKey().toArray());
            d.update(salt.toArray());
            return Bytes.wrap(Arrays.copyOf(d.digest(), ID_SIZE));
        } catch (NoSuchAlgorithmException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "SHA-256 missing", e);
        }
    }

    /** Builds and signs a state ({@code signer} signs; whether it may is for the recipients' {@link #verify}). */
    public static GroupState sign(IdentityKeyPair signer, Bytes groupId, IdentityKey creator, Bytes salt, long version, String name,
                                  List<GroupState.Member> members) {
        GroupState unsigned = new GroupState(groupId, creator, salt, version, name, members, signer.publicKey().signingKey(), Bytes.EMPTY);
        checkShape(unsigned);
        return new GroupState(groupId, creator, salt, version, name, members, unsigned.signer(),
                signer.sign(Bytes.concat(CONTEXT, Bytes.wrap(body(unsigned)))));
    }

    public static Bytes encode(GroupState s) {
        byte[] body = body(s);
        return new WireWriter(body.length + 64).raw(body).raw(s.signature()).toBytes();
    }

    public static GroupState decode(Bytes b) {
        try {
            WireReader r = new WireReader(b.toArray(), "group state");
            int f = r.u8();
            if (f != FORMAT) throw ParleyException.malformed("group state format " + f);
            Bytes id = r.raw(ID_SIZE);
            IdentityKey creator = IdentityKey.read(r);
            Bytes salt = r.raw(SALT_SIZE);
            long version = r.u64();
            String name = utf8(r.bytes16());
            int n = r.u16();
            if (n == 0 || n > MAX_MEMBERS) throw ParleyException.malformed("group state with " + n + " members (1.." + MAX_MEMBERS + ")");
            List<GroupState.Member> members = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                IdentityKey key = IdentityKey.read(r);
                long addedAt = r.u64();
                int flags = r.u8();
                if ((flags & ~1) != 0) throw ParleyException.malformed("group member flags " + flags);
                members.add(new GroupState.Member(key, addedAt, flags == 1));
            }
            Bytes signer = r.raw(32);
            Bytes sig = r.raw(64);
            r.expectEnd();
            GroupState s = new GroupState(id, creator, salt, version, name, members, signer, sig);
            checkShape(s);
            return s;
        } catch (ParleyException e) {
            throw e;
        } catch (RuntimeException e) {
            throw ParleyException.malformed("group state: " + e.getMessage());
        }
    }

    /**
     * Checks what a recipient must before applying {@code next}: the id belongs to its creator, and
     * the signer is an admin of {@code held} (the newest state this recipient verified), or — for a
     * group it does not hold yet — the creator; the signature is valid. PROTOCOL_VIOLATION otherwise.
     * Whether {@code next} is newer is the caller's check.
     */
    public static void verify(GroupState next, Optional<GroupState> held) {
        checkShape(next);
        if (!groupId(next.creator(), next.salt()).equals(next.groupId())) throw ParleyException.protocol("group state: id not derived from its creator");
        if (held.isPresent()) {
            GroupState h = held.get();
            if (!h.groupId().equals(next.groupId()) || !h.creator().equals(next.creator())) {
                throw ParleyException.protocol("group state: another group or creator");
            }
            if (!h.isAdmin(next.signer())) throw ParleyException.protocol("group state: signed by a non-admin");
        } else if (!next.creator().signingKey().equals(next.signer())) {
            throw ParleyException.protocol("group state: a new group's state not signed by its creator");
        }
        if (!org.parley.delivery.crypto.Ed25519Sig.verify(next.signer(), Bytes.concat(CONTEXT, Bytes.wrap(body(next))), next.signature())) {
            throw ParleyException.protocol("group state: bad signature");
        }
    }

    /**
     * Whether {@code next} is {@code held}'s group (same id and creator, the id derived from the
     * creator) and carries a valid signature by its own {@code signer} — everything {@link #verify}
     * checks except that the signer is an admin of {@code held}. For a state whose signer may become
     * an admin by a version still on its way; never a reason to apply it.
     */
    public static boolean signedBySigner(GroupState next, GroupState held) {
        try {
            checkShape(next);
        } catch (ParleyException e) {
            return false;
        }
        return groupId(next.creator(), next.salt()).equals(next.groupId()) && held.groupId().equals(next.groupId())
                && held.creator().equals(next.creator()) && next.signature().length() == 64
                && org.parley.delivery.crypto.Ed25519Sig.verify(next.signer(), Bytes.concat(CONTEXT, Bytes.wrap(body(next))), next.signature());
    }

    /** Limits that need no key: sizes, versions, distinct members, the creator an admin member. MALFORMED_INPUT otherwise. */
    static void checkShape(GroupState s) {
        if (s.groupId().length() != ID_SIZE || s.salt().length() != SALT_SIZE) throw ParleyException.malformed("group id and salt are 16 bytes");
        if (s.version() < 1 || s.version() > Long.MAX_VALUE / 2) throw ParleyException.malformed("group version out of range");
        if (s.name().getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) throw ParleyException.malformed("group name too long");
        if (s.members().isEmpty() || s.members().size() > MAX_MEMBERS) throw ParleyException.malformed("group size");
        if (s.signer().length() != 32) throw ParleyException.malformed("group signer is a 32-byte key");
        if (!s.signature().isEmpty() && s.signature().length() != 64) throw ParleyException.malformed("group signature is 64 bytes");
        Set<Bytes> seen = new HashSet<>();
        for (GroupState.Member m : s.members()) {
            if (m.addedAt() < 1 || m.addedAt() > s.version()) throw ParleyException.malformed("group member added at a version out of range");
            if (!seen.add(m.key().signingKey())) throw ParleyException.malformed("group member listed twice");
        }
        if (s.find(s.creator()).filter(GroupState.Member::admin).isEmpty()) throw ParleyException.malformed("the creator is not an admin member");
    }

    private static byte[] body(GroupState s) {
        WireWriter w = new WireWriter(256 + 137 * s.members().size()).u8(FORMAT).raw(s.groupId());
        s.creator().write(w);
        w.raw(s.salt()).u64(s.version()).bytes16(Bytes.wrap(s.name().getBytes(StandardCharsets.UTF_8))).u16(s.members().size());
        for (GroupState.Member m : s.members()) {
            m.key().write(w);
            w.u64(m.addedAt()).u8(m.admin() ? 1 : 0);
        }
        return w.raw(s.signer()).toArray();
    }

    private static String utf8(Bytes b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b.toArray())).toString();
        } catch (CharacterCodingException e) {
            throw ParleyException.malformed("group name is not valid UTF-8");
        }
    }
}
