package org.parley.delivery.envelope;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

/** Stateless codec: {@code version u8 = 1 | inbox id (32) | sealed (rest)}. */
public final class EnvelopeCodec {
    public static final int VERSION = 1;
    public static final int MAX_SEALED = (1 << 20) + 8192;

    private EnvelopeCodec() {
    }

    public static Bytes encode(Envelope e) {
        return new WireWriter(33 + e.sealed().length()).u8(VERSION).raw(e.inbox().value()).raw(e.sealed()).toBytes();
    }

    public static Envelope decode(Bytes b) {
        WireReader r = new WireReader(b.toArray(), "envelope");
        int v = r.u8();
        if (v != VERSION) throw ParleyException.malformed("envelope version " + v);
        InboxId inbox = new InboxId(r.raw(InboxId.SIZE));
        if (r.remaining() == 0) throw ParleyException.malformed("envelope without ciphertext");
        if (r.remaining() > MAX_SEALED) throw ParleyException.limit("envelope larger than " + MAX_SEALED + " bytes");
        return new Envelope(inbox, r.rest());
    }
}
