package org.parley.storage;

import org.parley.core.ParleyException;

/**
 * Argon2id cost for deriving the key-encryption key from a passphrase. The parameters used
 * when a store is created are recorded in it; opening uses the recorded ones.
 */
public record Argon2Params(int memoryKiB, int iterations, int parallelism) {
    /** 64 MiB, 3 passes, 1 lane: about a third of a second on the reference machine. */
    public static final Argon2Params DEFAULT = new Argon2Params(64 * 1024, 3, 1);

    public Argon2Params {
        if (parallelism < 1 || parallelism > 16 || iterations < 1 || iterations > 64
                || memoryKiB < 8 * parallelism || memoryKiB > 4 * 1024 * 1024) {
            throw new ParleyException(ParleyException.Kind.CONFIG,
                    "argon2 parameters out of range: memoryKiB=" + memoryKiB + " iterations=" + iterations
                            + " parallelism=" + parallelism);
        }
    }
}
