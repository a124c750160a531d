package org.parley.verticles.config;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.core.time.ManualClock;
import org.parley.core.time.ManualScheduler;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.service.DeliveryConfig;
import org.parley.delivery.service.DeliveryService;
import org.parley.delivery.service.EnvelopeRouter;
import org.parley.delivery.service.InMemoryDeliveryStore;
import org.parley.verticles.delivery.MicrometerDeliveryMetrics;
import org.parley.verticles.node.DeliveryVerticle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code delivery.cover-loops-per-day}: from the file through NodeConfig and the DeliveryVerticle's settings to a running service and its meters. */
class CoverLoopsConfigTest {
    @Test
    void theKeyReachesTheServiceWhichSendsLoopsAndCountsThemInMicrometer(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("n.yaml");
        Files.writeString(f, "delivery:\n  cover-loops-per-day: 14400\n");
        NodeConfig cfg = ConfigLoader.load(f, Map.of(), Map.of());
        assertThat(cfg.deliveryCoverLoopsPerDay()).isEqualTo(14_400);
        assertThat(NodeConfig.defaults().deliveryCoverLoopsPerDay()).isZero();
        assertThat(ConfigLoader.load(f, Map.of("PARLEY_DELIVERY_COVER_LOOPS_PER_DAY", "5"), Map.of()).deliveryCoverLoopsPerDay())
                .as("the environment (bench --processes passes it so)").isEqualTo(5);
        assertThat(NodeConfig.defaults().withCoverLoops(7).deliveryCoverLoopsPerDay()).isEqualTo(7);
        assertThat(NodeConfig.fromMap(cfg.toMap())).isEqualTo(cfg);
        DeliveryConfig dc = DeliveryVerticle.deliveryConfig(cfg);
        assertThat(dc.coverLoopsPerDay()).isEqualTo(14_400);
        assertThat(DeliveryVerticle.deliveryConfig(NodeConfig.defaults()).coverLoopsPerDay()).isZero();

        // the settings drive a service: loops (10 a minute) go to our own inbox and come back, metered
        ManualClock clock = new ManualClock(1_700_000_000_000L);
        ManualScheduler scheduler = new ManualScheduler(clock);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<InboxId> sentTo = new ArrayList<>();
        DeliveryService[] self = new DeliveryService[1];
        EnvelopeRouter loopback = new EnvelopeRouter() {
            @Override
            public CompletionStage<SendOutcome> sendToInbox(Invite.Relay relay, InboxId inbox, MessageId id, Bytes envelope) {
                sentTo.add(inbox);
                scheduler.schedule(40, () -> self[0].onInbound(envelope, List.of("g", "m")));
                return CompletableFuture.completedFuture(new SendOutcome("STORED", List.of("g", "m", "r")));
            }

            @Override
            public CompletionStage<List<String>> openInbox(Invite.Relay relay, InboxId inbox, Bytes authSeed) {
                return CompletableFuture.completedFuture(List.of("g", "m", "r"));
            }
        };
        SecureRandom rnd = SecureRandom.getInstance("SHA1PRNG");
        rnd.setSeed(3);
        self[0] = new DeliveryService(dc, new InMemoryDeliveryStore(), loopback, e -> { }, clock, scheduler, rnd,
                new MicrometerDeliveryMetrics(registry));
        Invite.Relay relay = new Invite.Relay(new NodeId(Bytes.wrap(new byte[32])), "10.0.0.1:7000");
        self[0].start(List.of(relay)).toCompletableFuture().join();
        for (int i = 0; i < 60; i++) scheduler.advance(60_000);
        self[0].stop();

        long sent = self[0].coverLoops().sent();
        assertThat(sent).isBetween(600L - 5 * 25, 600L + 5 * 25); // Poisson(600): sigma ~24.5
        assertThat(sentTo).hasSize((int) sent).allMatch(i -> i.equals(sentTo.get(0))); // our request inbox: no contacts yet
        assertThat(registry.get("parley.delivery.cover.loops").tag("outcome", "sent").counter().count()).isEqualTo(sent);
        double returned = registry.get("parley.delivery.cover.loops").tag("outcome", "returned").counter().count();
        assertThat(returned).isEqualTo(self[0].coverLoops().returned()).isGreaterThanOrEqualTo(sent - 2);
        assertThat(registry.get("parley.delivery.cover.loop.rtt").timer().count()).isEqualTo((long) returned);
        assertThat(registry.get("parley.delivery.cover.loop.rtt").timer().mean(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(40.0);
        assertThat(registry.get("parley.delivery.cover.loops").tag("outcome", "lost").counter().count()).isZero();
    }

    @Test
    void anOutOfRangeBudgetIsRefusedByName(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("n.yaml");
        Files.writeString(f, "delivery:\n  cover-loops-per-day: 100001\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), Map.of()))
                .isInstanceOf(ParleyException.class).hasMessageContaining("'delivery.cover-loops-per-day'");
        Files.writeString(f, "delivery:\n  cover-loops-per-day: -1\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), Map.of())).isInstanceOf(ParleyException.class);
    }
}
