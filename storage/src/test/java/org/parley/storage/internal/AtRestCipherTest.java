package org.parley.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.parley.core.ParleyException;
import org.junit.jupiter.api.Test;

class AtRestCipherTest {
    private final AtRestCipher cipher = AtRestCipher.aes256(new byte[32]);
    private final byte[] keyA = "message-a".getBytes(StandardCharsets.US_ASCII);
    private final byte[] keyB = "message-b".getBytes(StandardCharsets.US_ASCII);
    private final byte[] body = "secret body".getBytes(StandardCharsets.US_ASCII);

    @Test
    void sealsAndOpens() {
        byte[] sealed = cipher.seal(Cf.MESSAGES, keyA, body);
        assertThat(sealed).hasSize(body.length + AtRestCipher.OVERHEAD);
        assertThat(cipher.open(Cf.MESSAGES, keyA, sealed)).isEqualTo(body);
        // a fresh nonce each time
        assertThat(cipher.seal(Cf.MESSAGES, keyA, body)).isNotEqualTo(sealed);
    }

    @Test
    void aValueMovedToAnotherKeyOrKeyspaceDoesNotOpen() {
        byte[] sealed = cipher.seal(Cf.MESSAGES, keyA, body);
        assertThatThrownBy(() -> cipher.open(Cf.MESSAGES, keyB, sealed))
                .isInstanceOf(ParleyException.class).hasMessageContaining("failed authentication");
        assertThatThrownBy(() -> cipher.open(Cf.SESSIONS, keyA, sealed))
                .isInstanceOf(ParleyException.class).hasMessageContaining("failed authentication");
    }

    @Test
    void tamperingAndTruncationAreDetected() {
        byte[] sealed = cipher.seal(Cf.KEYS, keyA, body);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> cipher.open(Cf.KEYS, keyA, sealed))
                .isInstanceOf(ParleyException.class)
                .extracting(e -> ((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.INTERNAL);
        assertThatThrownBy(() -> cipher.open(Cf.KEYS, keyA, new byte[5]))
                .isInstanceOf(ParleyException.class).hasMessageContaining("not sealed");
    }

    @Test
    void anotherDataKeyDoesNotOpen() {
        byte[] sealed = cipher.seal(Cf.INBOX, keyA, body);
        byte[] other = new byte[32];
        other[0] = 1;
        assertThatThrownBy(() -> AtRestCipher.aes256(other).open(Cf.INBOX, keyA, sealed))
                .isInstanceOf(ParleyException.class);
    }

    @Test
    void plaintextCipherAndUnencryptedKeyspacesPassValuesThrough() {
        assertThat(AtRestCipher.plaintext().seal(Cf.MESSAGES, keyA, body)).isEqualTo(body);
        assertThat(cipher.seal(Cf.EXPIRY, keyA, body)).isEqualTo(body);
    }
}
