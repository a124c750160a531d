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
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCodec;
import org.parley.routing.cell.RelayFramer;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.cell.RelayMessageCodec;

import java.util.List;
import java.util.Random;

/** Link-cell and relay-message codec costs. */
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class CellCodecBench {
    private Cell.Relay relay;
    private byte[] wire;
    private RelayMessage.Deliver deliver;

    @Setup
    public void setup() {
        byte[] body = new byte[Cell.PAYLOAD_LEN];
        new Random(1).nextBytes(body);
        relay = new Cell.Relay(0x80001234, Bytes.wrap(body));
        wire = CellCodec.encode(relay);
        byte[] env = new byte[4096];
        new Random(2).nextBytes(env);
        deliver = new RelayMessage.Deliver(Bytes.wrap(new byte[32]), Bytes.wrap(new byte[16]), Bytes.wrap(env));
    }

    @Benchmark
    public byte[] encodeRelayCell() {
        return CellCodec.encode(relay);
    }

    @Benchmark
    public Cell decodeRelayCell() {
        return CellCodec.validate(CellCodec.decode(wire));
    }

    /** A 4 KiB envelope: encode the DELIVER message and cut it into relay bodies. */
    @Benchmark
    public List<byte[]> frame4KiBDeliver() {
        return RelayFramer.frame(deliver.code(), RelayMessageCodec.encode(deliver));
    }
}
