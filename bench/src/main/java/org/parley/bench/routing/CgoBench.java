package org.parley.bench.routing;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.parley.routing.crypto.Cgo;

import java.util.Random;

/** CGO per-cell work at a forwarding relay (one UIV+ encryption, no key update). */
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class CgoBench {
    private Cgo.State relay;
    private final byte[] body = new byte[Cgo.BODY_LEN];

    @Setup
    public void setup() {
        byte[] seed = new byte[Cgo.STATE_SEED_LEN];
        new Random(1).nextBytes(seed);
        relay = new Cgo.State(seed, 0);
        new Random(2).nextBytes(body);
    }

    @Benchmark
    public boolean relayForward() {
        return relay.relayDecryptOutbound(3, body);
    }
}
