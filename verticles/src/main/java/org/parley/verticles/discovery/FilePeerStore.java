package org.parley.verticles.discovery;

import org.parley.core.Bytes;
import org.parley.discovery.bootstrap.PeerStore;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Last-known-good DHT peers in {@code <data-dir>/peers}, one per line: identity key (hex), IP
 * (hex, 4 or 16 bytes), port. A restarted node bootstraps from them as well as from its seeds, so
 * it finds the network again when every seed is down (as Tor keeps its cached consensus, and
 * Kademlia clients their routing table). Written atomically, read once and then served from
 * memory; damaged lines are skipped.
 */
public final class FilePeerStore implements PeerStore {
    private static final Logger LOG = LoggerFactory.getLogger(FilePeerStore.class);
    private final Path file;
    private List<Contact> cached;

    public FilePeerStore(Path file) {
        this.file = file;
    }

    @Override
    public synchronized List<Contact> load() {
        if (cached != null) return cached;
        List<Contact> out = new ArrayList<>();
        if (Files.exists(file)) {
            try {
                for (String line : Files.readAllLines(file)) {
                    Contact c = parse(line.trim());
                    if (c != null) out.add(c);
                    else if (!line.isBlank()) LOG.warn("ignoring a damaged line in {}", file);
                }
            } catch (IOException e) {
                LOG.warn("cannot read peers from {}: {}", file, e.getMessage());
            }
        }
        cached = List.copyOf(out);
        return cached;
    }

    static Contact parse(String line) {
        String[] f = line.split("\\s+");
        if (f.length != 3) return null;
        try {
            return new Contact(Bytes.fromHex(f[0]), new PeerAddress(Bytes.fromHex(f[1]), Integer.parseInt(f[2])));
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String format(Contact c) {
        return c.identityKey().hex() + " " + c.address().ip().hex() + " " + c.address().port();
    }

    @Override
    public synchronized void save(List<Contact> peers) {
        if (peers.equals(cached)) return;
        cached = List.copyOf(peers);
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, peers.stream().map(FilePeerStore::format).toList());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("cannot save peers to {}: {}", file, e.getMessage());
        }
    }
}
