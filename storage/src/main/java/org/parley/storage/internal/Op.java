package org.parley.storage.internal;

/**
 * A write operation run on the engine's committer thread. It must decide and write only through
 * {@code tx}; if it throws, none of its writes are applied and its future fails.
 */
@FunctionalInterface
public interface Op<T> {
    T apply(Tx tx);
}
