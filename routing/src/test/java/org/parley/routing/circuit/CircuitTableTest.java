package org.parley.routing.circuit;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitTableTest {

    @Test
    void agreesWithAHashMapUnderRandomPutsAndRemoves() {
        Random rnd = new Random(42);
        CircuitTable<String> table = new CircuitTable<>(4);
        Map<Integer, String> ref = new HashMap<>();
        // few distinct keys, so removals hit long probe runs; 0 and negative ids included
        int[] pool = new int[300];
        for (int i = 0; i < pool.length; i++) pool[i] = i < 3 ? new int[] {0, -1, Integer.MIN_VALUE}[i] : rnd.nextInt();
        for (int step = 0; step < 200_000; step++) {
            int key = pool[rnd.nextInt(pool.length)];
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    String v = "v" + step;
                    assertThat(table.putIfAbsent(key, v)).isEqualTo(ref.putIfAbsent(key, v));
                }
                case 1 -> assertThat(table.remove(key)).isEqualTo(ref.remove(key));
                default -> assertThat(table.get(key)).isEqualTo(ref.get(key));
            }
            assertThat(table.size()).isEqualTo(ref.size());
        }
        for (int key : pool) {
            assertThat(table.get(key)).isEqualTo(ref.get(key));
            assertThat(table.containsKey(key)).isEqualTo(ref.containsKey(key));
        }
        assertThat(new HashSet<>(table.values())).isEqualTo(new HashSet<>(ref.values()));
    }

    @Test
    void keysThatShareASlotSurviveTheRemovalOfAnyOfThem() {
        // ids that differ only above the mask collide after hashing often enough; check every removal order
        CircuitTable<Integer> table = new CircuitTable<>(4);
        int[] keys = new int[64];
        for (int i = 0; i < keys.length; i++) keys[i] = 0x80000000 | (i << 20);
        for (int k : keys) assertThat(table.putIfAbsent(k, k)).isNull();
        for (int i = 0; i < keys.length; i += 2) assertThat(table.remove(keys[i])).isEqualTo(keys[i]);
        for (int i = 0; i < keys.length; i++) {
            assertThat(table.get(keys[i])).isEqualTo(i % 2 == 0 ? null : keys[i]);
        }
        assertThat(table.size()).isEqualTo(32);
        assertThat(table.putIfAbsent(keys[1], -1)).isEqualTo(keys[1]);
    }
}
