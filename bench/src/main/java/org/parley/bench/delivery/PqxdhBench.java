package org.parley.bench.delivery;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.parley.core.Bytes;
import org.parley.delivery.handshake.InMemoryPreKeyStore;
import org.parley.delivery.handshake.Pqxdh;
import org.parley.delivery.handshake.PreKeyBundle;
import org.parley.delivery.handshake.SessionBuilder;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionCipher;
import org.parley.delivery.ratchet.SessionState;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * PQXDH session setup, both sides: Alice validates Bob's bundle, does 3 X25519 + ML-KEM-768
 * encapsulation + her first ratchet step and encrypts a first message; Bob validates her identity,
 * does 3 X25519 + decapsulation, builds his state and decrypts. No one-time prekey (last-resort
 * path), so the store is not drained. Target: both sides ≤ 2 ms.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PqxdhBench {
    private SecureRandom random;
    private SessionCipher cipher;
    private IdentityKeyPair alice;
    private IdentityKeyPair bob;
    private InMemoryPreKeyStore store;
    private PreKeyBundle bundle;
    private final byte[] plaintext = new byte[256];

    @Setup
    public void setup() throws Exception {
        random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(99);
        cipher = new SessionCipher(random);
        alice = IdentityKeyPair.generate(random);
        bob = IdentityKeyPair.generate(random);
        store = new InMemoryPreKeyStore(bob, random);
        bundle = store.bundle(false);
    }

    @Benchmark
    public SessionState initiateAndRespond() {
        SessionState a = Pqxdh.initiate(alice, bundle, RatchetParams.PARLEY, random);
        Bytes first = cipher.encrypt(a, plaintext);
        return SessionBuilder.accept(bob, store, first, RatchetParams.PARLEY, cipher).state();
    }

    @Benchmark
    public SessionState initiateOnly() {
        SessionState a = Pqxdh.initiate(alice, bundle, RatchetParams.PARLEY, random);
        cipher.encrypt(a, plaintext);
        return a;
    }
}
