package org.parley.routing.cell;

import org.parley.core.Bytes;

import java.util.List;

/** Messages carried inside relay cells, after onion decryption and reassembly. */
public sealed interface RelayMessage {
    /** The relay command code (a {@link RelayCommand} code, or the unknown code of {@link Unrecognized}). */
    int code();

    /** Ask the last hop to extend the circuit: link specifiers of the next hop and its CREATE2 data. */
    record Extend2(List<LinkSpecifier> specifiers, int htype, Bytes hdata) implements RelayMessage {
        public Extend2 {
            specifiers = List.copyOf(specifiers);
        }

        public int code() {
            return RelayCommand.EXTEND2.code();
        }
    }

    record Extended2(Bytes hdata) implements RelayMessage {
        public int code() {
            return RelayCommand.EXTENDED2.code();
        }
    }

    record Data(Bytes data) implements RelayMessage {
        public int code() {
            return RelayCommand.DATA.code();
        }
    }

    /**
     * Register this circuit as the one where envelopes for {@code inboxId} are pushed.
     * {@code signature} is Ed25519 by {@code authKey} over {@link org.parley.routing.inbox.InboxProof}.
     */
    record EstablishInbox(Bytes inboxId, Bytes authKey, Bytes signature) implements RelayMessage {
        public int code() {
            return RelayCommand.ESTABLISH_INBOX.code();
        }
    }

    /** Accepted; {@code pending} envelopes are waiting and will follow as PUSH. */
    record InboxEstablished(Bytes inboxId, long pending) implements RelayMessage {
        public int code() {
            return RelayCommand.INBOX_ESTABLISHED.code();
        }
    }

    /** Store {@code envelope} in inbox {@code inboxId}; {@code messageId} (16 bytes) is the sender's. */
    record Deliver(Bytes inboxId, Bytes messageId, Bytes envelope) implements RelayMessage {
        public int code() {
            return RelayCommand.DELIVER.code();
        }
    }

    /** The envelope is durably stored; {@code duplicate} if that message id was stored before. */
    record Stored(Bytes messageId, boolean duplicate) implements RelayMessage {
        public int code() {
            return RelayCommand.STORED.code();
        }
    }

    /** An envelope for the recipient, down its registered circuit. */
    record Push(Bytes inboxId, Bytes messageId, Bytes envelope) implements RelayMessage {
        public int code() {
            return RelayCommand.PUSH.code();
        }
    }

    /** The recipient has the envelope; the relay deletes it. */
    record Ack(Bytes inboxId, Bytes messageId) implements RelayMessage {
        public int code() {
            return RelayCommand.ACK.code();
        }
    }

    /** A refusal; {@code reference} is the message id or inbox id it concerns (may be empty). */
    record Error(InboxErrorKind kind, Bytes reference) implements RelayMessage {
        public int code() {
            return RelayCommand.ERROR.code();
        }
    }

    /**
     * Cover traffic: the addressed hop discards it; with {@code echo} it first answers with a
     * {@code Drop(false)}, so a cover cell costs a round trip like a real DELIVER/STORED does.
     */
    record Drop(boolean echo) implements RelayMessage {
        public int code() {
            return RelayCommand.DROP.code();
        }
    }

    /** Flow control: the receiver has taken one window increment of cells. */
    record Sendme() implements RelayMessage {
        public int code() {
            return RelayCommand.SENDME.code();
        }
    }

    record End(int reason) implements RelayMessage {
        public int code() {
            return RelayCommand.END.code();
        }
    }

    record Unrecognized(int code, Bytes body) implements RelayMessage {
    }
}
