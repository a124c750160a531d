package org.parley.routing.crypto;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

/**
 * One hop's "tor1" circuit keys, read from the handshake key stream in tor-spec order:
 * {@code Df (20) | Db (20) | Kf (16) | Kb (16) | KH (20)}.
 */
public record Tor1Keys(Bytes df, Bytes db, Bytes kf, Bytes kb, Bytes kh) {
    public static final int DIGEST_LEN = 20;
    public static final int KEY_LEN = 16;
    public static final int SEED_LEN = 2 * DIGEST_LEN + 2 * KEY_LEN + DIGEST_LEN;

    public Tor1Keys {
        if (df.length() != DIGEST_LEN || db.length() != DIGEST_LEN || kf.length() != KEY_LEN
                || kb.length() != KEY_LEN || kh.length() != DIGEST_LEN) {
            throw ParleyException.malformed("tor1 key lengths must be 20/20/16/16/20");
        }
    }

    /** Reads the first {@link #SEED_LEN} bytes of {@code keyStream}. */
    public static Tor1Keys fromKeyStream(Bytes keyStream) {
        if (keyStream.length() < SEED_LEN) {
            throw ParleyException.malformed("tor1 needs " + SEED_LEN + " key bytes, got " + keyStream.length());
        }
        int at = 0;
        Bytes df = keyStream.slice(at, at += DIGEST_LEN);
        Bytes db = keyStream.slice(at, at += DIGEST_LEN);
        Bytes kf = keyStream.slice(at, at += KEY_LEN);
        Bytes kb = keyStream.slice(at, at += KEY_LEN);
        Bytes kh = keyStream.slice(at, at + DIGEST_LEN);
        return new Tor1Keys(df, db, kf, kb, kh);
    }

    @Override
    public String toString() {
        return "Tor1Keys[secret]";
    }
}
