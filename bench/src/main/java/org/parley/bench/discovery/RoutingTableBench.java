package org.parley.bench.discovery;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.discovery.kademlia.Distance;
import org.parley.discovery.kademlia.RoutingTable;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Closest-k selection (k = 20) on a full routing table: 100,000 random contacts offered, so
 * every bucket that can fill (the first ~12) holds 20. Fixed seed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingTableBench {
    private RoutingTable table;
    private Bytes[] targets;
    private int i;

    @Setup
    public void setup() {
        Random r = new Random(1);
        byte[] self = new byte[32];
        r.nextBytes(self);
        table = new RoutingTable(new NodeId(Bytes.wrap(self)), 20, 2, 0, 2);
        for (int n = 0; n < 100_000; n++) {
            byte[] key = new byte[32];
            r.nextBytes(key);
            table.insert(new Contact(Bytes.wrap(key), PeerAddress.ipv4(10, (n >> 8) & 0xff, n & 0xff, 1, 7000)), n);
        }
        targets = new Bytes[1024];
        for (int t = 0; t < targets.length; t++) targets[t] = Distance.random(r);
    }

    @Benchmark
    public List<Contact> closest20() {
        return table.closest(targets[i++ & 1023], 20);
    }
}
