package org.parley.routing.hostile;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.routing.RoutingMetrics;
import org.parley.routing.cell.Cell;
import org.parley.routing.cell.CellCodec;
import org.parley.routing.cell.CellCommand;
import org.parley.routing.cell.DestroyReason;
import org.parley.routing.cell.InboxErrorKind;
import org.parley.routing.cell.RelayMessage;
import org.parley.routing.circuit.ClientCircuit;
import org.parley.routing.circuit.FloodLimits;
import org.parley.routing.circuit.RoutingConfig;
import org.parley.routing.crypto.NtorV3;
import org.parley.routing.inbox.InMemoryInboxStore;
import org.parley.routing.link.Link;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One test per {@link FloodLimits} limit: a peer pushes past it, gets the explicit refusal (DESTROY
 * RESOURCELIMIT for CREATE2, ERROR QUOTA for DELIVER), the hit is counted under its reason, a
 * circuit (or, when configured, a link) that keeps pushing is closed, and others are still served.
 */
class FloodLimitsTest {
    private static final Bytes INBOX = HostileNet.bytes(32, 1);

    /** Node 0: an inbox relay with {@code limits}, INBOX bound; the others: default relays and clients. */
    private static HostileNet net(int n, FloodLimits limits) {
        InMemoryInboxStore store = new InMemoryInboxStore(10_000, 1L << 30, 3_600_000);
        store.bindAuthKey(INBOX, HostileNet.bytes(32, 2));
        return new HostileNet(n, i -> i == 0 ? RoutingConfig.defaults().withFloodLimits(limits) : RoutingConfig.defaults(), 0, store);
    }

    private static void deliver(HostileNet net, ClientCircuit c, int count, int seed) {
        for (int i = 0; i < count; i++) {
            c.sendToLast(new RelayMessage.Deliver(INBOX, HostileNet.bytes(16, seed + i), HostileNet.bytes(100, i)));
        }
        net.network.runUntilIdle();
    }

    private static long count(List<RelayMessage> ms, Class<?> type) {
        return ms.stream().filter(type::isInstance).count();
    }

    @Test
    void aCircuitPastItsDeliverRateGetsQuotaErrorsThenIsClosedAndOthersAreServed() {
        // per circuit: burst 20, 10/s, closed at 8 strikes; per link off
        HostileNet net = net(4, new FloodLimits(0, 1, 10, 20, 0, 1, 8, 0));
        HostileNet.Recorder flood = new HostileNet.Recorder();
        ClientCircuit c = net.build(2, flood, 0);
        deliver(net, c, 40, 1_000);
        // 20 stored, the next 7 refused with ERROR QUOTA, the 8th refusal closes the circuit, the rest are dropped unread
        assertThat(count(flood.messages, RelayMessage.Stored.class)).isEqualTo(20);
        assertThat(flood.messages).filteredOn(m -> m instanceof RelayMessage.Error).hasSize(7)
                .allSatisfy(m -> assertThat(((RelayMessage.Error) m).kind()).isEqualTo(InboxErrorKind.QUOTA));
        assertThat(flood.closed).containsExactly(DestroyReason.RESOURCELIMIT);
        assertThat(net.metrics.get(0).count(RoutingMetrics.DELIVER_RATE)).isEqualTo(8);
        assertThat(net.metrics.get(0).count(RoutingMetrics.CIRCUIT_CLOSED_FLOODING)).isEqualTo(1);
        assertThat(net.metrics.get(0).stored).isEqualTo(20);
        assertThat(net.nodes.get(0).relay().openCircuits()).isZero();

        // another sender's circuit is not touched by it
        HostileNet.Recorder other = new HostileNet.Recorder();
        deliver(net, net.build(3, other, 0), 5, 5_000);
        assertThat(count(other.messages, RelayMessage.Stored.class)).isEqualTo(5);

        // the flooder's own new circuit has its own budget, and a refill: 1 s later at 10/s
        net.clock.advance(1_000);
        HostileNet.Recorder again = new HostileNet.Recorder();
        deliver(net, net.build(2, again, 0), 3, 9_000);
        assertThat(count(again.messages, RelayMessage.Stored.class)).isEqualTo(3);
        assertThat(again.closed).isEmpty();
    }

    @Test
    void aSenderUnderItsRateIsNeverRefused() {
        HostileNet net = net(3, new FloodLimits(0, 1, 10, 5, 0, 1, 4, 0));
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(2, rec, 0);
        for (int i = 0; i < 50; i++) { // 9 a second for 5.5 s, at a limit of 10/s
            deliver(net, c, 1, i);
            net.clock.advance(111);
        }
        assertThat(count(rec.messages, RelayMessage.Stored.class)).isEqualTo(50);
        assertThat(net.metrics.get(0).count(RoutingMetrics.DELIVER_RATE)).isZero();
        assertThat(rec.closed).isEmpty();
    }

