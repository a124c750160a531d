package org.parley.delivery.attachment;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChunkCipherTest {
    private static final Random RND = new Random(5);

    static Bytes random(int n) {
        byte[] b = new byte[n];
        RND.nextBytes(b);
        return Bytes.wrap(b);
    }

    static Bytes digest(Bytes file) {
        return Bytes.wrap(ChunkCipher.sha256().digest(file.toArray()));
    }

    @Test
    void filesOfEverySizeRoundTripChunkByChunk() {
        Bytes key = random(32);
        for (int size : new int[]{0, 1, ChunkCipher.CHUNK - 1, ChunkCipher.CHUNK, ChunkCipher.CHUNK + 1, 3 * ChunkCipher.CHUNK - 5}) {
            Bytes file = random(size);
            List<Bytes> chunks = ChunkCipher.sealAll(key, file);
            assertThat(chunks).hasSize(ChunkCipher.chunkCount(size));
            assertThat(ChunkCipher.openAll(key, chunks, size, digest(file))).isEqualTo(file);
        }
    }

    @Test
    void reorderedTruncatedExtendedOrFlippedChunksAreRejected() {
        Bytes key = random(32);
        Bytes file = random(4 * ChunkCipher.CHUNK + 100);
        Bytes d = digest(file);
        List<Bytes> chunks = ChunkCipher.sealAll(key, file);

        List<Bytes> swapped = new ArrayList<>(chunks);
        Collections.swap(swapped, 1, 2);
        assertRejected(() -> ChunkCipher.openAll(key, swapped, file.length(), d));

        // cut after chunk 3: chunk 3 was not sealed as last, so it does not open as last (even with a matching size claim)
        List<Bytes> cut = chunks.subList(0, 4);
        assertRejected(() -> ChunkCipher.openAll(key, cut, 4L * ChunkCipher.CHUNK, d));
        assertRejected(() -> ChunkCipher.openAll(key, cut, file.length(), d));

        List<Bytes> longer = new ArrayList<>(chunks);
        longer.add(chunks.get(4));
        assertRejected(() -> ChunkCipher.openAll(key, longer, file.length() + ChunkCipher.CHUNK, d));

        byte[] flipped = chunks.get(2).toArray();
        flipped[100] ^= 1;
        List<Bytes> tampered = new ArrayList<>(chunks);
        tampered.set(2, Bytes.wrap(flipped));
        assertRejected(() -> ChunkCipher.openAll(key, tampered, file.length(), d));

        // a chunk of another file under another key
        List<Bytes> foreign = new ArrayList<>(chunks);
        foreign.set(0, ChunkCipher.sealAll(random(32), random(ChunkCipher.CHUNK * 2)).get(0));
        assertRejected(() -> ChunkCipher.openAll(key, foreign, file.length(), d));

        // right chunks, wrong digest or size
        assertRejected(() -> ChunkCipher.openAll(key, chunks, file.length(), random(32)));
        assertRejected(() -> ChunkCipher.openAll(key, chunks, file.length() - 1, d));
        // and the untouched file still opens
        assertThat(ChunkCipher.openAll(key, chunks, file.length(), d)).isEqualTo(file);
    }

    @Test
    void aChunkOpensOnlyAtItsIndexWithItsLastFlag() {
        Bytes key = random(32);
        Bytes c = ChunkCipher.seal(key, 7, false, random(ChunkCipher.CHUNK));
        assertThat(ChunkCipher.open(key, 7, false, c).length()).isEqualTo(ChunkCipher.CHUNK);
        assertRejected(() -> ChunkCipher.open(key, 8, false, c));
        assertRejected(() -> ChunkCipher.open(key, 7, true, c));
        assertThatThrownBy(() -> ChunkCipher.seal(key, 0, false, random(10))).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> ChunkCipher.seal(random(16), 0, true, random(10))).isInstanceOf(ParleyException.class);
    }

    @Test
    void everyChunkBodyHasOneSizeAndBadBodiesFailAsParleyExceptions() {
        Bytes key = random(32);
        Bytes id = random(16);
        Bytes full = AttachmentCodec.encodeChunk(new AttachmentCodec.Chunk(id, 0, ChunkCipher.seal(key, 0, false, random(ChunkCipher.CHUNK))));
        Bytes tiny = AttachmentCodec.encodeChunk(new AttachmentCodec.Chunk(id, 1, ChunkCipher.seal(key, 1, true, random(3))));
        assertThat(full.length()).isEqualTo(tiny.length()).isEqualTo(AttachmentCodec.CHUNK_BODY);
        AttachmentCodec.Chunk back = AttachmentCodec.decodeChunk(tiny);
        assertThat(back.index()).isEqualTo(1);
        assertThat(ChunkCipher.open(key, 1, true, back.ciphertext()).length()).isEqualTo(3);

        byte[] dirty = tiny.toArray();
        dirty[dirty.length - 1] = 1;
        assertThatThrownBy(() -> AttachmentCodec.decodeChunk(Bytes.wrap(dirty))).isInstanceOf(ParleyException.class);
        for (int i = 0; i < 300; i++) {
            Bytes junk = random(RND.nextInt(200));
            try {
                AttachmentCodec.decodeChunk(junk);
            } catch (ParleyException expected) {
                // fine
            }
            try {
                AttachmentCodec.decodeMessage(junk);
            } catch (ParleyException expected) {
                // fine
            }
        }
        AttachmentRef ref = new AttachmentRef(id, key, random(32), 5, 1, "text/plain", "a.txt");
        AttachmentCodec.Message m = AttachmentCodec.decodeMessage(AttachmentCodec.encodeMessage(new AttachmentCodec.Message(Bytes.EMPTY, "hi", List.of(ref))));
        assertThat(m.refs()).containsExactly(ref);
        assertThat(m.text()).isEqualTo("hi");
        assertThatThrownBy(() -> new AttachmentRef(id, key, random(32), 5, 2, "t", "n").validate(1 << 20))
                .isInstanceOf(ParleyException.class).hasMessageContaining("chunk count");
        assertThatThrownBy(() -> ref.validate(4)).isInstanceOf(ParleyException.class);
    }

    private static void assertRejected(org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
        assertThatThrownBy(c).isInstanceOf(ParleyException.class)
                .matches(e -> ((ParleyException) e).kind() == ParleyException.Kind.PROTOCOL_VIOLATION, "a protocol violation");
    }
}
