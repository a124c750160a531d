package org.parley.discovery.sim;

import org.parley.core.Bytes;
import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.net.PeerAddress;
import org.parley.discovery.record.RelayDescriptor;
import org.parley.discovery.record.RelayFlag;
import org.parley.discovery.record.SignedRecord;

import java.util.EnumSet;
import java.util.List;
import java.util.Random;

/** Valid records for tests. */
public final class Fixtures {
    private Fixtures() {
    }

    public static RelayDescriptor descriptor(NodeIdentity id, long now, Random random) {
        byte[] onion = new byte[32];
        random.nextBytes(onion);
        return RelayDescriptor.create(id, Bytes.wrap(onion), now + 7 * 24 * 3600_000L,
                List.of(PeerAddress.ipv4(10, 1, 2, 3, 7000)), List.of(), 1000,
                EnumSet.of(RelayFlag.RELAY, RelayFlag.INBOX), "parley/0.1.0");
    }

    public static SignedRecord relayRecord(NodeIdentity id, long now, long version, Random random) {
        return descriptor(id, now, random).toRecord(id, version, now + 3600_000L);
    }
}
