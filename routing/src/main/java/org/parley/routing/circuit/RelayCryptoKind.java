package org.parley.routing.circuit;

import org.parley.core.Bytes;
import org.parley.routing.cell.RelayCellFormat;
import org.parley.routing.crypto.CgoOnion;
import org.parley.routing.crypto.ClientOnion;
import org.parley.routing.crypto.RelayOnion;
import org.parley.routing.crypto.Tor1ClientCrypto;
import org.parley.routing.crypto.Tor1Keys;
import org.parley.routing.crypto.Tor1RelayCrypto;

/**
 * The relay-cell crypto of a circuit, negotiated per hop in the ntor v3 messages (extension
 * {@link HandshakeExtensions#RELAY_CRYPTO}): tor1 (AES-CTR + running SHA-1 digest) or CGO
 * (proposal 359, tagging-resistant).
 */
public enum RelayCryptoKind {
    TOR1(1, Tor1Keys.SEED_LEN, RelayCellFormat.TOR1),
    CGO(2, CgoOnion.SEED_LEN, RelayCellFormat.CGO);

    private final int code;
    private final int seedLen;
    private final RelayCellFormat format;

    RelayCryptoKind(int code, int seedLen, RelayCellFormat format) {
        this.code = code;
        this.seedLen = seedLen;
        this.format = format;
    }

    public int code() {
        return code;
    }

    public int seedLen() {
        return seedLen;
    }

    public RelayCellFormat format() {
        return format;
    }

    /** @return the kind, or null if unknown */
    public static RelayCryptoKind fromCode(int code) {
        for (RelayCryptoKind k : values()) {
            if (k.code == code) return k;
        }
        return null;
    }

    ClientOnion newClient() {
        return this == TOR1 ? new Tor1ClientCrypto() : new CgoOnion.Client();
    }

    RelayOnion newRelay(Bytes seed) {
        return this == TOR1 ? new Tor1RelayCrypto(Tor1Keys.fromKeyStream(seed)) : new CgoOnion.Relay(seed);
    }

    /** The value both ends know that binds proofs to this hop (tor1: KH; CGO: the 20-byte binding). */
    Bytes binding(Bytes seed) {
        return this == TOR1 ? Tor1Keys.fromKeyStream(seed).kh() : CgoOnion.binding(seed);
    }
}
