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
import org.parley.core.Bytes;
import org.parley.routing.crypto.Tor1ClientCrypto;
import org.parley.routing.crypto.Tor1Keys;
import org.parley.routing.crypto.Tor1Layer;
import org.parley.routing.crypto.Tor1RelayCrypto;

import java.util.Random;

/** tor1 per-cell work: a client sealing for hop 3 of 3, a relay forwarding, a relay recognizing. */
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class Tor1Bench {
    private Tor1ClientCrypto client;
    private Tor1RelayCrypto middle;
    private Tor1ClientCrypto sealer;
    private Tor1RelayCrypto lastHop;
    private final byte[] body = new byte[Tor1Layer.BODY_LEN];

    private static Tor1Keys keys(int seed) {
        byte[] k = new byte[Tor1Keys.SEED_LEN];
        new Random(seed).nextBytes(k);
        return Tor1Keys.fromKeyStream(Bytes.wrap(k));
    }

    @Setup
    public void setup() {
        client = new Tor1ClientCrypto();
        for (int i = 0; i < 3; i++) client.addHop(keys(i));
        middle = new Tor1RelayCrypto(keys(1));
        sealer = new Tor1ClientCrypto();
        sealer.addHop(keys(9));
        lastHop = new Tor1RelayCrypto(keys(9));
        new Random(1).nextBytes(body);
    }

    /** Client: digest + three AES-CTR layers for one 509-byte body. */
    @Benchmark
    public byte[] clientEncryptTo3rdHop() {
        client.encryptTo(2, body);
        return body;
    }

    /** Middle relay: one AES-CTR layer and a failed recognize check (the forwarding path). */
    @Benchmark
    public boolean relayForward() {
        return middle.decryptForward(body);
    }

    /** Last hop: seal by a 1-hop client, then decrypt + digest check at the relay. */
    @Benchmark
    public boolean relayRecognize() {
        body[0] = 2;
        body[1] = 0;
        body[2] = 0;
        sealer.encryptTo(0, body);
        return lastHop.decryptForward(body);
    }
}
