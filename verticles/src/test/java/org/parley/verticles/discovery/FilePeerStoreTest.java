package org.parley.verticles.discovery;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.discovery.net.Contact;
import org.parley.discovery.net.PeerAddress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FilePeerStoreTest {
    @Test
    void savedPeersComeBackAfterARestartAndDamagedLinesAreSkipped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("peers");
        Contact a = new Contact(Bytes.fromHex("01".repeat(32)), PeerAddress.ipv4(10, 0, 0, 1, 7000));
        Contact b = new Contact(Bytes.fromHex("02".repeat(32)), new PeerAddress(Bytes.fromHex("20010db8000000000000000000000001"), 443));
        assertThat(new FilePeerStore(file).load()).isEmpty();
        new FilePeerStore(file).save(List.of(a, b));
        assertThat(new FilePeerStore(file).load()).containsExactly(a, b);

        Files.writeString(file, Files.readString(file) + "zz 0a000001 7000\n" + "01 0a 1\n" + "\n"
                + "03".repeat(32) + " 0a000002 99999\n");
        assertThat(new FilePeerStore(file).load()).containsExactly(a, b);
    }
}
