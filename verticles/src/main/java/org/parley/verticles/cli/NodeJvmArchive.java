package org.parley.verticles.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A class-data sharing archive for the node JVMs of {@code testnet --processes}: a node JVM spends
 * about a third of its start-up CPU loading, parsing and verifying ~5,000 classes from the jar;
 * with the classes mapped from an archive it starts with ~1 s less CPU. One throw-away node run
 * writes the archive (while the seed starts); it is kept in {@code <data-dir>/.cds/}, named after
 * the JDK and the class path (each jar's path, size and modification time), so a later run on the
 * same jar starts every node with it. Only when the class path is all jar files (the shaded jar):
 * the JVM archives no classes from directories.
 */
final class NodeJvmArchive {
    private static final Logger LOG = LoggerFactory.getLogger(NodeJvmArchive.class);

    private NodeJvmArchive() {}

    /** The archive for this JDK and class path under {@code dataDir}, or null when the class path is not all jar files. */
    static Path path(Path dataDir, String classPath, String javaHome, String javaVersion) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((javaHome + "\n" + javaVersion + "\n").getBytes(StandardCharsets.UTF_8));
            if (classPath == null || classPath.isEmpty()) return null;
            for (String entry : classPath.split(File.pathSeparator)) {
                Path p = Path.of(entry).toAbsolutePath();
                if (!entry.endsWith(".jar") || !Files.isRegularFile(p)) return null;
                sha.update((p + "\n" + Files.size(p) + "\n" + Files.getLastModifiedTime(p).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return dataDir.resolve(".cds").resolve("node-" + HexFormat.of().formatHex(sha.digest()).substring(0, 16) + ".jsa");
        } catch (IOException | java.security.NoSuchAlgorithmException | java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /**
     * JVM options that send the JVM's own log lines (CDS warnings among them) to stderr: a node's
     * first stdout line is its start line, which the testnet parses.
     */
    static List<String> quietStdout() {
        return List.of("-Xlog:disable", "-Xlog:all=warning:stderr");
    }

    /**
     * Runs one throw-away node ({@code javaCmd} plus {@code -XX:ArchiveClassesAtExit}) until it
     * prints its start line, stops it and moves the archive it writes at exit to {@code jsa}.
     * Returns whether {@code jsa} exists afterwards; never throws (nodes then start without).
     */
    static boolean write(Path jsa, List<String> jvmOptions, List<String> mainAndArgs, Map<String, String> env, Path workDir, long timeoutMillis) {
        Path tmp = jsa.resolveSibling(jsa.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Process p = null;
        long start = System.currentTimeMillis();
        try {
            Files.createDirectories(workDir);
            List<String> cmd = new ArrayList<>(jvmOptions);
            cmd.addAll(quietStdout());
            cmd.add("-XX:ArchiveClassesAtExit=" + tmp);
            cmd.addAll(mainAndArgs);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(workDir.resolve("node.log").toFile());
            pb.environment().putAll(env);
            p = pb.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(timeoutMillis, TimeUnit.MILLISECONDS);
            p.destroy(); // SIGTERM: the node stops cleanly and the JVM writes the archive as it exits
            if (!p.waitFor(Math.max(1, timeoutMillis - (System.currentTimeMillis() - start)), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return false;
            }
            if (line == null || !line.startsWith("node ") || !Files.isRegularFile(tmp)) return false;
            Files.move(tmp, jsa, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("class-data sharing archive for node JVMs written in {} ms", System.currentTimeMillis() - start);
            return true;
        } catch (Exception e) {
            if (p != null) p.destroyForcibly();
            LOG.warn("no class-data sharing archive for node JVMs ({}); they start without", e.toString());
            return false;
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a stale temporary file is only disk space
            }
        }
    }
}
