package org.parley.core.bus;

import java.util.ArrayList;
import java.util.List;

/**
 * A request that travels through several verticles and records each stop as
 * {@code concern@member}, so a test or an operator can see the path it took.
 */
public record Probe(String token, List<String> trail) implements BusMessage {
    public Probe {
        trail = List.copyOf(trail);
    }

    public Probe visit(String concern, String member) {
        List<String> t = new ArrayList<>(trail);
        t.add(concern + "@" + member);
        return new Probe(token, t);
    }
}
