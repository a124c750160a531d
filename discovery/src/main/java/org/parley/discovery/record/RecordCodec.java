package org.parley.discovery.record;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.discovery.internal.WireReader;
import org.parley.discovery.internal.WireWriter;

/**
 * Stateless codec for {@link SignedRecord}:
 * {@code kind u8 | key 32 | publisherKey 32 | version u64 | expiresAt u64 | payloadLen u16 | payload | signature 64}.
 */
public final class RecordCodec {
    /** Fixed part of an encoded record (everything but the payload). */
    public static final int OVERHEAD = 1 + 32 + 32 + 8 + 8 + 2 + 64;

    private RecordCodec() {
    }

    public static void encode(SignedRecord r, WireWriter w) {
        w.u8(r.kind().code()).bytes(r.key()).bytes(r.publisherKey()).u64(r.version()).u64(r.expiresAtMillis())
                .lengthPrefixed16(r.payload()).bytes(r.signature());
    }

    public static Bytes encode(SignedRecord r) {
        WireWriter w = new WireWriter(OVERHEAD + r.payload().length());
        encode(r, w);
        return w.toBytes();
    }

    public static int encodedLength(SignedRecord r) {
        return OVERHEAD + r.payload().length();
    }

    public static SignedRecord decode(WireReader r) {
        int code = r.u8("record kind");
        RecordKind kind = RecordKind.fromCode(code)
                .orElseThrow(() -> ParleyException.malformed("unknown record kind " + code));
        Bytes key = r.bytes(32, "record key");
        Bytes pub = r.bytes(32, "publisher key");
        long version = r.u64("record version");
        long expires = r.u64("record expiry");
        Bytes payload = r.lengthPrefixed16(0xffff, "record payload");
        Bytes sig = r.bytes(64, "record signature");
        return new SignedRecord(kind, key, pub, version, expires, payload, sig);
    }

    public static SignedRecord decode(Bytes bytes) {
        try {
            WireReader r = new WireReader(bytes);
            SignedRecord rec = decode(r);
            r.expectEnd("record");
            return rec;
        } catch (ParleyException e) {
            throw e.withContext("decoding DHT record");
        }
    }
}
