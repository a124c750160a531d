package org.parley.storage;

/** The typed repositories of a {@link Store}; metrics are labelled with {@link #label()}. */
public enum Repository {
    KEYS("keys"),
    CONTACTS("contacts"),
    SESSIONS("sessions"),
    CONVERSATIONS("conversations"),
    MESSAGES("messages"),
    INBOX("inbox"),
    DHT("dht"),
    REPLAY("replay"),
    META("meta"),
    /** Bookkeeping of the store itself: schema version, sealed data key, expiry index. */
    SYSTEM("system");

    private final String label;

    Repository(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
