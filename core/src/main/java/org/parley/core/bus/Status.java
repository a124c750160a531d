package org.parley.core.bus;

import java.util.Map;

/**
 * A verticle's answer to {@link Ping}: which concern, on which cluster member, in what state,
 * with a few details (counts, ports) as text.
 */
public record Status(String concern, String member, String state, Map<String, String> details) implements BusMessage {
    public Status {
        details = Map.copyOf(details);
    }
}
