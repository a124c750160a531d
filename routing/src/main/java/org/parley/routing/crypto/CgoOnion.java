package org.parley.routing.crypto;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.util.ArrayList;
import java.util.List;

/**
 * CGO for circuits. A hop's seed is {@code forward K‖N (80) | backward K‖N (80) | binding (20)}
 * (Arti's CryptStatePair layout), read from the ntor v3 key stream.
 */
public final class CgoOnion {
    public static final int BINDING_LEN = 20;
    public static final int SEED_LEN = 2 * Cgo.STATE_SEED_LEN + BINDING_LEN;

    private CgoOnion() {
    }

    private static byte[] check(Bytes seed) {
        if (seed.length() < SEED_LEN) {
            throw ParleyException.malformed("CGO needs " + SEED_LEN + " key bytes, got " + seed.length());
        }
        return seed.toArray();
    }

    /** The circuit binding of a hop seed. */
    public static Bytes binding(Bytes seed) {
        return seed.slice(2 * Cgo.STATE_SEED_LEN, SEED_LEN);
    }

    public static final class Client implements ClientOnion {
        private final List<Cgo.State> forward = new ArrayList<>();
        private final List<Cgo.State> backward = new ArrayList<>();

        @Override
        public void addHop(Bytes seed) {
            byte[] s = check(seed);
            forward.add(new Cgo.State(s, 0));
            backward.add(new Cgo.State(s, Cgo.STATE_SEED_LEN));
        }

        @Override
        public int hops() {
            return forward.size();
        }

        @Override
        public void encryptTo(int hop, int cellCommand, byte[] body) {
            forward.get(hop).clientOriginate(cellCommand, body);
            for (int i = hop - 1; i >= 0; i--) {
                forward.get(i).clientEncryptOutbound(cellCommand, body);
            }
        }

        @Override
        public int decryptFrom(int cellCommand, byte[] body) {
            for (int i = 0; i < backward.size(); i++) {
                if (backward.get(i).clientDecryptInbound(cellCommand, body)) return i;
            }
            return -1;
        }
    }

    public static final class Relay implements RelayOnion {
        private final Cgo.State forward;
        private final Cgo.State backward;

        public Relay(Bytes seed) {
            byte[] s = check(seed);
            forward = new Cgo.State(s, 0);
            backward = new Cgo.State(s, Cgo.STATE_SEED_LEN);
        }

        @Override
        public boolean decryptForward(int cellCommand, byte[] body) {
            return forward.relayDecryptOutbound(cellCommand, body);
        }

        @Override
        public void encryptBackward(int cellCommand, byte[] body) {
            backward.relayEncryptInbound(cellCommand, body);
        }

        @Override
        public void originateBackward(int cellCommand, byte[] body) {
            backward.relayOriginate(cellCommand, body);
        }
    }
}
