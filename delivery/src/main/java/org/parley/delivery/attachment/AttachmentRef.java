package org.parley.delivery.attachment;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.nio.charset.StandardCharsets;

/**
 * What the recipient needs to fetch, decrypt and check one attachment; travels inside the
 * end-to-end message. {@code id} is the sender's random 16-byte attachment id (its chunks carry
 * it), {@code key} the file's AES-256 key, {@code digest} SHA-256 of the plaintext.
 */
public record AttachmentRef(Bytes id, Bytes key, Bytes digest, long size, int chunks, String mime, String name) {
    public static final int ID = 16;
    public static final int MAX_NAME_BYTES = 255;
    public static final int MAX_MIME_BYTES = 127;

    /** Decode, then validate: lengths, the chunk count against the size, name and type limits. */
    public AttachmentRef validate(long maxSize) {
        if (id.length() != ID) throw ParleyException.protocol("attachment id must be 16 bytes");
        if (key.length() != ChunkCipher.KEY) throw ParleyException.protocol("attachment key must be 32 bytes");
        if (digest.length() != ChunkCipher.DIGEST) throw ParleyException.protocol("attachment digest must be 32 bytes");
        if (size < 0 || size > maxSize) throw ParleyException.protocol("attachment size " + size + " out of range");
        if (chunks != ChunkCipher.chunkCount(size)) throw ParleyException.protocol("attachment chunk count does not match its size");
        if (mime.getBytes(StandardCharsets.UTF_8).length > MAX_MIME_BYTES) throw ParleyException.protocol("content type too long");
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) throw ParleyException.protocol("file name too long");
        return this;
    }
}
