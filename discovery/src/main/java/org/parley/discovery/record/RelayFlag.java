package org.parley.discovery.record;

import java.util.EnumSet;
import java.util.Set;

/** What a relay offers. Bits on the wire; unknown bits are ignored on decode. */
public enum RelayFlag {
    RELAY(1), INBOX(2), GUARD_CAPABLE(4);

    private final int bit;

    RelayFlag(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public static int toBits(Set<RelayFlag> flags) {
        int v = 0;
        for (RelayFlag f : flags) v |= f.bit;
        return v;
    }

    public static Set<RelayFlag> fromBits(int bits) {
        EnumSet<RelayFlag> s = EnumSet.noneOf(RelayFlag.class);
        for (RelayFlag f : values()) {
            if ((bits & f.bit) != 0) s.add(f);
        }
        return s;
    }
}
