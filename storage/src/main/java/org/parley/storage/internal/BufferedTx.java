package org.parley.storage.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Tx} that buffers an operation's writes; reads fall through to an earlier layer
 * (the batch overlay, then the committed data). Engines apply {@link #writes()} only if the
 * operation returned normally.
 */
public final class BufferedTx implements Tx {
    /** Marks a deleted key in overlays. */
    public static final Object DELETED = new Object();

    /** A key in some column family, with content equality. */
    public record Key(Cf cf, ByteBuffer key) {
        public static Key of(Cf cf, byte[] key) {
            return new Key(cf, ByteBuffer.wrap(key));
        }
    }

    /** One buffered write; {@code value} null means delete. */
    public record Write(Cf cf, byte[] key, byte[] value) {
    }

    /** What lies beneath: returns a byte[] value, {@link #DELETED}, or null if unknown here. */
    @FunctionalInterface
    public interface Below {
        Object lookup(Cf cf, byte[] key);
    }

    private final Below below;
    private final KvEngine engine;
    private final Map<Key, Object> local = new HashMap<>();
    private final List<Write> writes = new ArrayList<>(4);
    private long bytes;

    public BufferedTx(Below below, KvEngine engine) {
        this.below = below;
        this.engine = engine;
    }

    @Override
    public byte[] get(Cf cf, byte[] key) {
        Object v = local.get(Key.of(cf, key));
        if (v == null) v = below.lookup(cf, key);
        return v instanceof byte[] b ? b : null;
    }

    @Override
    public void put(Cf cf, byte[] key, byte[] value) {
        local.put(Key.of(cf, key), value);
        writes.add(new Write(cf, key, value));
        bytes += key.length + value.length;
    }

    @Override
    public void delete(Cf cf, byte[] key) {
        local.put(Key.of(cf, key), DELETED);
        writes.add(new Write(cf, key, null));
        bytes += key.length;
    }

    @Override
    public void scanCommitted(Cf cf, byte[] from, byte[] to, KvEngine.Visitor visitor) {
        engine.scan(cf, from, to, false, visitor);
    }

    public List<Write> writes() {
        return writes;
    }

    public long bytesWritten() {
        return bytes;
    }
}
