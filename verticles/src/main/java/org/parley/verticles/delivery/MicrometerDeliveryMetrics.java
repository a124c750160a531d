package org.parley.verticles.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.parley.delivery.service.DeliveryMetrics;

import java.util.concurrent.TimeUnit;

/** {@link DeliveryMetrics} on Micrometer: {@code parley_delivery_*} in Prometheus terms. */
public final class MicrometerDeliveryMetrics implements DeliveryMetrics {
    private final Counter sent, received, receipts, retries, failed, groupRefused, gaps;
    private final Timer latency, loopRtt;
    private final Counter loopsSent, loopsReturned, loopsLost, loopsFailed, loopsSkipped;

    public MicrometerDeliveryMetrics(MeterRegistry r) {
        sent = Counter.builder("parley.delivery.messages.sent").description("message envelopes an inbox relay stored (each attempt)").register(r);
        received = Counter.builder("parley.delivery.messages.received").description("new messages received and persisted").register(r);
        receipts = Counter.builder("parley.delivery.receipts.received").description("delivery and read receipts received").register(r);
        retries = Counter.builder("parley.delivery.retries").description("retransmissions (no STORED or no receipt in time)").register(r);
        failed = Counter.builder("parley.delivery.failed").description("messages that reached failed (TTL)").register(r);
        groupRefused = Counter.builder("parley.delivery.group.changes.refused")
                .description("group changes refused: not signed by an admin of the group, or forged").register(r);
        gaps = Counter.builder("parley.delivery.gaps")
                .description("messages a sender sent that never reached this device (gaps in its sequence numbers, shown as gap notices)").register(r);
        latency = Timer.builder("parley.delivery.latency").description("from send to delivered (receipt received)")
                .publishPercentileHistogram().register(r);
        loopsSent = loops(r, "sent", "cover loops handed to routing (to one of our own inboxes)");
        loopsReturned = loops(r, "returned", "cover loops back through our own inbox");
        loopsLost = loops(r, "lost", "cover loops not back within 10 minutes: dropped or held on the way or at the inbox relay");
        loopsFailed = loops(r, "failed", "cover loops routing refused or gave up on (no circuit, relay refused, no STORED in time)");
        loopsSkipped = loops(r, "skipped", "cover loops due while 64 were outstanding or before any of our inboxes was open");
        loopRtt = Timer.builder("parley.delivery.cover.loop.rtt").description("round trip of a cover loop: send to its return through our inbox")
                .publishPercentileHistogram().register(r);
    }

    private static Counter loops(MeterRegistry r, String outcome, String description) {
        return Counter.builder("parley.delivery.cover.loops").tag("outcome", outcome).description(description).register(r);
    }

    @Override
    public void messageSent() {
        sent.increment();
    }

    @Override
    public void messageReceived() {
        received.increment();
    }

    @Override
    public void receiptReceived() {
        receipts.increment();
    }

    @Override
    public void retry() {
        retries.increment();
    }

    @Override
    public void failed() {
        failed.increment();
    }

    @Override
    public void groupChangeRefused() {
        groupRefused.increment();
    }

    @Override
    public void gapsDetected(long missed) {
        gaps.increment(missed);
    }

    @Override
    public void deliveredAfter(long millis) {
        latency.record(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void coverLoopSent() {
        loopsSent.increment();
    }

    @Override
    public void coverLoopReturned(long roundTripMillis) {
        loopsReturned.increment();
        loopRtt.record(roundTripMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void coverLoopLost() {
        loopsLost.increment();
    }

    @Override
    public void coverLoopFailed() {
        loopsFailed.increment();
    }

    @Override
    public void coverLoopSkipped() {
        loopsSkipped.increment();
    }
}
