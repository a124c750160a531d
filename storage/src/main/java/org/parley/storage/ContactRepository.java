package org.parley.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.core.Bytes;

/** Contacts by id. */
public interface ContactRepository {
    /** Inserts or replaces. */
    CompletableFuture<Void> put(Contact contact);

    Optional<Contact> get(Bytes contactId);

    CompletableFuture<Boolean> delete(Bytes contactId);

    /** All contacts in id order (unsigned bytes). */
    List<Contact> list();
}
