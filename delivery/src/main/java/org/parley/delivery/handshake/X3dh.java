package org.parley.delivery.handshake;

import org.parley.core.Bytes;
import org.parley.delivery.crypto.Dh;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The DH part of X3DH/PQXDH (signal.org X3DH §3.3, PQXDH §3.3): the key material
 * {@code DH1 | DH2 | DH3 [| DH4] [| SS]} that {@link org.parley.delivery.ratchet.KeySchedule#handshake}
 * turns into the session's first keys. Both roles produce the same bytes.
 */
public final class X3dh {
    private X3dh() {
    }

    /**
     * Alice: DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B),
     * DH4 = DH(EK_A, OPK_B) when a one-time prekey is used (else {@code oneTimePreKey} is null).
     */
    public static byte[] initiatorKeyMaterial(Bytes identityPrivate, Bytes ephemeralPrivate, Bytes theirIdentity,
                                              Bytes theirSignedPreKey, Bytes theirOneTimePreKey) {
        ByteArrayOutputStream km = new ByteArrayOutputStream(128);
        write(km, Dh.agree(identityPrivate, theirSignedPreKey));
        write(km, Dh.agree(ephemeralPrivate, theirIdentity));
        write(km, Dh.agree(ephemeralPrivate, theirSignedPreKey));
        if (theirOneTimePreKey != null) write(km, Dh.agree(ephemeralPrivate, theirOneTimePreKey));
        return km.toByteArray();
    }

    /** Bob: the same four values from his side. {@code oneTimePreKeyPrivate} is null when none was used. */
    public static byte[] responderKeyMaterial(Bytes identityPrivate, Bytes signedPreKeyPrivate,
                                              Bytes oneTimePreKeyPrivate, Bytes theirIdentity, Bytes theirEphemeral) {
        ByteArrayOutputStream km = new ByteArrayOutputStream(128);
        write(km, Dh.agree(signedPreKeyPrivate, theirIdentity));
        write(km, Dh.agree(identityPrivate, theirEphemeral));
        write(km, Dh.agree(signedPreKeyPrivate, theirEphemeral));
        if (oneTimePreKeyPrivate != null) write(km, Dh.agree(oneTimePreKeyPrivate, theirEphemeral));
        return km.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, byte[] dh) {
        out.writeBytes(dh);
        Arrays.fill(dh, (byte) 0);
    }
}
