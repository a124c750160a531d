package org.parley.verticles.node;

import org.slf4j.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Small state files in the data directory (guards, peers, onion keys): read line by line with
 * damaged lines skipped, written whole and atomically (a temporary file moved over the old one), so
 * a crash leaves the old file or the new one, never half of one. Failures are logged, not thrown:
 * these files make a restart better, and a node runs without them.
 */
public final class DataFiles {
    private DataFiles() {
    }

    /** Every line {@code parse} accepts (null = damaged, skipped with a warning); none if the file is missing or unreadable. */
    public static <T> List<T> readLines(Path file, Function<String, T> parse, Logger log, String what) {
        List<T> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        try {
            for (String line : Files.readAllLines(file)) {
                T t = parse.apply(line.trim());
                if (t != null) out.add(t);
                else if (!line.isBlank()) log.warn("ignoring a damaged line in {}", file);
            }
        } catch (IOException e) {
            log.warn("cannot read {} from {}: {}", what, file, e.getMessage());
        }
        return out;
    }

    /** {@link #writeAtomically} of one line per entry. */
    public static void writeLines(Path file, List<String> lines, Logger log, String what) {
        writeAtomically(file, lines.isEmpty() ? "" : String.join("\n", lines) + "\n", false, log, what);
    }

    /** Replaces {@code file} with {@code text} atomically; {@code ownerOnly} creates it mode 0600 (where POSIX modes exist). */
    public static void writeAtomically(Path file, String text, boolean ownerOnly, Logger log, String what) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            if (ownerOnly) {
                try {
                    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException notPosix) {
                    Files.createFile(tmp);
                }
            }
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.warn("cannot save {} to {}: {}", what, file, e.getMessage());
        }
    }
}
