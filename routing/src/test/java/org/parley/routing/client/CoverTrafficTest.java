package org.parley.routing.client;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;
import org.parley.core.time.ManualClock;
import org.parley.core.time.ManualScheduler;
import org.parley.routing.RoutingNode;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.circuit.HopSpec;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.crypto.OnionKeyPair;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.link.InMemoryLinkNetwork;
import org.parley.routing.link.Link;
import org.parley.routing.link.LinkListener;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cover traffic against an observer of one user's guard link who counts cells per minute in each
 * direction. The user is idle for 30 simulated minutes, then sends small envelopes at a Poisson
 * rate of 20 a minute for 30 minutes. Statistic: the two-sample Kolmogorov–Smirnov distance D
 * between the per-minute counts of idle minutes 5–29 and sending minutes 35–59 (25 each); the
 * observer tells the periods apart when D exceeds the 1 % critical value 1.628·√(50/625) ≈ 0.46.
 * Without cover D is 1 (idle minutes carry no cells); with 60 cover slots a minute it stays
 * below the critical value in both directions.
 */
class CoverTrafficTest {
    static final int G = 0, M = 1, X = 2, U = 3, R = 4;
    static final double CRITICAL = 1.628 * Math.sqrt(50.0 / 625.0);

    final ManualClock clock = new ManualClock(1_000_000);
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final InMemoryLinkNetwork network = new InMemoryLinkNetwork();
    final SecureRandom secure = new SecureRandom();
    final List<RoutingNode> nodes = new ArrayList<>();
    final List<HopSpec> hops = new ArrayList<>();
    final long[] up = new long[60], down = new long[60];
    final long start = clock.nowMillis();
    NodeId userId;

    int minute() {
        return (int) ((clock.nowMillis() - start) / 60_000);
    }

    void count(long[] counts) {
        int m = minute();
        if (m >= 0 && m < counts.length) counts[m]++;
    }

    CoverTrafficTest() {
        InMemoryInboxStore store = new InMemoryInboxStore(100_000, 1 << 26, 3_600_000);
        NodeId[] ids = new NodeId[5];
        for (int i = 0; i < 5; i++) ids[i] = NodeIdentity.generate(secure).nodeId();
        userId = ids[U];
        for (int i = 0; i < 5; i++) {
            OnionKeyPair onion = OnionKeyPair.generate(secure);
            RoutingNode n = new RoutingNode(ids[i], () -> List.of(onion), i == X ? store : null,
                    RoutingConfig.defaults(), clock, scheduler, secure);
            LinkListener inner = n.linkListener();
            int index = i;
            LinkListener tap = new LinkListener() {
                public void onLinkOpened(Link link) {
                    inner.onLinkOpened(link);
                }

                public void onFrame(Link link, Bytes frame) {
                    // the observer sits on the user's guard link: user → guard at the guard, guard → user at the user
                    if (index == G && link.peer().map(userId::equals).orElse(false)) count(up);
                    if (index == U) count(down);
                    inner.onFrame(link, frame);
                }

                public void onLinkClosed(Link link) {
                    inner.onLinkClosed(link);
                }
            };
            InMemoryLinkNetwork.Node net = network.attach(ids[i], "10." + i + ".0.1:9001", tap);
            n.attach(net);
            nodes.add(n);
            hops.add(new HopSpec(ids[i], net.address(), onion.publicKey()));
        }
    }

    List<HopSpec> path(int... idx) {
        List<HopSpec> p = new ArrayList<>();
        for (int i : idx) p.add(hops.get(i));
        return p;
    }

    void run(long millis) {
        long end = clock.nowMillis() + millis;
        while (clock.nowMillis() < end) {
            scheduler.advance(50);
            network.runUntilIdle();
        }
    }

    /** Runs the idle-then-sending hour; returns {D(up), D(down)}. */
    double[] hour(boolean cover) {
        Bytes inbox = Bytes.wrap(new byte[32]);
        // the recipient keeps its inbox registered over its own circuit, which avoids the user's guard
        InboxSubscription.open(nodes.get(R).circuits(), scheduler,
                new InboxSubscription.Params(() -> path(M, X), inbox, NodeIdentity.generate(secure), 1_000), new Quiet());
        CoverTraffic ct = null;
        if (cover) {
            ct = new CoverTraffic(nodes.get(U).circuits(), scheduler, new Random(3), 60, () -> path(G, M, X),
                    nodes.get(U).circuitSwitch()::cellsSent);
            ct.start();
        }
        EnvelopeSender sender = nodes.get(U).sender();
        Random poisson = new Random(5);
        int[] sent = {0};
        long t = 30 * 60_000L;
        while (true) {
            t += Math.round(-Math.log(1 - poisson.nextDouble()) * 60_000 / 20);
            if (t >= 60 * 60_000L) break;
            int n = sent[0]++;
            scheduler.schedule(t, () -> sender.send(path(G, M, X), inbox, Bytes.wrap(longBytes(n)), Bytes.wrap(new byte[100])));
        }
        run(60 * 60_000L);
        if (ct != null) {
            assertThat(ct.dummiesSent()).isPositive();
            ct.stop();
        }
        assertThat(sent[0]).isBetween(400, 800);
        return new double[]{ks(slice(up, 5, 30), slice(up, 35, 60)), ks(slice(down, 5, 30), slice(down, 35, 60))};
    }

    static byte[] longBytes(int n) {
        byte[] b = new byte[16];
        b[0] = (byte) (n >> 8);
        b[1] = (byte) n;
        return b;
    }

    static long[] slice(long[] a, int from, int to) {
        return Arrays.copyOfRange(a, from, to);
    }

    /** Two-sample Kolmogorov–Smirnov distance. */
    static double ks(long[] a, long[] b) {
        long[] x = a.clone(), y = b.clone();
        Arrays.sort(x);
        Arrays.sort(y);
        int i = 0, j = 0;
        double d = 0;
        while (i < x.length && j < y.length) {
            long v = Math.min(x[i], y[j]);
            while (i < x.length && x[i] == v) i++;
            while (j < y.length && y[j] == v) j++;
            d = Math.max(d, Math.abs((double) i / x.length - (double) j / y.length));
        }
        return d;
    }

    @Test
    void withoutCoverTheObserverTellsSendingFromIdle() {
        double[] d = hour(false);
        assertThat(d[0]).isGreaterThan(CRITICAL);
        assertThat(d[1]).isGreaterThan(CRITICAL);
    }

    @Test
    void withCoverSendingAndIdleMinutesLookAlikeOnTheGuardLink() {
        double[] d = hour(true);
        System.out.printf("cover on: KS D up %.3f, down %.3f (critical %.3f); cells/min idle up %s; sending up %s%n",
                d[0], d[1], CRITICAL, Arrays.toString(slice(up, 5, 30)), Arrays.toString(slice(up, 35, 60)));
        assertThat(d[0]).isLessThan(CRITICAL);
        assertThat(d[1]).isLessThan(CRITICAL);
    }

    static final class Quiet implements InboxSubscription.Listener {
        public void onEstablished(long pending, List<NodeId> path) {}
        public void onEnvelope(Bytes messageId, Bytes envelope) {}
        public void onError(InboxErrorKind kind) {}
        public void onDown(DestroyReason reason) {}
    }
}
