package org.parley.verticles.node;

import io.micrometer.core.instrument.MeterRegistry;
import org.parley.core.identity.NodeIdentity;
import org.parley.verticles.config.NodeConfig;

/** What every verticle of one node shares: the identity, which member it runs on, the meter registry and the config. */
public record NodeContext(NodeIdentity identity, String member, MeterRegistry registry, NodeConfig config) {
}
