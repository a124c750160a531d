package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.bus.DeliveryMessage;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a second device costs per message, end to end over SimNet (all nodes on this thread, so
 * the thread's CPU time is the whole network's work: sealing, ratchet steps, unsealing, receipts,
 * stores): alice sends {@code n} texts to bob from her phone, alone or with a linked laptop that
 * gets a transcript of each. Reports CPU and envelopes/bytes on the wire per message. Default
 * n = 100 (a few seconds); {@code -Dparley.bench.messages=2000} for the numbers in
 * docs/benchmarks.md.
 */
class MultiDeviceCostTest {
    record Cost(int messages, long cpuNanos, int envelopes, long bytes) {
        double cpuMicrosPerMessage() {
            return cpuNanos / 1000.0 / messages;
        }

        double envelopesPerMessage() {
            return (double) envelopes / messages;
        }

        double bytesPerMessage() {
            return (double) bytes / messages;
        }
    }

    static Cost run(boolean withLaptop, int n, long seed) {
        SimNet net = new SimNet(seed, 4);
        SimNet.Peer phone = net.peer("alice", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("bob"), 2);
        String conv = DeliveryServiceTest.connect(net, phone, bob)[0];
        SimNet.Peer laptop = null;
        if (withLaptop) {
            SimNet.Peer l = net.peer("laptop", new InMemoryDeliveryStore(), DeliveryServiceTest.fast("alice"), 3);
            laptop = l;
            String code = ((DeliveryMessage.LinkCode) MultiDeviceTest.ask(l, new DeliveryMessage.BeginLink("Laptop"))).code();
            MultiDeviceTest.ask(phone, new DeliveryMessage.LinkDevice(code));
            assertThat(net.runUntil(() -> MultiDeviceTest.devices(l).role().equals("linked")
                    && DeliveryServiceTest.contacts(l).stream().anyMatch(c -> c.contactId().equals(conv))
                    && DeliveryServiceTest.controlSettled(phone) && DeliveryServiceTest.controlSettled(bob)
                    && DeliveryServiceTest.controlSettled(l), 120_000)).isTrue();
        }
        net.scheduler.advance(5_000); // let every receipt of the setup settle
        int mark = net.sends.size();
        int settledBefore = phone.counts[5];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            phone.service.sendText(conv, "message number " + i);
            if (i % 10 == 9) net.scheduler.advance(10);
        }
        // a cheap check while measuring: the phone counts a message once every recipient device confirmed it (the laptop too)
        SimNet.Peer l = laptop;
        assertThat(net.runUntil(() -> phone.counts[5] - settledBefore == n, 600_000))
                .as("settled %d of %d; statuses %s; laptop shows %s", phone.counts[5] - settledBefore, n, DeliveryServiceTest.statusCounts(phone),
                        l == null ? "-" : MultiDeviceTest.texts(l, "out", conv).size()).isTrue();
        net.scheduler.advance(5_000); // the receipts that follow the last message
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        assertThat(DeliveryServiceTest.statusCounts(phone).get("delivered")).isEqualTo(n);
        if (laptop != null) assertThat(MultiDeviceTest.texts(laptop, "out", conv)).hasSize(n);
        int envelopes = net.sends.size() - mark;
        long bytes = net.sends.subList(mark, net.sends.size()).stream().mapToLong(SimNet.Sent::length).sum();
        return new Cost(n, cpu, envelopes, bytes);
    }

    @Test
    void aSecondDeviceCostsAboutOneMoreSealAndEnvelopePerMessage() {
        int n = Integer.getInteger("parley.bench.messages", 100);
        run(false, Math.min(n, 100), 1); // warm-up
        run(true, Math.min(n, 100), 2);
        Cost one = run(false, n, 3);
        Cost two = run(true, n, 4);
        System.out.printf("multi-device cost, %d messages alice->bob (SimNet, one thread):%n", n);
        System.out.printf("  phone only      : %.0f us CPU/msg, %.2f envelopes/msg, %.0f bytes/msg%n",
                one.cpuMicrosPerMessage(), one.envelopesPerMessage(), one.bytesPerMessage());
        System.out.printf("  phone + laptop  : %.0f us CPU/msg, %.2f envelopes/msg, %.0f bytes/msg%n",
                two.cpuMicrosPerMessage(), two.envelopesPerMessage(), two.bytesPerMessage());
        // the transcript to the laptop is one more envelope per message (plus the laptop's and bob's extra receipts, batched)
        assertThat(two.envelopesPerMessage() - one.envelopesPerMessage()).isBetween(0.9, 3.0);
        assertThat(two.bytesPerMessage()).isGreaterThan(one.bytesPerMessage());
    }
}
