package org.parley.routing.crypto;

import org.parley.core.Bytes;

import java.util.ArrayList;
import java.util.List;

/**
 * A client's tor1 state for a whole circuit: one forward and one backward {@link Tor1Layer} per
 * hop, hop 0 being the guard. Not thread-safe.
 */
public final class Tor1ClientCrypto implements ClientOnion {
    private final List<Tor1Layer> forward = new ArrayList<>();
    private final List<Tor1Layer> backward = new ArrayList<>();

    public void addHop(Tor1Keys keys) {
        forward.add(new Tor1Layer(keys.kf(), keys.df()));
        backward.add(new Tor1Layer(keys.kb(), keys.db()));
    }

    @Override
    public void addHop(Bytes seed) {
        addHop(Tor1Keys.fromKeyStream(seed));
    }

    @Override
    public void encryptTo(int hop, int cellCommand, byte[] body) {
        encryptTo(hop, body);
    }

    @Override
    public int decryptFrom(int cellCommand, byte[] body) {
        return decryptFrom(body);
    }

    @Override
    public int hops() {
        return forward.size();
    }

    /** Seals {@code body} for hop {@code hop} and applies the layers of that hop down to the guard. */
    public void encryptTo(int hop, byte[] body) {
        forward.get(hop).seal(body);
        for (int i = hop; i >= 0; i--) {
            forward.get(i).crypt(body);
        }
    }

    /**
     * Peels backward layers from the guard outwards until one hop recognizes the cell.
     *
     * @return the index of the hop that sent it, or -1 if none did (the circuit must close)
     */
    public int decryptFrom(byte[] body) {
        for (int i = 0; i < backward.size(); i++) {
            backward.get(i).crypt(body);
            if (backward.get(i).recognize(body)) {
                return i;
            }
        }
        return -1;
    }
}
