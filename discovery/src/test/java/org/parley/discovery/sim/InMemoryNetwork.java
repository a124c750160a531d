package org.parley.discovery.sim;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.ManualScheduler;
import org.parley.discovery.kademlia.DhtTransport;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.wire.DhtMessage;
import org.parley.discovery.wire.DhtMessageCodec;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A deterministic in-memory network on a {@link ManualScheduler}. Every message is decoded and
 * re-encoded on delivery (the bytes must round-trip exactly), delivered after a fixed latency,
 * and only to the endpoint whose identity key and address match the contact it was sent to
 * (the pinning a TLS link gives), with the sender endpoint's IP as the observed link address.
 * Killed endpoints drop everything.
 */
public final class InMemoryNetwork {
    private final ManualScheduler scheduler;
    private final long latencyMillis;
    private final Map<NodeId, Endpoint> endpoints = new HashMap<>();
    private final Map<PeerAddress, Endpoint> byAddress = new HashMap<>();
    private final Set<NodeId> dead = new HashSet<>();
    private long delivered;
    private long dropped;

    public InMemoryNetwork(ManualScheduler scheduler, long latencyMillis) {
        this.scheduler = scheduler;
        this.latencyMillis = latencyMillis;
    }

    /** A transport for one node; {@code receiver} may also be set directly (attackers). */
    public final class Endpoint implements DhtTransport {
        final NodeId id;
        final Bytes identityKey;
        final PeerAddress address;
        Receiver receiver;

        Endpoint(Bytes identityKey, PeerAddress address) {
            this.identityKey = identityKey;
            this.address = address;
            this.id = NodeId.ofIdentityKey(identityKey);
        }

        @Override
        public void send(Contact to, Bytes rpc) {
            NodeId from = id;
            scheduler.schedule(latencyMillis, () -> deliver(from, to, rpc));
        }

        @Override
        public void setReceiver(Receiver receiver) {
            this.receiver = receiver;
        }

        @Override
        public CompletableFuture<Bytes> identify(PeerAddress address) {
            Endpoint e = byAddress.get(address);
            if (e == null || dead.contains(e.id)) {
                return CompletableFuture.failedFuture(new ParleyException(ParleyException.Kind.UNAVAILABLE, "connection refused"));
            }
            return CompletableFuture.completedFuture(e.identityKey);
        }
    }

    public Endpoint endpoint(Bytes identityKey, PeerAddress address) {
        Endpoint e = new Endpoint(identityKey, address);
        endpoints.put(e.id, e);
        byAddress.put(address, e);
        return e;
    }

    private void deliver(NodeId from, Contact to, Bytes rpc) {
        Endpoint e = endpoints.get(to.id());
        if (e == null || dead.contains(to.id()) || dead.contains(from) || e.receiver == null
                || !e.address.equals(to.address()) || !e.identityKey.equals(to.identityKey())) {
            dropped++;
            return;
        }
        DhtMessage m = DhtMessageCodec.decode(rpc);
        Bytes again = DhtMessageCodec.encode(m);
        if (!again.equals(rpc)) throw new AssertionError("message did not re-encode byte for byte: " + m);
        delivered++;
        Endpoint sender = endpoints.get(from);
        // the IP a link from the sender's endpoint is connected to, as a TLS transport observes it
        e.receiver.onReceive(from, rpc, sender == null ? null : sender.address.ip());
    }

    public void kill(NodeId id) {
        dead.add(id);
    }

    public boolean isDead(NodeId id) {
        return dead.contains(id);
    }

    public long delivered() {
        return delivered;
    }

    public long dropped() {
        return dropped;
    }

    /** Runs the scheduler until {@code f} completes, at most {@code maxMillis} of simulated time. */
    public <T> T await(CompletableFuture<T> f, long maxMillis) {
        long waited = 0;
        while (!f.isDone() && waited < maxMillis) {
            scheduler.advance(latencyMillis);
            waited += latencyMillis;
        }
        if (!f.isDone()) throw new AssertionError("not done after " + maxMillis + " ms of simulated time");
        return f.join();
    }
}
