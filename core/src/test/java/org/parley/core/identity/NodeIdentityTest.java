package org.parley.core.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeIdentityTest {
    @Test
    void rfc8032Test1PublicKeyAndSignature() {
        // RFC 8032 §7.1 TEST 1
        NodeIdentity id = NodeIdentity.fromSeed(Bytes.fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        assertThat(id.publicKey().hex()).isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        Bytes sig = id.sign(Bytes.EMPTY);
        assertThat(sig.hex()).isEqualTo("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        assertThat(NodeIdentity.verify(id.publicKey(), Bytes.EMPTY, sig)).isTrue();
        assertThat(NodeIdentity.verify(id.publicKey(), Bytes.fromHex("00"), sig)).isFalse();
    }

    @Test
    void nodeIdIsSha256OfPublicKey() throws Exception {
        NodeIdentity id = NodeIdentity.generate(new SecureRandom());
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(id.publicKey().toArray());
        assertThat(id.nodeId().value()).isEqualTo(Bytes.of(expected));
        assertThat(id.nodeId().hex()).matches("[0-9a-f]{64}");
    }

    @Test
    void loadOrCreateKeepsTheSameIdentityWithPrivateFileMode(@TempDir Path dir) throws Exception {
        NodeIdentity first = NodeIdentity.loadOrCreate(dir, new SecureRandom());
        NodeIdentity second = NodeIdentity.loadOrCreate(dir, new SecureRandom());
        assertThat(second.nodeId()).isEqualTo(first.nodeId());
        assertThat(Files.getPosixFilePermissions(dir.resolve(NodeIdentity.FILE_NAME)))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }

    @Test
    void damagedIdentityFileIsAConfigError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(NodeIdentity.FILE_NAME), "garbage");
        assertThatThrownBy(() -> NodeIdentity.loadOrCreate(dir, new SecureRandom()))
                .isInstanceOf(ParleyException.class)
                .hasMessageContaining("identity");
    }
}
