package org.parley.discovery.bootstrap;

import org.parley.core.Bytes;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Resolves a host name to raw IP addresses (4 or 16 bytes). The verticle backs it with Vert.x's
 * non-blocking DNS client; tests with a map. Must complete on the DHT's thread.
 */
@FunctionalInterface
public interface AddressResolver {
    CompletableFuture<List<Bytes>> resolve(String host);
}
