package org.parley.storage.internal;

/**
 * The view an {@link Op} gets on the committer thread: reads see the store as it will be after
 * every earlier operation of the same batch; writes are buffered and reach the database only if
 * the operation returns normally, all in one synced batch.
 */
public interface Tx {
    /** Raw (possibly sealed) value, or null. */
    byte[] get(Cf cf, byte[] key);

    void put(Cf cf, byte[] key, byte[] value);

    void delete(Cf cf, byte[] key);

    /**
     * Visits committed entries with {@code from <= key < to} in key order (writes of the current
     * batch are not seen) until the visitor returns false.
     */
    void scanCommitted(Cf cf, byte[] from, byte[] to, KvEngine.Visitor visitor);
}
