package org.parley.discovery.sim;

import org.parley.core.identity.NodeIdentity;
import org.parley.discovery.kademlia.DhtNode;

/** A node of a simulation with its identity (to sign records) and transport endpoint. */
public record SimNode(NodeIdentity identity, DhtNode dht, InMemoryNetwork.Endpoint endpoint) {
}
