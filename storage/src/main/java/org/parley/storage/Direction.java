package org.parley.storage;

/** Whether a stored message was written by this node's user or received from a contact. */
public enum Direction {
    OUTGOING,
    INCOMING
}
