package org.parley.bench.load;

import io.vertx.core.buffer.Buffer;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCodec;
import org.parley.routing.circuit.CircuitSwitch;
import org.parley.routing.link.Link;
import org.parley.verticles.link.CellFramer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Optional;
import java.util.Random;

/**
 * Load-independent cost of the link layer's share of a relayed cell: thread CPU time
 * ({@link ThreadMXBean}) per cell to cut a received buffer of 16 cells into frames
 * ({@link CellFramer}, as {@code TlsLinkTransport} does), dispatch each through a real
 * {@link CircuitSwitch} (21 circuits on the link) to an endpoint that forwards it the way a middle
 * relay does ({@link CircuitSwitch#sendRelay}), into the next link's write buffer (a Vert.x
 * {@link Buffer}, as {@code TlsLinkTransport} queues it). No onion crypto, no TLS: those are
 * measured elsewhere (JMH, {@code docs/benchmarks.md}). Usage:
 * {@code java -cp parley-jmh.jar org.parley.bench.load.LinkPathCpu [rounds]}; each round is 320,000 cells.
 */
public final class LinkPathCpu {
    private static Buffer pending;

    private LinkPathCpu() {
    }

    /** The next hop's link: queues frames as TlsLinkTransport's link does. */
    private static final class Out implements Link {
        @Override public Optional<NodeId> peer() { return Optional.empty(); }
        @Override public boolean initiator() { return true; }
        @Override public void close() { }
        @Override public void send(Bytes frame) { sendOwned(frame.toArray()); }
        @Override public void sendOwned(byte[] frame) {
            if (pending == null) pending = Buffer.buffer(Cell.CELL_LEN * 16);
            pending.appendBytes(frame);
        }
    }

    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Random rnd = new Random(1);
        CircuitSwitch sw = new CircuitSwitch(rnd, 64);
        Out in = new Out();
        Out out = new Out();
        sw.onLinkOpened(in);
        sw.onLinkOpened(out);
        int[] nextId = new int[1];
        long[] forwarded = new long[1];
        int inId = sw.allocate(in, new CircuitSwitch.Endpoint() {
            @Override public void onCell(Cell c) { throw new IllegalStateException("relay cells take onRelay"); }
            @Override public void onRelay(int circId, boolean early, byte[] body) {
                body[0] ^= 1; // stands in for the in-place onion layer
                sw.sendRelay(out, nextId[0], early, body);
                forwarded[0]++;
            }
            @Override public void onLinkClosed() { }
        });
        for (int i = 0; i < 20; i++) {
            sw.allocate(in, new CircuitSwitch.Endpoint() {
                @Override public void onCell(Cell c) { }
                @Override public void onLinkClosed() { }
            });
        }
        nextId[0] = sw.allocate(out, new CircuitSwitch.Endpoint() {
            @Override public void onCell(Cell c) { }
            @Override public void onLinkClosed() { }
        });
        byte[] body = new byte[Cell.PAYLOAD_LEN];
        rnd.nextBytes(body);
        Buffer batch = Buffer.buffer();
        for (int i = 0; i < 16; i++) batch.appendBytes(CellCodec.encode(new Cell.Relay(inId, Bytes.of(body))));
        CellFramer framer = new CellFramer(frame -> sw.onFrame(in, frame));
        int buffers = 20_000;
        for (int r = 0; r < rounds; r++) {
            long before = forwarded[0];
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < buffers; i++) {
                framer.handle(batch);
                pending = null; // flushed: the write left
            }
            long ns = mx.getCurrentThreadCpuTime() - t0;
            long cells = forwarded[0] - before;
            if (cells != buffers * 16L) throw new IllegalStateException("forwarded " + cells + " cells, expected " + buffers * 16L);
            System.out.printf("round %d: %.0f ns CPU per relayed cell (%d cells)%n", r, ns / (double) cells, cells);
        }
    }
}
