package org.parley.verticles.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every configuration key of a node, with its default. conf/node.yaml mirrors this list (a test keeps them equal). */
public final class NodeSchema {
    private NodeSchema() {}

    public static final List<ConfigKey> KEYS = List.of(
            ConfigKey.string("data-dir", "./data", "directory for the identity, the database and the gateway token"),
            ConfigKey.string("gateway.host", "127.0.0.1", "address the client gateway binds (anything but loopback exposes it)"),
            ConfigKey.integer("gateway.port", 8080, 0, 65535, "port of the client gateway (HTTP, WebSocket); 0 picks a free one"),
            ConfigKey.integer("gateway.rate-limit", 50, 1, 1_000_000, "requests per second each bearer token may make (token bucket refill); more get 429"),
            ConfigKey.integer("gateway.rate-burst", 100, 1, 1_000_000, "token bucket size: requests a token may make at once before the rate applies"),
            ConfigKey.integer("gateway.max-body-bytes", 65536, 1024, 16_777_216, "largest request body the gateway accepts; larger gets 413"),
            ConfigKey.integer("gateway.request-timeout-ms", 30_000, 100, 3_600_000, "a client connection that does not finish a request (headers and body) and get its answer within this long, or idles this long between requests, is closed; event WebSockets are exempt"),
            ConfigKey.string("peer.host", "127.0.0.1", "address the peer-link listener binds"),
            ConfigKey.integer("peer.port", 9000, 0, 65535, "port of the peer-link listener (TLS); 0 picks a free one"),
            ConfigKey.list("discovery.bootstrap", List.of(), "seed peers as host:port or host:port@nodeid (64 hex)"),
            ConfigKey.string("discovery.dns-seed", "", "DNS name (or name:port) resolving to many seed peers, e.g. a headless service; port defaults to peer.port; identities pinned on first contact"),
            ConfigKey.bool("discovery.light", false, "light (client-only) mode: stays out of others' routing tables, stores nothing for others, publishes no relay descriptor"),
            ConfigKey.integer("discovery.pow-bits", 0, 0, 32, "S/Kademlia proof-of-work: leading zero bits SHA-256(node id) needs; 0 = off; the whole network must agree"),
            ConfigKey.integer("discovery.sync-interval-ms", 300_000, 200, 86_400_000, "how often the relay directory asks neighbours for descriptors and probes a random id"),
            ConfigKey.integer("discovery.rpc-timeout-ms", 2_000, 100, 60_000, "a DHT request without a reply after this counts as failed (2 in a row evict the contact)"),
            ConfigKey.integer("discovery.refresh-interval-ms", 900_000, 200, 86_400_000, "a routing-table bucket untouched this long is refreshed with a lookup"),
            ConfigKey.integer("discovery.max-per-subnet16", 4, 2, 32, "eclipse defence: contacts per routing-table bucket and per lookup result from one IPv4 /16 or IPv6 /32 (on top of 2 per /24 or /48); 20 or more = off; off when routing.distinct-subnets is false"),
            ConfigKey.integer("discovery.max-records-per-peer", 64, 1, 10_000, "DHT records held for others that one peer (by node id) may place here; more STOREs are refused and counted in parley_dht_store_refused_total"),
            ConfigKey.integer("discovery.max-records-per-subnet", 256, 1, 10_000, "the same for all peers of one /24 or /48 (at least max-records-per-peer); off when routing.distinct-subnets is false"),
            ConfigKey.string("delivery.name", "", "display name put in our invite links and contact cards (at most 64 characters)"),
            ConfigKey.integer("delivery.ttl-seconds", 604_800, 1, 31_536_000, "how long an outgoing message is retried before it is reported failed"),
            ConfigKey.bool("delivery.read-receipts", true, "send read receipts when the user reads a message"),
            ConfigKey.list("delivery.inbox-relays", List.of(), "inbox relays for our inboxes as host:port@nodeid (64 hex); empty = pick 2 from discovery"),
            ConfigKey.integer("delivery.send-hops", 2, 1, 4, "circuit length to a contact's inbox relay (guard ... inbox relay); end-to-end relays = send-hops + the contact's inbox-hops - 1"),
            ConfigKey.integer("delivery.inbox-hops", 2, 1, 4, "circuit length from us to our own inbox relays, over which they push to us"),
            ConfigKey.integer("delivery.cover-loops-per-day", 0, 0, 100_000, "cover traffic: loop messages a day to our own inbox and pushed back, at Poisson-distributed times, each like a short real message (568-byte envelope, 2 cells up and 2 back); one not back within 10 min counts as lost; 0 = off"),
            ConfigKey.bool("routing.distinct-subnets", true, "keep two hops of a circuit out of one IPv4 /16 or IPv6 /32; turn off only for a test network on one host"),
            ConfigKey.integer("routing.cover-cells-per-minute", 0, 0, 6000, "cover traffic: average dummy-cell slots a minute on the guard link, filled by real cells when there are some (each slot costs 514 bytes each way); 0 = off"),
            ConfigKey.integer("routing.create2-per-link-rate", 50, 0, 100_000, "flood limit: CREATE2 a second per peer link (burst 4x), past it DESTROY before any handshake work; 0 = off"),
            ConfigKey.integer("routing.deliver-per-circuit-rate", 500, 0, 100_000, "flood limit: envelopes a second this inbox relay takes per circuit (burst 4x), past it a QUOTA error; 0 = off"),
            ConfigKey.integer("routing.deliver-per-link-rate", 2_000, 0, 1_000_000, "flood limit: the same per peer link, all its circuits together (burst 4x); 0 = off"),
            ConfigKey.integer("routing.flood-close-circuit-after", 32, 0, 100_000, "a circuit refused this many envelopes past its rate (forgiven at the rate) is closed; 0 = never"),
            ConfigKey.integer("routing.link-accepts-per-source-rate", 20, 0, 100_000, "flood limit: inbound peer connections a second given a TLS handshake per source address (IPv4 address, IPv6 /64; burst 5x, at most 32 handshakes at once per source, 256 in all); past it refused at TCP accept; 0 = no rate"),
            ConfigKey.integer("routing.max-links", 4_096, 1, 1_000_000, "resource limit: peer links open at once (inbound past it refused at TCP accept)"),
            ConfigKey.integer("routing.handshake-timeout-ms", 10_000, 100, 120_000, "resource limit: a peer link's TLS handshake, and then its link Hello, must each come within this time or the connection is dropped"),
            ConfigKey.integer("routing.max-link-queue-bytes", 16_777_216, 65_536, 1_073_741_824, "resource limit: bytes queued to one peer link that its peer does not read; past it the link is closed"),
            ConfigKey.integer("routing.max-circuits-per-link", 4_096, 1, 1_000_000, "resource limit: circuits one peer link may hold at this relay; a CREATE2 past it is answered DESTROY"),
            ConfigKey.integer("routing.max-queued-cells", 4_096, 16, 1_000_000, "resource limit: cells queued per circuit behind its flow-control window; past it the circuit is closed"),
            ConfigKey.integer("routing.max-message-bytes", 262_144, 4_096, 16_777_216, "resource limit: reassembly memory per circuit and direction (largest relay message); past it the circuit is closed"),
            ConfigKey.integer("routing.inbox-max-envelopes", 1_000, 1, 10_000_000, "inbox relay quota: envelopes kept per inbox; past it the sender gets a QUOTA error"),
            ConfigKey.integer("routing.inbox-max-bytes", 16_777_216, 65_536, 1_073_741_824, "inbox relay quota: bytes kept per inbox; past it the sender gets a QUOTA error"),
            ConfigKey.integer("routing.inbox-max-envelope-bytes", 262_144, 1_024, 16_777_216, "inbox relay quota: largest envelope an inbox takes"),
            ConfigKey.bool("cluster.enabled", false, "spread this node's verticles over several JVMs joined by Hazelcast"),
            ConfigKey.string("cluster.name", "", "Hazelcast cluster name; empty means parley-<first 16 hex of the node id>"),
            ConfigKey.string("cluster.host", "127.0.0.1", "address this member binds for Hazelcast and the event bus"),
            ConfigKey.integer("cluster.port", 5701, 0, 65535, "Hazelcast member port"),
            ConfigKey.list("cluster.members", List.of(), "other members to join, as host:port"),
            ConfigKey.list("cluster.only", List.of(), "verticles this member runs (storage, routing, discovery, delivery, gateway); empty means all"),
            ConfigKey.bool("metrics.enabled", true, "collect Vert.x and Parley metrics for /metrics"),
            ConfigKey.string("node.role", NodeConfig.ROLE_USER, "user: relay plus this node's own account and client API (/v1, web page); relay: relaying, inboxes for others and the directory only — no account, no /v1 (the gateway serves /health, /ready and /metrics)"));

    public static Map<String, ConfigKey> byName() {
        Map<String, ConfigKey> m = new LinkedHashMap<>();
        for (ConfigKey k : KEYS) m.put(k.name(), k);
        return m;
    }

    public static Map<String, Object> defaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (ConfigKey k : KEYS) m.put(k.name(), k.defaultValue());
        return m;
    }
}
