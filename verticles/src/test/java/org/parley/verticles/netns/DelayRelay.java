package org.parley.verticles.netns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP relay that adds a fixed one-way delay to every byte, both directions: the latency tool of
 * the namespace harness (this kernel has no {@code tc netem}). Run it inside a namespace:
 * {@code ip netns exec NS java -cp CP org.parley.verticles.netns.DelayRelay LISTEN_HOST LISTEN_PORT
 * TARGET_HOST TARGET_PORT DELAY_MS}; it prints {@code relay listening HOST:PORT} once it accepts.
 * Each chunk read is held until {@code readAt + delay} and then written, in order, so a round trip
 * through the relay costs at least twice the delay. Stops with its process.
 */
public final class DelayRelay {
    private DelayRelay() {}

    private record Chunk(long dueNanos, byte[] data) {}

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: DelayRelay LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS");
            System.exit(2);
        }
        InetSocketAddress target = new InetSocketAddress(args[2], Integer.parseInt(args[3]));
        long delayNanos = Long.parseLong(args[4]) * 1_000_000L;
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
            System.out.println("relay listening " + args[0] + ":" + server.getLocalPort());
            System.out.flush();
            while (true) {
                Socket client = server.accept();
                spawn(() -> connect(client, target, delayNanos));
            }
        }
    }

    private static void connect(Socket client, InetSocketAddress target, long delayNanos) {
        try {
            Socket upstream = new Socket();
            upstream.connect(target, 5_000);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            pipe(client, upstream, delayNanos);
            pipe(upstream, client, delayNanos);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    /** Reader thread: chunks into a queue with their due time; writer thread: waits, writes. */
    private static void pipe(Socket from, Socket to, long delayNanos) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        spawn(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) queue.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
            } catch (IOException e) {
                // connection gone
            }
            queue.add(new Chunk(System.nanoTime() + delayNanos, null));
        });
        spawn(() -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = queue.take();
                    long wait = c.dueNanos() - System.nanoTime();
                    if (wait > 0) Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    if (c.data() == null) {
                        to.shutdownOutput();
                        return;
                    }
                    out.write(c.data());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static void spawn(Runnable r) {
        Thread t = new Thread(r, "delay-relay");
        t.setDaemon(true);
        t.start();
    }
}
