package org.parley.discovery.directory;

import org.parley.core.identity.NodeId;
import org.parley.core.time.Scheduler;
import org.parley.discovery.kademlia.DhtNode;
import org.parley.discovery.kademlia.Distance;
import org.parley.discovery.net.Contact;

import java.util.List;
import java.util.Random;

/**
 * Keeps the {@link RelayDirectory} fresh, every {@code intervalMillis}:
 * <ol>
 *   <li>digest exchange: asks {@code neighbours} random routing-table contacts for up to 64
 *       relay descriptors each (GET_RELAYS);</li>
 *   <li>discovery: looks up a random id and asks up to {@code fetchPerRound} unknown contacts
 *       of the result for their own descriptor (FIND_VALUE under their node id, sent to them);</li>
 *   <li>expiry.</li>
 * </ol>
 * Valid records reach the directory through its {@link DhtNode.Listener} registration.
 */
public final class DirectorySync {
    private final DhtNode dht;
    private final RelayDirectory directory;
    private final Scheduler scheduler;
    private final Random random;
    private final long intervalMillis;
    private final int neighbours;
    private final int fetchPerRound;
    private Scheduler.Cancellable timer;
    private boolean running;

    public DirectorySync(DhtNode dht, RelayDirectory directory, Scheduler scheduler, Random random,
                         long intervalMillis, int neighbours, int fetchPerRound) {
        this.dht = dht;
        this.directory = directory;
        this.scheduler = scheduler;
        this.random = random;
        this.intervalMillis = intervalMillis;
        this.neighbours = neighbours;
        this.fetchPerRound = fetchPerRound;
        dht.addListener(directory);
        dht.setRelaySource(directory::records);
    }

    public void start() {
        running = true;
        timer = scheduler.schedule(0, this::tick);
    }

    public void stop() {
        running = false;
        if (timer != null) timer.cancel();
    }

    private void tick() {
        if (!running) return;
        syncOnce();
        timer = scheduler.schedule(intervalMillis, this::tick);
    }

    /** One round of the three steps (public for tests and for an operator "refresh now"). */
    public void syncOnce() {
        directory.expire();
        List<Contact> all = dht.table().all();
        for (int i = 0; i < neighbours && !all.isEmpty(); i++) {
            Contact c = all.get(random.nextInt(all.size()));
            dht.getRelays(c, 64).whenComplete((recs, err) -> {
                if (err == null) directory.markReachable(c.id());
            });
        }
        dht.findNode(new NodeId(Distance.random(random))).whenComplete((r, err) -> {
            if (r == null) return;
            int asked = 0;
            for (Contact c : r.closest()) {
                if (asked >= fetchPerRound) break;
                if (directory.get(c.id()).isPresent()) continue;
                asked++;
                dht.fetchFrom(c, c.id().value());
            }
        });
    }
}
