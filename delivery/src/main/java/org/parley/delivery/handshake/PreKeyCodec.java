package org.parley.delivery.handshake;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.MlKem;
import org.parley.delivery.crypto.X25519KeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

/**
 * Bytes for the private prekeys, so a durable {@link PreKeyStore} can keep them (encrypted at
 * rest). X25519: {@code 0x01 | private (32) | public (32)}; ML-KEM-768: {@code 0x02 | seed (64) | public (1184)}.
 */
public final class PreKeyCodec {
    private static final int TYPE_X25519 = 0x01;
    private static final int TYPE_MLKEM768 = 0x02;

    private PreKeyCodec() {
    }

    public static Bytes encode(X25519KeyPair kp) {
        return new WireWriter(65).u8(TYPE_X25519).raw(kp.privateKey()).raw(kp.publicKey()).toBytes();
    }

    public static X25519KeyPair decodeX25519(Bytes b) {
        WireReader r = new WireReader(b.toArray(), "X25519 prekey");
        expectType(r, TYPE_X25519);
        X25519KeyPair kp = new X25519KeyPair(r.raw(32), r.raw(32));
        r.expectEnd();
        if (!X25519KeyPair.fromPrivate(kp.privateKey()).publicKey().equals(kp.publicKey())) {
            throw ParleyException.malformed("X25519 prekey: public key does not match the private key");
        }
        return kp;
    }

    public static Bytes encode(MlKem.KeyPair kp) {
        return new WireWriter(1 + MlKem.PRIVATE_SEED_SIZE + MlKem.PUBLIC_KEY_SIZE).u8(TYPE_MLKEM768)
                .raw(kp.privateSeed()).raw(kp.publicKey()).toBytes();
    }

    public static MlKem.KeyPair decodeMlKem(Bytes b) {
        WireReader r = new WireReader(b.toArray(), "ML-KEM-768 prekey");
        expectType(r, TYPE_MLKEM768);
        MlKem.KeyPair kp = new MlKem.KeyPair(r.raw(MlKem.PRIVATE_SEED_SIZE), r.raw(MlKem.PUBLIC_KEY_SIZE));
        r.expectEnd();
        return kp;
    }

    private static void expectType(WireReader r, int type) {
        int t = r.u8();
        if (t != type) throw ParleyException.malformed("prekey type " + t + ", expected " + type);
    }
}
