package org.parley.verticles.routing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.identity.NodeId;
import org.parley.routing.path.GuardStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FileGuardStoreTest {
    static final NodeId A = NodeId.fromHex("aa".repeat(32)), B = NodeId.fromHex("bb".repeat(32));

    @Test
    void entriesSurviveARestartAndDamagedLinesAreSkipped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("guards");
        List<GuardStore.Entry> entries = List.of(new GuardStore.Entry(A, 1, 2, 0, 3, 4), new GuardStore.Entry(B, 5, 6, 7, 0, 0));
        new FileGuardStore(file).save(entries);
        assertThat(new FileGuardStore(file).load()).isEqualTo(entries);

        Files.writeString(file, "aa".repeat(32) + "\nnot a guard\n" + "bb".repeat(32) + " 1 2 x 4 5\n" + "bb".repeat(32) + " 1 -2 3 4 5\n");
        // the older one-id-per-line format loads without a lifetime (the selector gives it one); damaged lines are skipped
        assertThat(new FileGuardStore(file).load()).containsExactly(new GuardStore.Entry(A, 0, 0, 0, 0, 0));
    }
}
