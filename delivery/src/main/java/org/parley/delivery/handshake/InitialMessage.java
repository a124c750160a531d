package org.parley.delivery.handshake;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.MlKem;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.util.OptionalLong;

/**
 * The initiator's PQXDH initial message (spec §3.3) minus the first ciphertext, which follows
 * it in a {@link org.parley.delivery.ratchet.SessionMessage.PreKey}. Layout:
 * {@code version u8 = 1 | IK_A (128) | EK_A (32) | SPK id u32 | PQSPK id u32 | CT (1088) | opk flag u8 [| OPK id u32]}.
 */
public record InitialMessage(IdentityKey identity, Bytes ephemeralKey, long signedPreKeyId, long kemPreKeyId,
                             Bytes kemCiphertext, OptionalLong oneTimePreKeyId) {
    public static final int VERSION = 1;

    public InitialMessage {
        if (ephemeralKey.length() != 32 || kemCiphertext.length() != MlKem.CIPHERTEXT_SIZE) {
            throw ParleyException.malformed("initial message has wrong field sizes");
        }
    }

    public Bytes encode() {
        WireWriter w = new WireWriter(1300).u8(VERSION);
        identity.write(w);
        w.raw(ephemeralKey).u32(signedPreKeyId).u32(kemPreKeyId).raw(kemCiphertext);
        if (oneTimePreKeyId.isPresent()) {
            w.u8(1).u32(oneTimePreKeyId.getAsLong());
        } else {
            w.u8(0);
        }
        return w.toBytes();
    }

    public static InitialMessage decode(Bytes b) {
        WireReader r = new WireReader(b.toArray(), "PQXDH initial message");
        int v = r.u8();
        if (v != VERSION) throw ParleyException.malformed("PQXDH initial message version " + v);
        IdentityKey ik = IdentityKey.read(r);
        Bytes ek = r.raw(32);
        long spk = r.u32();
        long kem = r.u32();
        Bytes ct = r.raw(MlKem.CIPHERTEXT_SIZE);
        int flag = r.u8();
        OptionalLong opk = switch (flag) {
            case 0 -> OptionalLong.empty();
            case 1 -> OptionalLong.of(r.u32());
            default -> throw ParleyException.malformed("PQXDH initial message: bad one-time prekey flag " + flag);
        };
        r.expectEnd();
        return new InitialMessage(ik, ek, spk, kem, ct, opk);
    }
}
