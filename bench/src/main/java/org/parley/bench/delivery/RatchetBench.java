package org.parley.bench.delivery;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.parley.core.Bytes;
import org.parley.delivery.handshake.InMemoryPreKeyStore;
import org.parley.delivery.handshake.Pqxdh;
import org.parley.delivery.handshake.SessionBuilder;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.ratchet.RatchetParams;
import org.parley.delivery.ratchet.SessionCipher;
import org.parley.delivery.ratchet.SessionState;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * Double Ratchet cost per message. {@code symmetric}: a one-way burst (Alice sends, Bob
 * receives, same chain: symmetric-key steps only). {@code dhTurn}: every message changes
 * direction, so each receive does a DH-ratchet step (two X25519 + two KDF_RK) and each
 * sender uses a fresh chain. One op = encrypt + decrypt of one 256-byte (padded) message.
 * Run: {@code java -jar bench/target/parley-jmh.jar RatchetBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RatchetBench {
    @Param({"parley-he", "parley-plain", "libsignal"})
    public String profile;

    private SessionCipher cipher;
    private SessionState alice;
    private SessionState bob;
    private final byte[] plaintext = new byte[256];
    private boolean aliceTurn;

    static RatchetParams params(String name) {
        return switch (name) {
            case "parley-he" -> RatchetParams.PARLEY;
            case "parley-plain" -> RatchetParams.PARLEY.withHeaderEncryption(false);
            case "libsignal" -> RatchetParams.LIBSIGNAL;
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Setup(Level.Iteration)
    public void setup() throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(1234);
        cipher = new SessionCipher(random);
        IdentityKeyPair a = IdentityKeyPair.generate(random);
        IdentityKeyPair b = IdentityKeyPair.generate(random);
        InMemoryPreKeyStore store = new InMemoryPreKeyStore(b, random);
        RatchetParams p = params(profile);
        alice = Pqxdh.initiate(a, store.bundle(false), p, random);
        SessionBuilder.Accepted acc = SessionBuilder.accept(b, store, cipher.encrypt(alice, plaintext), p, cipher);
        bob = acc.state();
        cipher.decrypt(alice, cipher.encrypt(bob, plaintext)); // clears Alice's pending handshake
        aliceTurn = true;
    }

    @Benchmark
    public byte[] symmetric() {
        Bytes m = cipher.encrypt(alice, plaintext);
        return cipher.decrypt(bob, m);
    }

    @Benchmark
    public byte[] dhTurn() {
        aliceTurn = !aliceTurn;
        if (aliceTurn) {
            return cipher.decrypt(bob, cipher.encrypt(alice, plaintext));
        }
        return cipher.decrypt(alice, cipher.encrypt(bob, plaintext));
    }
}
