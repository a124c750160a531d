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
import org.parley.routing.crypto.NtorV3;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.crypto.Tor1Keys;

import java.security.SecureRandom;
import java.util.List;

/** ntor v3 circuit handshake costs: client phase 1, relay, client phase 2. */
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class NtorV3Bench {
    private static final Bytes CM = Bytes.fromHex("00");
    private final SecureRandom random = new SecureRandom();
    private OnionKeyPair onion;
    private Bytes relayId;
    private NtorV3.RelayKeys relayKeys;
    private Bytes clientMessage;
    private NtorV3.Client pendingClient;
    private Bytes reply;

    @Setup
    public void setup() {
        onion = OnionKeyPair.generate(random);
        byte[] id = new byte[32];
        random.nextBytes(id);
        relayId = Bytes.wrap(id);
        relayKeys = new NtorV3.RelayKeys(relayId, onion.publicKey());
        clientMessage = NtorV3.clientStart(relayKeys, CM, NtorV3.CIRCUIT_EXTEND, random).message();
    }

    @Benchmark
    public Bytes clientStart() {
        return NtorV3.clientStart(relayKeys, CM, NtorV3.CIRCUIT_EXTEND, random).message();
    }

    @Benchmark
    public Bytes serverRespond() {
        return NtorV3.serverRespond(relayId, List.of(onion), clientMessage, NtorV3.CIRCUIT_EXTEND, cm -> CM,
                Tor1Keys.SEED_LEN, random).keys();
    }

    /** A whole handshake on both sides (client start, relay, client finish). */
    @Benchmark
    public Bytes fullHandshake() {
        NtorV3.Client c = NtorV3.clientStart(relayKeys, CM, NtorV3.CIRCUIT_EXTEND, random);
        NtorV3.ServerResult s = NtorV3.serverRespond(relayId, List.of(onion), c.message(), NtorV3.CIRCUIT_EXTEND,
                cm -> CM, Tor1Keys.SEED_LEN, random);
        return c.finish(s.reply(), Tor1Keys.SEED_LEN).keys();
    }
}
