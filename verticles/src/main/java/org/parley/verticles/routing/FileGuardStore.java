package org.parley.verticles.routing;

import org.parley.core.identity.NodeId;
import org.parley.routing.path.GuardStore;
import org.parley.verticles.node.DataFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * The sampled guards in {@code <data-dir>/guards}, one per line: node id (hex), added, expires,
 * unlisted since, unreachable since, last tried (epoch ms, 0 = not so); written atomically, read
 * once and then served from memory. A line holding only a node id (the older format) loads as an
 * entry without a lifetime, which the path selector gives one.
 */
public final class FileGuardStore implements GuardStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileGuardStore.class);
    private final Path file;
    private List<Entry> cached;

    public FileGuardStore(Path file) {
        this.file = file;
    }

    @Override
    public synchronized List<Entry> load() {
        if (cached == null) cached = List.copyOf(DataFiles.readLines(file, FileGuardStore::parse, LOG, "guards"));
        return cached;
    }

    static Entry parse(String line) {
        String[] f = line.split("\\s+");
        if (f.length == 0 || f[0].length() != 2 * NodeId.LENGTH) return null;
        try {
            NodeId id = NodeId.fromHex(f[0]);
            if (f.length == 1) return new Entry(id, 0, 0, 0, 0, 0);
            if (f.length != 6) return null;
            long[] t = new long[5];
            for (int i = 0; i < 5; i++) {
                t[i] = Long.parseLong(f[i + 1]);
                if (t[i] < 0) return null;
            }
            return new Entry(id, t[0], t[1], t[2], t[3], t[4]);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String format(Entry e) {
        return e.id().hex() + " " + e.addedAt() + " " + e.expiresAt() + " " + e.unlistedSince() + " " + e.unreachableSince()
                + " " + e.lastTriedAt();
    }

    @Override
    public synchronized void save(List<Entry> guards) {
        cached = List.copyOf(guards);
        DataFiles.writeLines(file, guards.stream().map(FileGuardStore::format).toList(), LOG, "guards");
    }
}
