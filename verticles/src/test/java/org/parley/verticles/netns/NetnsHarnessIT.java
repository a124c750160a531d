package org.parley.verticles.netns;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The namespace harness's own tools on three hosts with a line echo server: the blackhole route
 * exists while the hosts do and is gone after; a cut link, a one-way drop and 99 % loss stop new
 * connections and healing restores them; the delaying relay adds its delay each way; every
 * process in the namespaces is killed on close.
 */
@Tag("netns")
class NetnsHarnessIT {
    /** A line through {@code ADDR:PORT} from host {@code from}: the reply and how long it took, or null on failure (bounded at 4 s). */
    record Echo(String reply, long millis) {}

    static Echo echo(Netns net, int from, String addr, int port) throws Exception {
        long t0 = System.nanoTime();
        Netns.Result r = net.exec(from, 10, "timeout", "4", "bash", "-c",
                "exec 3<>/dev/tcp/" + addr + "/" + port + " && echo ping-" + from + " >&3 && read -t 3 l <&3 && echo \"$l\"");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return r.code() == 0 ? new Echo(r.out().strip(), ms) : new Echo(null, ms);
    }

    static Process launch(Netns net, int host, String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        Process p = net.command(host, cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (Exception e) {
                return null;
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(line).as(mainClass + " start line").contains("listening");
        return p;
    }

    @Test
    void faultToolsDoWhatTheySayAndCloseLeavesNothing() throws Exception {
        Netns.unavailable().ifPresent(reason -> assumeTrue(false, reason));
        Netns.nftUnavailable().ifPresent(reason -> assumeTrue(false, reason));
        Process echo = null;
        Process relay = null;
        Process sleeper = null;
        Netns net = Netns.create(3);
        try {
            assertThat(net.blackholeRoutePresent()).as("blackhole route for " + net.subnet() + ".0/24").isTrue();
            assertThat(net.namespaces()).containsExactlyInAnyOrder(net.bridgeNamespace(), net.ns(0), net.ns(1), net.ns(2));
            // the subnet is unreachable from the root namespace (the route drops it)
            Netns.Result fromRoot = Netns.run(List.of("timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/" + net.address(0) + "/7001"), 10);
            assertThat(fromRoot.code()).as("connect from the root namespace").isNotZero();

            echo = launch(net, 0, LineEcho.class.getName(), net.address(0), "7001");
            relay = launch(net, 2, DelayRelay.class.getName(), net.address(2), "7000", net.address(0), "7001", "300");
            sleeper = net.command(1, List.of("sleep", "300")).start();

            Echo direct = echo(net, 1, net.address(0), 7001);
            assertThat(direct.reply()).isEqualTo("ping-1");
            Echo delayed = echo(net, 1, net.address(2), 7000);
            assertThat(delayed.reply()).as("through the delaying relay").isEqualTo("ping-1");
            assertThat(delayed.millis()).as("round trip through a 300 ms relay").isGreaterThanOrEqualTo(600);
            System.out.printf("netns harness: echo direct %d ms, through a 300 ms delay relay %d ms%n", direct.millis(), delayed.millis());

            net.cut(0);
            assertThat(echo(net, 1, net.address(0), 7001).reply()).as("host 0's link cut").isNull();
            net.heal(0);
            assertThat(echo(net, 1, net.address(0), 7001).reply()).as("healed").isEqualTo("ping-1");

            net.dropFrom(0, Set.of(1));
            assertThat(echo(net, 1, net.address(0), 7001).reply()).as("host 0 drops host 1").isNull();
            assertThat(echo(net, 2, net.address(0), 7001).reply()).as("host 2 still reaches host 0").isEqualTo("ping-2");
            net.clearRules(0);
            assertThat(echo(net, 1, net.address(0), 7001).reply()).isEqualTo("ping-1");

            net.loss(1, 99);
            assertThat(net.rules(1)).contains("numgen random mod 100");
            assertThat(echo(net, 1, net.address(0), 7001).reply()).as("99 % loss on host 1's link").isNull();
            Netns.Result loopback = net.exec(1, 10, "timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/1 || true");
            assertThat(loopback.err()).as("loopback is not subject to the link loss").contains("refused");
            net.clearRules(1);
            assertThat(echo(net, 1, net.address(0), 7001).reply()).isEqualTo("ping-1");
        } finally {
            net.close();
        }
        assertThat(echo.waitFor(10, TimeUnit.SECONDS)).as("echo server killed on close").isTrue();
        assertThat(relay.waitFor(10, TimeUnit.SECONDS)).as("relay killed on close").isTrue();
        assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).as("other processes killed on close").isTrue();
        assertThat(net.namespaces()).as("none of the run's namespaces left").isEmpty();
        assertThat(net.blackholeRoutePresent()).as("blackhole route removed").isFalse();
    }

    @Test
    void leftoversOfADeadRunAreRemovedAndALiveRunsAreNot() throws Exception {
        Netns.unavailable().ifPresent(reason -> assumeTrue(false, reason));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        long dead = gone.pid();
        long alive = ProcessHandle.current().parent().map(ProcessHandle::pid).orElseThrow(); // a live process that is not us
        String deadNs = Netns.PREFIX + dead + "-00";
        String liveNs = Netns.PREFIX + alive + "-00";
        try {
            Netns.sh("ip", "netns", "add", deadNs);
            Netns.sh("ip", "netns", "add", liveNs);
            Netns.sh("ip", "route", "add", "blackhole", "10.77.254.0/24", "metric", String.valueOf(dead));
            Netns.cleanupLeftovers();
            String names = Netns.run(List.of("ip", "netns", "list"), 10).out();
            String routes = Netns.run(List.of("ip", "route", "show", "type", "blackhole"), 10).out();
            assertThat(names).as("a dead run's namespace is removed").doesNotContain(deadNs);
            assertThat(names).as("a live run's namespace is kept").contains(liveNs);
            assertThat(routes).as("a dead run's route is removed").doesNotContain("10.77.254.0/24");
        } finally {
            Netns.run(List.of("ip", "netns", "del", deadNs), 10);
            Netns.run(List.of("ip", "netns", "del", liveNs), 10);
            Netns.run(List.of("ip", "route", "del", "blackhole", "10.77.254.0/24", "metric", String.valueOf(dead)), 10);
        }
    }
}