    @Test
    void circuitsSharingALinkShareItsDeliverRate() {
        // per link: burst 15; per circuit off
        HostileNet net = net(4, new FloodLimits(0, 1, 0, 1, 10, 15, 0, 0));
        HostileNet.Recorder a = new HostileNet.Recorder();
        HostileNet.Recorder b = new HostileNet.Recorder();
        ClientCircuit ca = net.build(2, a, 0);
        ClientCircuit cb = net.build(2, b, 0);
        deliver(net, ca, 10, 100);
        deliver(net, cb, 10, 200);
        assertThat(count(a.messages, RelayMessage.Stored.class) + count(b.messages, RelayMessage.Stored.class)).isEqualTo(15);
        assertThat(count(b.messages, RelayMessage.Error.class)).isEqualTo(5);
        assertThat(net.metrics.get(0).count(RoutingMetrics.DELIVER_LINK_RATE)).isEqualTo(5);
        // a sender on another link has its own
        HostileNet.Recorder other = new HostileNet.Recorder();
        deliver(net, net.build(3, other, 0), 10, 300);
        assertThat(count(other.messages, RelayMessage.Stored.class)).isEqualTo(10);
    }

    @Test
    void create2PastTheLinkRateIsRefusedBeforeAnyHandshakeWork() {
        HostileNet net = net(3, new FloodLimits(10, 5, 0, 1, 0, 1, 0, 0));
        List<DestroyReason> destroys = new ArrayList<>();
        net.network.setTamper(frame -> {
            if (frame.length == Cell.CELL_LEN && (frame[4] & 0xff) == CellCommand.DESTROY.code()) {
                destroys.add(((Cell.Destroy) CellCodec.decode(frame)).reason());
            }
            return frame;
        });
        Link link = net.link(2, 0);
        // CREATE2s naming nobody's keys: each costs the relay a Diffie-Hellman before the handshake fails
        for (int i = 0; i < 20; i++) {
            net.nodes.get(2).circuitSwitch().send(link, new Cell.Create2(0x80000000 | (1_000 + i), NtorV3.HTYPE, HostileNet.bytes(200, i)));
        }
        net.network.runUntilIdle();
        assertThat(net.metrics.get(0).count(RoutingMetrics.CREATE_REFUSED)).isEqualTo(5); // the burst: handshakes tried
        assertThat(net.metrics.get(0).count(RoutingMetrics.CREATE2_RATE)).isEqualTo(15); // the rest: no handshake
        assertThat(destroys).hasSize(20);
        assertThat(destroys.stream().filter(r -> r == DestroyReason.RESOURCELIMIT)).hasSize(15);
        assertThat(net.network.openLinkCount()).isEqualTo(1); // links are not closed by default

        // while the bucket is empty an honest build over the same link is refused too, explicitly; after a refill it works
        HostileNet.Recorder refused = new HostileNet.Recorder();
        assertThat(net.buildAsync(2, refused, 0)).isCompletedExceptionally();
        net.clock.advance(200);
        HostileNet.Recorder rec = new HostileNet.Recorder();
        ClientCircuit c = net.build(2, rec, 0);
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void aLinkThatKeepsSendingCreate2PastItsRateIsClosedWhenConfigured() {
        HostileNet net = net(3, new FloodLimits(10, 5, 0, 1, 0, 1, 0, 8));
        Link link = net.link(2, 0);
        for (int i = 0; i < 20; i++) {
            net.nodes.get(2).circuitSwitch().send(link, new Cell.Create2(0x80000000 | (1_000 + i), NtorV3.HTYPE, HostileNet.bytes(200, i)));
        }
        net.network.runUntilIdle();
        assertThat(net.metrics.get(0).count(RoutingMetrics.CREATE2_RATE)).isEqualTo(8);
        assertThat(net.metrics.get(0).count(RoutingMetrics.LINK_CLOSED_FLOODING)).isEqualTo(1);
        assertThat(net.network.openLinkCount()).isZero();
    }

    @Test
    void withTheLimitsOffAFloodIsAnsweredOnItsMerits() {
        HostileNet net = net(3, FloodLimits.OFF);
        HostileNet.Recorder rec = new HostileNet.Recorder();
        deliver(net, net.build(2, rec, 0), 300, 0);
        assertThat(count(rec.messages, RelayMessage.Stored.class)).isEqualTo(300);
        for (String r : List.of(RoutingMetrics.DELIVER_RATE, RoutingMetrics.DELIVER_LINK_RATE, RoutingMetrics.CREATE2_RATE)) {
            assertThat(net.metrics.get(0).count(r)).isZero();
        }
    }
}
