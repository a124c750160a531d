package org.parley.routing.circuit;

import java.util.ArrayList;
import java.util.List;

/**
 * The circuits of one link by circuit id: an open-addressing hash table with {@code int} keys, so a
 * relayed cell's lookup boxes no {@code Integer} (circuit ids are random, outside the small-integer
 * cache). Linear probing, deletion by backward shift, load factor at most 1/2. Any id, 0 included,
 * may be a key. Single-threaded, like its {@link CircuitSwitch}.
 */
final class CircuitTable<V> {
    private int[] keys;
    private Object[] values;
    private int size;

    CircuitTable() {
        this(16);
    }

    CircuitTable(int capacity) {
        int n = Integer.highestOneBit(Math.max(4, capacity - 1)) << 1;
        keys = new int[n];
        values = new Object[n];
    }

    int size() {
        return size;
    }

    /** The value under {@code key}, or null. */
    @SuppressWarnings("unchecked")
    V get(int key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) return null;
            if (keys[i] == key) return (V) v;
        }
    }

    boolean containsKey(int key) {
        return get(key) != null;
    }

    /** Puts {@code value} under {@code key} unless a value is there; returns the value that was there, or null. */
    V putIfAbsent(int key, V value) {
        if (value == null) throw new NullPointerException("value");
        V old = get(key);
        if (old != null) return old;
        if ((size + 1) * 2 > keys.length) grow();
        insert(key, value);
        size++;
        return null;
    }

    /** Removes the value under {@code key}; returns it, or null. */
    @SuppressWarnings("unchecked")
    V remove(int key) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (true) {
            Object v = values[i];
            if (v == null) return null;
            if (keys[i] == key) break;
            i = (i + 1) & mask;
        }
        V removed = (V) values[i];
        // backward shift: move later entries of the probe run into the hole where their probe allows
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            // entry j may move to the hole unless its home lies cyclically in (hole, j]
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = null;
        keys[hole] = 0;
        size--;
        return removed;
    }

    /** A snapshot of the values (safe to iterate while the table changes). */
    @SuppressWarnings("unchecked")
    List<V> values() {
        List<V> out = new ArrayList<>(size);
        for (Object v : values) {
            if (v != null) out.add((V) v);
        }
        return out;
    }

    private void insert(int key, Object value) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (values[i] != null) i = (i + 1) & mask;
        keys[i] = key;
        values[i] = value;
    }

    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) insert(oldKeys[i], oldValues[i]);
        }
    }

    private static int slot(int key, int mask) {
        int h = key * 0x9E3779B9; // Fibonacci hashing: spreads ids that differ only in high bits
        return (h ^ (h >>> 16)) & mask;
    }
}
