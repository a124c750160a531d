package org.parley.delivery.envelope;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.Arrays;

/**
 * Pads plaintexts to size buckets so ciphertext length tells only the bucket: content, then
 * 0x80, then zeros (ISO/IEC 7816-4, as Signal pads). Buckets: 256, 1024, 4096, 16384, 65536
 * bytes, then multiples of 65536.
 */
public final class Padding {
    private static final int[] BUCKETS = {256, 1024, 4096, 16384, 65536};
    private static final int LARGE_STEP = 65536;

    private Padding() {
    }

    /** The padded size for {@code contentLength} bytes of content (at least one byte of padding). */
    public static int bucket(int contentLength) {
        int needed = contentLength + 1;
        for (int b : BUCKETS) {
            if (needed <= b) return b;
        }
        long big = ((long) needed + LARGE_STEP - 1) / LARGE_STEP * LARGE_STEP;
        if (big > Integer.MAX_VALUE - 64) throw ParleyException.limit("message too large to pad");
        return (int) big;
    }

    public static byte[] pad(Bytes content) {
        byte[] out = new byte[bucket(content.length())];
        content.copyTo(out, 0);
        out[content.length()] = (byte) 0x80;
        return out;
    }

    public static Bytes unpad(byte[] padded) {
        int i = padded.length - 1;
        while (i >= 0 && padded[i] == 0) i--;
        if (i < 0 || padded[i] != (byte) 0x80) throw ParleyException.malformed("bad padding");
        return Bytes.wrap(Arrays.copyOf(padded, i));
    }
}
