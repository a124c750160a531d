package org.parley.verticles.netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A line echo server for the harness's own tests: {@code LineEcho HOST PORT}, prints
 * {@code echo listening HOST:PORT}, then answers every line of every connection with the same line.
 */
public final class LineEcho {
    private LineEcho() {}

    public static void main(String[] args) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
            System.out.println("echo listening " + args[0] + ":" + server.getLocalPort());
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "echo");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void serve(Socket s) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) out.println(line);
        } catch (IOException e) {
            // client gone
        }
    }
}
