package org.parley.routing.crypto;

/** A relay's tor1 state for one circuit: its forward and backward layer. Not thread-safe. */
public final class Tor1RelayCrypto implements RelayOnion {
    private final Tor1Layer forward;
    private final Tor1Layer backward;

    public Tor1RelayCrypto(Tor1Keys keys) {
        this.forward = new Tor1Layer(keys.kf(), keys.df());
        this.backward = new Tor1Layer(keys.kb(), keys.db());
    }

    @Override
    public boolean decryptForward(int cellCommand, byte[] body) {
        return decryptForward(body);
    }

    @Override
    public void encryptBackward(int cellCommand, byte[] body) {
        encryptBackward(body);
    }

    @Override
    public void originateBackward(int cellCommand, byte[] body) {
        originateBackward(body);
    }

    /** Removes this hop's layer from a forward cell; true if the cell is for this hop. */
    public boolean decryptForward(byte[] body) {
        forward.crypt(body);
        return forward.recognize(body);
    }

    /** Adds this hop's layer to a backward cell coming from further out. */
    public void encryptBackward(byte[] body) {
        backward.crypt(body);
    }

    /** Seals and encrypts a cell this relay originates towards the client. */
    public void originateBackward(byte[] body) {
        backward.seal(body);
        backward.crypt(body);
    }
}
