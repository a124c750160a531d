package org.parley.discovery.wire;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.discovery.net.Contact;
import org.parley.discovery.record.SignedRecord;

import java.util.List;

/** The DHT's wire messages: one record per message, plus {@link Unrecognized} for unknown codes. */
public sealed interface DhtMessage {
    int MAX_CONTACTS = 32;
    int MAX_RECORDS = 8;
    int MAX_RELAYS = 64;

    Header header();

    /** The command code; for {@link Unrecognized}, empty. */
    java.util.Optional<MessageType> type();

    record Ping(Header header) implements DhtMessage {
        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.PING); }
    }

    record Pong(Header header) implements DhtMessage {
        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.PONG); }
    }

    record FindNode(Header header, NodeId target) implements DhtMessage {
        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.FIND_NODE); }
    }

    record Nodes(Header header, List<Contact> contacts) implements DhtMessage {
        public Nodes {
            if (contacts.size() > MAX_CONTACTS) throw ParleyException.malformed("too many contacts: " + contacts.size());
            contacts = List.copyOf(contacts);
        }

        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.NODES); }
    }

    record FindValue(Header header, Bytes key) implements DhtMessage {
        public FindValue {
            if (key.length() != 32) throw ParleyException.malformed("DHT key must be 32 bytes");
        }

        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.FIND_VALUE); }
    }

    /** Reply to FIND_VALUE: the records held under the key (possibly none) and closer contacts. */
    record Value(Header header, List<SignedRecord> records, List<Contact> contacts) implements DhtMessage {
        public Value {
            if (records.size() > MAX_RECORDS) throw ParleyException.malformed("too many records: " + records.size());
            if (contacts.size() > MAX_CONTACTS) throw ParleyException.malformed("too many contacts: " + contacts.size());
            records = List.copyOf(records);
            contacts = List.copyOf(contacts);
        }

        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.VALUE); }
    }

    record Store(Header header, SignedRecord record) implements DhtMessage {
        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.STORE); }
    }

    record StoreAck(Header header, StoreStatus status) implements DhtMessage {
        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.STORE_ACK); }
    }

    /** Asks a neighbour for up to {@code max} relay descriptors it knows (directory digest exchange). */
    record GetRelays(Header header, int max) implements DhtMessage {
        public GetRelays {
            if (max < 1 || max > MAX_RELAYS) throw ParleyException.malformed("GET_RELAYS max must be 1.." + MAX_RELAYS);
        }

        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.GET_RELAYS); }
    }

    record Relays(Header header, List<SignedRecord> records) implements DhtMessage {
        public Relays {
            if (records.size() > MAX_RELAYS) throw ParleyException.malformed("too many relay records: " + records.size());
            records = List.copyOf(records);
        }

        public java.util.Optional<MessageType> type() { return java.util.Optional.of(MessageType.RELAYS); }
    }

    /** A message with a command code this version does not know; kept so it can be counted and ignored. */
    record Unrecognized(Header header, int code, Bytes body) implements DhtMessage {
        public java.util.Optional<MessageType> type() { return java.util.Optional.empty(); }
    }

    /** STORE outcome codes. */
    enum StoreStatus {
        STORED(0), STALE(1), INVALID(2), FULL(3), REFUSED(4);

        private final int code;

        StoreStatus(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static StoreStatus fromCode(int code) {
            for (StoreStatus s : values()) {
                if (s.code == code) return s;
            }
            throw ParleyException.malformed("unknown store status " + code);
        }
    }
}
