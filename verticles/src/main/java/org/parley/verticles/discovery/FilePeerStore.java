package org.parley.verticles.discovery;

import org.parley.core.Bytes;
import org.parley.discovery.bootstrap.PeerStore;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.parley.verticles.node.DataFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
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
        if (cached == null) cached = List.copyOf(DataFiles.readLines(file, FilePeerStore::parse, LOG, "peers"));
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
        DataFiles.writeLines(file, peers.stream().map(FilePeerStore::format).toList(), LOG, "peers");
    }
}
