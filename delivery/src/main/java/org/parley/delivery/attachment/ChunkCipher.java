package org.parley.delivery.attachment;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.crypto.Aead;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Chunked AEAD of one attachment, after the STREAM construction (Hoang, Reyhanitabar, Rogaway,
 * Vizár 2015): a fresh AES-256 key per file, the file cut into {@link #CHUNK}-byte pieces, chunk
 * {@code i} sealed with AES-256-GCM under the nonce {@code 0x00×7 | i (u32) | last (u8)}. A chunk
 * moved to another index, a chunk from another file, or a file cut short (no chunk sealed as last
 * where the pointer says the file ends) fails authentication. The digest (SHA-256 of the whole
 * plaintext) travels in the end-to-end message beside the key and is checked before anything is
 * shown.
 */
public final class ChunkCipher {
    /** Plaintext bytes per chunk (60 KiB: a chunk envelope fills the 64 KiB padding bucket). */
    public static final int CHUNK = 60 * 1024;
    public static final int KEY = 32;
    public static final int DIGEST = 32;
    /** At most this many chunks per file (about 3.75 GiB; the configured size limit is far lower). */
    public static final int MAX_CHUNKS = 1 << 16;
    private static final byte[] AAD = "parley attachment chunk v1".getBytes(StandardCharsets.US_ASCII);

    private ChunkCipher() {}

    /** Chunks of a file of {@code size} bytes (an empty file is one empty final chunk). */
    public static int chunkCount(long size) {
        if (size < 0) throw ParleyException.malformed("negative attachment size");
        long n = Math.max(1, (size + CHUNK - 1) / CHUNK);
        if (n > MAX_CHUNKS) throw ParleyException.limit("attachment of " + size + " bytes has too many chunks");
        return (int) n;
    }

    public static Bytes seal(Bytes key, int index, boolean last, Bytes plaintext) {
        checkKey(key);
        if (plaintext.length() > CHUNK) throw ParleyException.malformed("chunk of " + plaintext.length() + " bytes");
        if (!last && plaintext.length() != CHUNK) throw ParleyException.malformed("only the last chunk may be short");
        return Bytes.wrap(Aead.gcmEncrypt(key.toArray(), nonce(index, last), AAD, plaintext.toArray()));
    }

    /** Opens chunk {@code index}; PROTOCOL_VIOLATION if it does not authenticate at that index with that last flag. */
    public static Bytes open(Bytes key, int index, boolean last, Bytes ciphertext) {
        checkKey(key);
        if (ciphertext.length() > CHUNK + Aead.GCM_TAG) throw ParleyException.malformed("chunk ciphertext too long");
        byte[] ct = ciphertext.toArray();
        Bytes pt = Bytes.wrap(Aead.gcmDecrypt(key.toArray(), nonce(index, last), AAD, ct, 0, ct.length));
        if (!last && pt.length() != CHUNK) throw ParleyException.protocol("a chunk before the last is short");
        return pt;
    }

    /** Seals a whole file (tests, small files): its chunks in order. */
    public static List<Bytes> sealAll(Bytes key, Bytes file) {
        int n = chunkCount(file.length());
        List<Bytes> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int from = i * CHUNK;
            out.add(seal(key, i, i == n - 1, file.slice(from, Math.min(file.length(), from + CHUNK))));
        }
        return out;
    }

    /**
     * Opens every chunk in order and checks the count, the last flag, the size and the digest;
     * PROTOCOL_VIOLATION on any mismatch. Nothing of the file is returned unless all of it checks.
     */
    public static Bytes openAll(Bytes key, List<Bytes> chunks, long size, Bytes digest) {
        if (chunks.size() != chunkCount(size)) throw ParleyException.protocol("attachment has " + chunks.size() + " chunks, expected " + chunkCount(size));
        Verifier v = new Verifier(key, chunks.size(), size, digest);
        ByteBuffer out = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, size));
        for (int i = 0; i < chunks.size(); i++) out.put(v.next(chunks.get(i)).toArray());
        v.finish();
        return Bytes.wrap(out.array());
    }

    /** Opens chunks one by one in order, and at the end checks size and digest. */
    public static final class Verifier {
        private final Bytes key;
        private final int count;
        private final long size;
        private final Bytes digest;
        private final MessageDigest sha = sha256();
        private int index;
        private long seen;

        public Verifier(Bytes key, int count, long size, Bytes digest) {
            this.key = key;
            this.count = count;
            this.size = size;
            this.digest = digest;
        }

        public Bytes next(Bytes ciphertext) {
            if (index >= count) throw ParleyException.protocol("more chunks than the attachment has");
            Bytes pt = open(key, index, index == count - 1, ciphertext);
            index++;
            seen += pt.length();
            if (seen > size) throw ParleyException.protocol("attachment longer than its stated size");
            sha.update(pt.toArray());
            return pt;
        }

        public void finish() {
            if (index != count) throw ParleyException.protocol("attachment cut short at chunk " + index + " of " + count);
            if (seen != size) throw ParleyException.protocol("attachment size " + seen + " differs from the stated " + size);
            if (!Bytes.wrap(sha.digest()).constantTimeEquals(digest)) throw ParleyException.protocol("attachment digest mismatch");
        }
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ParleyException(ParleyException.Kind.INTERNAL, "SHA-256 missing", e);
        }
    }

    static byte[] nonce(int index, boolean last) {
        if (index < 0 || index >= MAX_CHUNKS) throw ParleyException.malformed("chunk index " + index);
        return ByteBuffer.allocate(Aead.GCM_NONCE).put(new byte[7]).putInt(index).put((byte) (last ? 1 : 0)).array();
    }

    private static void checkKey(Bytes key) {
        if (key.length() != KEY) throw ParleyException.malformed("attachment key must be 32 bytes");
    }
}
