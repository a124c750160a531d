package org.parley.discovery.sim;

import org.parley.core.Bytes;
import org.parley.discovery.kademlia.Distance;
import org.parley.discovery.net.Contact;
import org.parley.discovery.wire.DhtMessage;
import org.parley.discovery.wire.DhtMessageCodec;
import org.parley.discovery.wire.Header;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A colluding group of malicious DHT nodes. Each answers PING (to stay in tables), acknowledges
 * STORE and drops the record, and answers FIND_NODE / FIND_VALUE with the k members of the group
 * closest to the target and never a record. They speak the real wire format.
 */
public final class SybilAttacker {
    private final List<Contact> members = new ArrayList<>();
    private final List<InMemoryNetwork.Endpoint> endpoints = new ArrayList<>();
    private final int k;

    public SybilAttacker(int k) {
        this.k = k;
    }

    public List<Contact> members() {
        return members;
    }

    public void add(InMemoryNetwork net, Contact me) {
        members.add(me);
        InMemoryNetwork.Endpoint ep = net.endpoint(me.identityKey(), me.address());
        endpoints.add(ep);
        ep.setReceiver((from, bytes) -> {
            DhtMessage m = DhtMessageCodec.decode(bytes);
            Header h = new Header(m.header().requestId(), me, false);
            DhtMessage reply = null;
            if (m instanceof DhtMessage.Ping) {
                reply = new DhtMessage.Pong(h);
            } else if (m instanceof DhtMessage.FindNode f) {
                reply = new DhtMessage.Nodes(h, closest(f.target().value(), me));
            } else if (m instanceof DhtMessage.FindValue f) {
                reply = new DhtMessage.Value(h, List.of(), closest(f.key(), me));
            } else if (m instanceof DhtMessage.Store) {
                reply = new DhtMessage.StoreAck(h, DhtMessage.StoreStatus.STORED);
            }
            if (reply != null) ep.send(m.header().sender(), DhtMessageCodec.encode(reply));
        });
    }

    /** Makes every member known to {@code victim}: each pings it, and the victim inserts the sender. */
    public void announceTo(Contact victim) {
        for (int i = 0; i < members.size(); i++) {
            Header h = new Header(0x5EED0000L + i, members.get(i), false);
            endpoints.get(i).send(victim, DhtMessageCodec.encode(new DhtMessage.Ping(h)));
        }
    }

    private List<Contact> closest(Bytes target, Contact me) {
        return members.stream().filter(c -> !c.equals(me))
                .sorted((a, b) -> Distance.compare(a.id().value(), b.id().value(), target))
                .limit(k).collect(Collectors.toList());
    }
}
