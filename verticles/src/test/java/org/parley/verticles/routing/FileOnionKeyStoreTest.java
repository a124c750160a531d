package org.parley.verticles.routing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.time.ManualClock;
import org.parley.routing.crypto.OnionKeyRing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;

class FileOnionKeyStoreTest {
    static final long LIFETIME = 7 * 86_400_000L, OVERLAP = 86_400_000L;

    @Test
    void keysComeBackFromTheFileWhichOnlyTheOwnerReads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("onion-keys");
        ManualClock clock = new ManualClock(5_000_000);
        OnionKeyRing ring = new OnionKeyRing(clock, new SecureRandom(), LIFETIME, OVERLAP, new FileOnionKeyStore(file));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        clock.advance(LIFETIME); // rotate: current and previous both in the file
        var current = ring.current().publicKey();
        OnionKeyRing back = new OnionKeyRing(clock, new SecureRandom(), LIFETIME, OVERLAP, new FileOnionKeyStore(file));
        assertThat(back.keys()).hasSize(2);
        assertThat(back.current().publicKey()).isEqualTo(current);
        assertThat(Files.readString(file)).doesNotContain(current.hex()); // private keys only, never the public one
    }

    @Test
    void aDamagedFileIsReplacedByNewKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("onion-keys");
        Files.writeString(file, FileOnionKeyStore.HEADER + "\ncurrent zz 1\nprevious - 0\nrotations 0\n");
        assertThat(new FileOnionKeyStore(file).load()).isEmpty();
        OnionKeyRing ring = new OnionKeyRing(new ManualClock(5_000_000), new SecureRandom(), LIFETIME, OVERLAP, new FileOnionKeyStore(file));
        assertThat(new FileOnionKeyStore(file).load()).isPresent();
        assertThat(ring.keys()).hasSize(1);
    }
}
