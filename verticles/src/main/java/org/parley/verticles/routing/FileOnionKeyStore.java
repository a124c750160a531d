package org.parley.verticles.routing;

import org.parley.core.Bytes;
import org.parley.routing.crypto.OnionKeyRing;
import org.parley.verticles.node.DataFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A relay's onion keys in {@code <data-dir>/onion-keys} (mode 0600, like {@code identity.key}):
 * a header line, then {@code current <private hex> <since ms>}, {@code previous <private hex or -> <until ms>},
 * {@code rotations <n>}. Written atomically on every rotation. A damaged file is ignored (the ring
 * makes new keys and overwrites it); the keys themselves are never logged.
 */
public final class FileOnionKeyStore implements OnionKeyRing.Store {
    private static final Logger LOG = LoggerFactory.getLogger(FileOnionKeyStore.class);
    static final String HEADER = "parley-onion-keys v1";
    private final Path file;

    public FileOnionKeyStore(Path file) {
        this.file = file;
    }

    @Override
    public Optional<OnionKeyRing.Saved> load() {
        if (!Files.exists(file)) return Optional.empty();
        try {
            List<String> lines = Files.readAllLines(file);
            if (lines.size() < 4 || !lines.get(0).equals(HEADER)) throw new IllegalArgumentException("bad header or too short");
            String[] cur = field(lines.get(1), "current", 3);
            String[] prev = field(lines.get(2), "previous", 3);
            String[] rot = field(lines.get(3), "rotations", 2);
            Bytes current = Bytes.fromHex(cur[1]);
            Bytes previous = prev[1].equals("-") ? Bytes.EMPTY : Bytes.fromHex(prev[1]);
            if (current.length() != 32 || (!previous.isEmpty() && previous.length() != 32)) throw new IllegalArgumentException("bad key length");
            return Optional.of(new OnionKeyRing.Saved(current, Long.parseLong(cur[2]), previous, Long.parseLong(prev[2]), Long.parseLong(rot[1])));
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring a damaged onion key file {} (new keys will replace it): {}", file, e.getClass().getSimpleName());
            return Optional.empty();
        }
    }

    private static String[] field(String line, String name, int parts) {
        String[] f = line.trim().split("\\s+");
        if (f.length != parts || !f[0].equals(name)) throw new IllegalArgumentException("expected " + name);
        return f;
    }

    @Override
    public void save(OnionKeyRing.Saved k) {
        String text = HEADER + "\n"
                + "current " + k.current().hex() + " " + k.currentSince() + "\n"
                + "previous " + (k.previous().isEmpty() ? "-" : k.previous().hex()) + " " + k.previousUntil() + "\n"
                + "rotations " + k.rotations() + "\n";
        DataFiles.writeAtomically(file, text, true, LOG, "onion keys");
    }
}
