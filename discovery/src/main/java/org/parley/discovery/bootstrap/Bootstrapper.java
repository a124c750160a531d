package org.parley.discovery.bootstrap;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.parley.core.time.Scheduler;
import org.parley.discovery.kademlia.DhtNode;
import org.parley.discovery.kademlia.DhtTransport;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Joins the DHT and keeps it joined. An attempt gathers candidates — last-known-good peers
 * ({@link PeerStore}), configured seeds with a pinned node id, and seeds without one (DNS names:
 * every resolved address is asked for its identity on first contact, which is then pinned to that
 * address) — and runs {@link DhtNode#bootstrap}. Success: {@link State#READY}, peers saved.
 * Failure: {@link State#NOT_READY} "not ready: no reachable seed", retried with exponential
 * backoff and jitter. A watchdog re-runs the attempt if the routing table ever empties.
 * Runs on the DHT's thread.
 */
public final class Bootstrapper {
    private static final Logger LOG = LoggerFactory.getLogger(Bootstrapper.class);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    public static final String NO_REACHABLE_SEED = "not ready: no reachable seed";

    public enum State { NOT_STARTED, CONNECTING, READY, NOT_READY }

    /** What the health check reports. */
    public record Status(State state, String detail, int attempts, long nextRetryAtMillis) {
        public boolean ready() {
            return state == State.READY;
        }
    }

    private final BootstrapConfig config;
    private final DhtNode dht;
    private final DhtTransport transport;
    private final AddressResolver resolver;
    private final PeerStore peerStore;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Random random;
    /** Trust-on-first-use pins: address -> node id it proved the first time. */
    private final Map<PeerAddress, NodeId> pins = new HashMap<>();
    /** Addresses already warned about (a remote peer's misbehaviour is logged once, not per retry). */
    private final java.util.Set<PeerAddress> warned = new java.util.HashSet<>();
    private volatile Status status = new Status(State.NOT_STARTED, "not started", 0, 0);
    private int failures;
    private Scheduler.Cancellable timer;
    private boolean running;

    public Bootstrapper(BootstrapConfig config, DhtNode dht, DhtTransport transport, AddressResolver resolver,
                        PeerStore peerStore, Clock clock, Scheduler scheduler, Random random) {
        this.config = config;
        this.dht = dht;
        this.transport = transport;
        this.resolver = resolver;
        this.peerStore = peerStore;
        this.clock = clock;
        this.scheduler = scheduler;
        this.random = random;
    }

    public Status status() {
        return status;
    }

    /** Address pins learned so far (tests, diagnostics). */
    public Map<PeerAddress, NodeId> pins() {
        return Map.copyOf(pins);
    }

    static final long FIRST_RESAVE_MILLIS = 10_000;

    public void start() {
        running = true;
        for (Contact c : peerStore.load()) pins.put(c.address(), c.id());
        attempt();
    }

    /** Stops retrying; the peers known now are saved for the next start (which may find every seed down). */
    public void stop() {
        if (running && dht.table().size() > 0) savePeers();
        running = false;
        if (timer != null) timer.cancel();
    }

    /** Saves the current best peers as last-known-good. */
    public void savePeers() {
        List<Contact> best = dht.table().closest(dht.id().value(), config.maxSavedPeers());
        if (!best.isEmpty()) peerStore.save(best);
    }

    private void attempt() {
        if (!running) return;
        int attempts = status.attempts() + 1;
        status = new Status(State.CONNECTING, "contacting seeds", attempts, 0);
        gatherCandidates().whenComplete((candidates, err) -> {
            if (!running) return;
            if (candidates == null || candidates.isEmpty()) {
                failed(attempts);
                return;
            }
            dht.bootstrap(candidates).whenComplete((size, e) -> {
                if (!running) return;
                if (e != null || size == null || size == 0) {
                    failed(attempts);
                } else {
                    failures = 0;
                    status = new Status(State.READY, "ready: " + size + " contacts", attempts, 0);
                    LOG.info("DHT bootstrap done: {} contacts", size);
                    savePeers();
                    // the table fills in the first seconds after a bootstrap: save again soon, then every maxBackoff
                    timer = scheduler.schedule(Math.min(FIRST_RESAVE_MILLIS, config.maxBackoffMillis()), this::watchdog);
                }
            });
        });
    }

    private void watchdog() {
        if (!running) return;
        if (dht.table().size() == 0) {
            LOG.warn("DHT routing table is empty; bootstrapping again");
            attempt();
        } else {
            savePeers();
            timer = scheduler.schedule(config.maxBackoffMillis(), this::watchdog);
        }
    }

    private void failed(int attempts) {
        failures++;
        long base = Math.min(config.maxBackoffMillis(), config.initialBackoffMillis() << Math.min(20, failures - 1));
        long delay = Math.max(1, (long) (base * (0.8 + 0.4 * random.nextDouble())));
        status = new Status(State.NOT_READY, NO_REACHABLE_SEED, attempts, clock.nowMillis() + delay);
        if (failures == 1 || failures % 10 == 0) LOG.warn("{} (attempt {}), retrying in {} ms", NO_REACHABLE_SEED, attempts, delay);
        timer = scheduler.schedule(delay, this::attempt);
    }

    private CompletableFuture<List<Contact>> gatherCandidates() {
        Map<NodeId, Contact> out = new LinkedHashMap<>();
        for (Contact c : peerStore.load()) out.put(c.id(), c);
        List<CompletableFuture<Void>> work = new ArrayList<>();
        for (Seed s : config.seeds()) {
            work.add(addresses(s.host()).thenCompose(ips -> {
                List<CompletableFuture<Void>> per = new ArrayList<>();
                for (Bytes ip : ips) {
                    PeerAddress a = new PeerAddress(ip, s.port());
                    per.add(identify(s, a).thenAccept(c -> {
                        if (c != null) out.putIfAbsent(c.id(), c);
                    }));
                }
                return CompletableFuture.allOf(per.toArray(CompletableFuture[]::new));
            }).exceptionally(e -> {
                LOG.debug("seed {} unusable: {}", s.host(), e.toString());
                return null;
            }));
        }
        return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).handle((v, e) -> new ArrayList<>(out.values()));
    }

    /** Contact for a seed address, or null when unreachable or the identity does not match its pin. */
    private CompletableFuture<Contact> identify(Seed s, PeerAddress a) {
        return transport.identify(a).handle((key, e) -> {
            if (e != null || key == null) return null;
            Contact c = new Contact(key, a);
            if (s.pinned().isPresent()) {
                if (!s.pinned().get().equals(c.id())) {
                    if (warned.add(a)) LOG.warn("seed {} proved an identity other than its pinned node id; ignoring it", s.host());
                    return null;
                }
                return c;
            }
            NodeId pinned = pins.putIfAbsent(a, c.id());
            if (pinned != null && !pinned.equals(c.id())) {
                if (warned.add(a)) LOG.warn("seed {} changed identity since first contact; ignoring it", s.host());
                return null;
            }
            return c;
        });
    }

    private CompletableFuture<List<Bytes>> addresses(String host) {
        if (IPV4.matcher(host).matches()) {
            byte[] ip = new byte[4];
            String[] parts = host.split("\\.");
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v > 255) return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.CONFIG, "bad IPv4 " + host));
                ip[i] = (byte) v;
            }
            return CompletableFuture.completedFuture(List.of(Bytes.wrap(ip)));
        }
        if (host.contains(":")) {
            try {
                // Literal: InetAddress parses it without a DNS query.
                return CompletableFuture.completedFuture(List.of(Bytes.wrap(InetAddress.getByName(host).getAddress())));
            } catch (UnknownHostException e) {
                return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.CONFIG, "bad IP literal " + host));
            }
        }
        return resolver.resolve(host);
    }
}
