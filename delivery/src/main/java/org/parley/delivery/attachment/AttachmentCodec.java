package org.parley.delivery.attachment;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.Aead;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Bodies of the two inner message types that carry attachments (both decode as
 * {@code InnerMessage.Unrecognized} in older versions, which ignore them):
 * <ul>
 *   <li>message ({@link #MESSAGE_TYPE}): {@code groupId16 (empty for a direct chat) | text32 | u8 count | refs},
 *       a ref = {@code id (16) | key (32) | digest (32) | size u64 | chunks u32 | mime16 | name16};</li>
 *   <li>chunk ({@link #CHUNK_TYPE}): {@code id (16) | index u32 | ciphertext32 | zero filler} — the filler makes
 *       every chunk body {@link #CHUNK_BODY} bytes, so the last chunk's envelope is as large as the others.</li>
 * </ul>
 * Stateless; decoding checks structure, {@link AttachmentRef#validate} the limits.
 */
public final class AttachmentCodec {
    public static final int MESSAGE_TYPE = 0x72;
    public static final int CHUNK_TYPE = 0x73;
    public static final int MAX_PER_MESSAGE = 8;
    /** Every chunk body has exactly this length. */
    public static final int CHUNK_BODY = AttachmentRef.ID + 4 + 4 + ChunkCipher.CHUNK + Aead.GCM_TAG;
    private static final int MAX_TEXT = 64 * 1024;

    private AttachmentCodec() {}

    public record Message(Bytes groupId, String text, List<AttachmentRef> refs) {
        public Message {
            refs = List.copyOf(refs);
        }
    }

    public record Chunk(Bytes id, int index, Bytes ciphertext) {}

    public static Bytes encodeMessage(Message m) {
        if (m.refs().isEmpty() || m.refs().size() > MAX_PER_MESSAGE) throw ParleyException.malformed("1.." + MAX_PER_MESSAGE + " attachments per message");
        WireWriter w = new WireWriter(256).bytes16(m.groupId()).bytes32(utf8(m.text())).u8(m.refs().size());
        for (AttachmentRef r : m.refs()) {
            w.raw(r.id()).raw(r.key()).raw(r.digest()).u64(r.size()).u32(r.chunks()).bytes16(utf8(r.mime())).bytes16(utf8(r.name()));
        }
        return w.toBytes();
    }

    public static Message decodeMessage(Bytes body) {
        WireReader r = new WireReader(body.toArray(), "attachment message");
        Bytes group = r.bytes16();
        String text = string(r.bytes32(MAX_TEXT));
        int n = r.u8();
        if (n < 1 || n > MAX_PER_MESSAGE) throw ParleyException.malformed("attachment count " + n);
        List<AttachmentRef> refs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Bytes id = r.raw(AttachmentRef.ID), key = r.raw(ChunkCipher.KEY), digest = r.raw(ChunkCipher.DIGEST);
            long size = r.u64();
            long chunks = r.u32();
            if (chunks > ChunkCipher.MAX_CHUNKS) throw ParleyException.malformed("attachment chunk count " + chunks);
            refs.add(new AttachmentRef(id, key, digest, size, (int) chunks, string(r.bytes16()), string(r.bytes16())));
        }
        r.expectEnd();
        return new Message(group, text, refs);
    }

    public static Bytes encodeChunk(Chunk c) {
        if (c.id().length() != AttachmentRef.ID) throw ParleyException.malformed("attachment id must be 16 bytes");
        if (c.ciphertext().length() > ChunkCipher.CHUNK + Aead.GCM_TAG) throw ParleyException.malformed("chunk too long");
        byte[] out = new byte[CHUNK_BODY];
        ByteBuffer.wrap(out).put(c.id().toArray()).putInt(c.index()).putInt(c.ciphertext().length()).put(c.ciphertext().toArray());
        return Bytes.wrap(out);
    }

    public static Chunk decodeChunk(Bytes body) {
        if (body.length() != CHUNK_BODY) throw ParleyException.malformed("chunk body of " + body.length() + " bytes");
        WireReader r = new WireReader(body.toArray(), "attachment chunk");
        Bytes id = r.raw(AttachmentRef.ID);
        long index = r.u32();
        if (index >= ChunkCipher.MAX_CHUNKS) throw ParleyException.malformed("chunk index " + index);
        Bytes ct = r.bytes32(ChunkCipher.CHUNK + Aead.GCM_TAG);
        if (ct.length() < Aead.GCM_TAG) throw ParleyException.malformed("chunk ciphertext shorter than its tag");
        Bytes filler = r.rest();
        for (int i = 0; i < filler.length(); i++) {
            if (filler.get(i) != 0) throw ParleyException.malformed("chunk filler is not zero");
        }
        return new Chunk(id, (int) index, ct);
    }

    static Bytes utf8(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String string(Bytes b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b.toArray())).toString();
        } catch (CharacterCodingException e) {
            throw ParleyException.malformed("text is not valid UTF-8");
        }
    }
}
