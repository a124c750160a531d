package org.parley.routing.hostile;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCommand;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.client.EnvelopeSender;
import org.parley.routing.client.InboxSubscription;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.link.Link;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a short routing scenario with every org.parley logger at the finest level (SLF4J's debug
 * and trace go to java.util.logging in tests) — circuits built, envelopes stored and pushed, a
 * tampered cell, garbage on a link, a failed build — captures every record, and looks for each
 * secret (identity seeds, onion private keys, circuit binding keys, inbox auth seeds) and for the
 * plaintext in hex (either case) and base64.
 */
class LogScanTest {
    private final List<String> lines = new ArrayList<>();
    private final Logger parley = Logger.getLogger("org.parley");
    private Level oldLevel;
    private final Handler capture = new Handler() {
        private final SimpleFormatter f = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            String text = f.formatMessage(r);
            if (r.getThrown() != null) text += " " + r.getThrown();
            synchronized (lines) {
                lines.add(r.getLevel() + " " + r.getLoggerName() + " " + text);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void capture() {
        oldLevel = parley.getLevel();
        parley.setLevel(Level.ALL);
        capture.setLevel(Level.ALL);
        parley.addHandler(capture);
    }

    @AfterEach
    void release() {
        parley.removeHandler(capture);
        parley.setLevel(oldLevel);
    }

    private static List<String> forms(Bytes secret) {
        byte[] b = secret.toArray();
        String hex = secret.hex();
        List<String> out = new ArrayList<>();
        // a prefix of 12 bytes is enough to show a leak and catches truncated prints
        out.add(hex.substring(0, Math.min(hex.length(), 24)).toLowerCase(Locale.ROOT));
        out.add(hex.substring(0, Math.min(hex.length(), 24)).toUpperCase(Locale.ROOT));
        out.add(Base64.getEncoder().encodeToString(b).substring(0, Math.min(16, Base64.getEncoder().encodeToString(b).length())));
        out.add(Base64.getUrlEncoder().withoutPadding().encodeToString(b).substring(0, Math.min(16, Base64.getUrlEncoder().withoutPadding().encodeToString(b).length())));
        return out;
    }

    @Test
    void aDebugRunLogsNoKeysNoBindingsAndNoPayload() {
        InMemoryInboxStore store = new InMemoryInboxStore(100, 1 << 20, 3_600_000);
        // 0 guard, 1 middle, 2 inbox relay, 3 recipient, 4 sender
        HostileNet net = new HostileNet(5, i -> RoutingConfig.defaults(), 2, store);
        List<Bytes> secrets = new ArrayList<>(net.secrets);
        Bytes plaintext = Bytes.wrap("meet me at the old mill at nine, bring the documents".getBytes(StandardCharsets.UTF_8));

        byte[] authSeed = new byte[32];
        net.secure.nextBytes(authSeed);
        secrets.add(Bytes.wrap(authSeed));
        Bytes inbox = HostileNet.bytes(32, 77);
        List<Bytes> got = new ArrayList<>();
        InboxSubscription[] sub = new InboxSubscription[1];
        sub[0] = net.nodes.get(3).subscribe(new InboxSubscription.Params(() -> net.path(0, 2), inbox,
                NodeIdentity.fromSeed(Bytes.wrap(authSeed)), 1_000), new InboxSubscription.Listener() {
            public void onEstablished(long pending, List<NodeId> path) {
            }

            public void onEnvelope(Bytes messageId, Bytes envelope) {
                got.add(envelope);
                sub[0].ack(messageId);
            }

            public void onError(InboxErrorKind kind) {
            }

            public void onDown(DestroyReason reason) {
            }
        });
        net.network.runUntilIdle();
        CompletableFuture<EnvelopeSender.Sent> sent = net.nodes.get(4).sender()
                .send(net.path(1, 2), inbox, HostileNet.bytes(16, 1), plaintext).toCompletableFuture();
        net.network.runUntilIdle();
        assertThat(sent.join().outcome()).isEqualTo(EnvelopeSender.Outcome.STORED);
        assertThat(got).containsExactly(plaintext);

        // an echo circuit that carries the plaintext and then a tampered cell; its binding keys are secrets too
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(4, rec, 0, 1);
        secrets.add(c.binding(0));
        secrets.add(c.binding(1));
        c.send(1, new RelayMessage.Data(plaintext));
        net.network.runUntilIdle();
        net.network.setTamper(frame -> {
            if (frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == CellCommand.RELAY.code()) frame[40] ^= 1;
            return frame;
        });
        c.send(1, new RelayMessage.Data(plaintext));
        net.network.runUntilIdle();
        net.network.setTamper(f -> f);
        assertThat(rec.closed).containsExactly(DestroyReason.PROTOCOL);

        // garbage on a link, and a build through a dead relay
        Link raw = net.link(3, 1);
        raw.send(Bytes.wrap(new byte[7]));
        net.netNodes.get(1).kill();
        net.buildAsync(4, new HostileNet.Recorder(), 0, 1);
        net.network.runUntilIdle();

        List<String> all;
        synchronized (lines) {
            all = List.copyOf(lines);
        }
        // the scenario did log at debug: the scan has something to look at
        assertThat(all.size()).isGreaterThanOrEqualTo(4);
        List<String> needles = new ArrayList<>();
        for (Bytes s : secrets) needles.addAll(forms(s));
        needles.addAll(forms(plaintext));
        needles.add("old mill");
        for (String line : all) {
            for (String n : needles) assertThat(line).as("log line leaks a secret or the payload").doesNotContain(n);
        }
        System.out.printf("[hostile] log scan: %d records at debug/trace, %d secrets and the plaintext in %d forms, none found%n",
                all.size(), secrets.size(), needles.size());
    }
}
