package org.parley.core.bus;

import org.parley.core.Bytes;

import java.util.List;

/** Requests to the discovery verticle: the relay directory for path selection ({@link Addresses#DISCOVERY_RELAYS}). */
public sealed interface DiscoveryMessage extends BusMessage {

    /** Up to {@code max} relay descriptors known and unexpired, any order. */
    record RelayQuery(int max) implements DiscoveryMessage {}

    /** A relay as discovery knows it (from a verified, unexpired descriptor). */
    record RelayInfo(String nodeId, String address, Bytes onionKey, String family, long bandwidth,
                     boolean guard, boolean inbox) implements DiscoveryMessage {}

    record RelayList(List<RelayInfo> relays) implements DiscoveryMessage {}

    /** A link-level RPC (DHT message) that arrived on a peer link from the authenticated {@code fromNodeId}. */
    record LinkRpcIn(String fromNodeId, Bytes rpc) implements DiscoveryMessage {}
}
