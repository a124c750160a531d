package org.parley.verticles.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;

/** Which class-data sharing archive a testnet's node JVMs use: one per JDK and exact jar contents' identity, none for directories. */
class NodeJvmArchiveTest {
    @Test
    void oneArchivePerJdkAndJarVersionUnderTheDataDir(@TempDir Path dir) throws Exception {
        Path jar = Files.write(dir.resolve("parley-all.jar"), new byte[]{1, 2, 3});
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_700_000_000_000L));
        Path data = dir.resolve("net");
        Path a = NodeJvmArchive.path(data, jar.toString(), "/jdk", "17.0.15");
        assertThat(a).isNotNull();
        assertThat(a.getParent()).isEqualTo(data.resolve(".cds"));
        assertThat(a.getFileName().toString()).matches("node-[0-9a-f]{16}\\.jsa");
        // same inputs, same archive: a second run reuses it
        assertThat(NodeJvmArchive.path(data, jar.toString(), "/jdk", "17.0.15")).isEqualTo(a);
        // another JDK, or a rebuilt jar (new size or time), gets another archive instead of a mismatched one
        assertThat(NodeJvmArchive.path(data, jar.toString(), "/jdk", "17.0.16")).isNotEqualTo(a);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_700_000_001_000L));
        Path touched = NodeJvmArchive.path(data, jar.toString(), "/jdk", "17.0.15");
        assertThat(touched).isNotNull().isNotEqualTo(a);
        Files.write(jar, new byte[]{1, 2, 3, 4});
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_700_000_001_000L));
        assertThat(NodeJvmArchive.path(data, jar.toString(), "/jdk", "17.0.15")).isNotNull().isNotEqualTo(touched);
    }

    @Test
    void noArchiveUnlessTheClassPathIsAllJarFiles(@TempDir Path dir) throws Exception {
        Path jar = Files.write(dir.resolve("a.jar"), new byte[]{1});
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertThat(NodeJvmArchive.path(dir, classes.toString(), "/jdk", "17")).isNull();
        assertThat(NodeJvmArchive.path(dir, jar + File.pathSeparator + classes, "/jdk", "17")).isNull();
        assertThat(NodeJvmArchive.path(dir, dir.resolve("missing.jar").toString(), "/jdk", "17")).isNull();
        assertThat(NodeJvmArchive.path(dir, "", "/jdk", "17")).isNull();
        assertThat(NodeJvmArchive.path(dir, jar.toString(), "/jdk", "17")).isNotNull();
    }
}
