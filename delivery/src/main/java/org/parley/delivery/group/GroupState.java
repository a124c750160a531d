package org.parley.delivery.group;

import org.parley.core.Bytes;
import org.parley.delivery.identity.IdentityKey;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A group as its admins publish it: id, creator (the first admin; the id is derived from the
 * creator's key and {@code salt}), a version that grows with every change, the name and the full
 * member list, signed by one admin ({@code signer}, an Ed25519 signing key). Recipients keep the
 * newest state they verified and apply a state only if its version is higher, so states arriving in
 * any order end at the admin's latest one. Encoded and verified by {@link GroupStateCodec}.
 *
 * <p>{@link Member#addedAt} is the version at which the member was (last) added: a member's leave,
 * made when it held version {@code b}, keeps it out of every state whose {@code addedAt <= b} (a
 * state the admin issued before it saw the leave), while a later re-add ({@code addedAt > b}) counts.
 */
public record GroupState(Bytes groupId, IdentityKey creator, Bytes salt, long version, String name, List<Member> members,
                         Bytes signer, Bytes signature) {
    public GroupState {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(creator, "creator");
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(signature, "signature");
        members = List.copyOf(members);
    }

    /** One member: its identity key, the version that added it, and whether it is an admin. */
    public record Member(IdentityKey key, long addedAt, boolean admin) {
        public Member {
            Objects.requireNonNull(key, "key");
        }
    }

    public Optional<Member> find(IdentityKey key) {
        return members.stream().filter(m -> m.key().equals(key)).findFirst();
    }

    public boolean isAdmin(Bytes signingKey) {
        return members.stream().anyMatch(m -> m.admin() && m.key().signingKey().equals(signingKey));
    }

    public List<Member> admins() {
        return members.stream().filter(Member::admin).toList();
    }
}
