package org.parley.verticles.routing;

import org.parley.core.identity.NodeId;
import org.parley.routing.path.GuardStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** The primary guards, one node id per line in {@code <data-dir>/guards}, written atomically. */
public final class FileGuardStore implements GuardStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileGuardStore.class);
    private final Path file;

    public FileGuardStore(Path file) {
        this.file = file;
    }

    @Override
    public List<NodeId> load() {
        List<NodeId> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        try {
            for (String line : Files.readAllLines(file)) {
                String l = line.trim();
                if (l.length() == 2 * NodeId.LENGTH) {
                    try {
                        out.add(NodeId.fromHex(l));
                    } catch (RuntimeException e) {
                        LOG.warn("ignoring a damaged line in {}", file);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read guards from {}: {}", file, e.getMessage());
        }
        return out;
    }

    @Override
    public void save(List<NodeId> guards) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, guards.stream().map(NodeId::hex).toList());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("cannot save guards to {}: {}", file, e.getMessage());
        }
    }
}
