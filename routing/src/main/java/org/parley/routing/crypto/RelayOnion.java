package org.parley.routing.crypto;

/** A relay's relay-cell crypto for one circuit (tor1 or CGO). Not thread-safe. */
public interface RelayOnion {
    /** Removes this hop's layer from a forward cell; true if the cell is for this hop. */
    boolean decryptForward(int cellCommand, byte[] body);

    /** Adds this hop's layer to a backward cell from further out. */
    void encryptBackward(int cellCommand, byte[] body);

    /** Seals and encrypts a backward cell this relay originates. */
    void originateBackward(int cellCommand, byte[] body);
}
