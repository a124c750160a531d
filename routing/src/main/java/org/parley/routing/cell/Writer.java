package org.parley.routing.cell;

import org.parley.core.Bytes;

import java.io.ByteArrayOutputStream;

/** Big-endian writer. Package-private. */
final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

    Writer u8(int v) {
        out.write(v);
        return this;
    }

    Writer u16(int v) {
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    Writer u32(long v) {
        out.write((int) (v >>> 24));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 8));
        out.write((int) v);
        return this;
    }

    Writer bytes(Bytes b) {
        out.writeBytes(b.toArray());
        return this;
    }

    int size() {
        return out.size();
    }

    Bytes toBytes() {
        return Bytes.wrap(out.toByteArray());
    }
}
