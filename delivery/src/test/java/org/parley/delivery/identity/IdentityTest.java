package org.parley.delivery.identity;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.ratchet.TestSessions;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdentityTest {
    private final SecureRandom random = TestSessions.seeded(41);

    @Test
    void identityBindsItsX25519KeyAndSurvivesEncoding() {
        IdentityKeyPair id = IdentityKeyPair.generate(random);
        assertThat(IdentityKey.decode(id.publicKey().encode()).validate()).isEqualTo(id.publicKey());
        IdentityKeyPair again = IdentityKeyPair.decodePrivate(id.encodePrivate());
        assertThat(again.publicKey()).isEqualTo(id.publicKey());
        IdentityKeyPair other = IdentityKeyPair.generate(random);
        IdentityKey swapped = new IdentityKey(id.publicKey().signingKey(), other.publicKey().dhKey(), id.publicKey().binding());
        assertThatThrownBy(swapped::validate).isInstanceOf(ParleyException.class);
        assertThat(id.toString()).doesNotContain(id.encodePrivate().hex().substring(2, 20));
    }

    @Test
    void safetyNumberIsSymmetricSixtyDigitsAndChangesWithAKey() {
        IdentityKey a = IdentityKeyPair.generate(random).publicKey();
        IdentityKey b = IdentityKeyPair.generate(random).publicKey();
        IdentityKey c = IdentityKeyPair.generate(random).publicKey();
        SafetyNumber ab = SafetyNumber.of(a, b);
        assertThat(ab.digits()).hasSize(60).matches("[0-9]{60}");
        assertThat(SafetyNumber.of(b, a).digits()).isEqualTo(ab.digits());
        assertThat(SafetyNumber.of(a, c).digits()).isNotEqualTo(ab.digits());
        assertThat(ab.display()).hasSize(71);
        assertThat(ab.matches(ab.display())).isTrue();
        assertThat(ab.matches(SafetyNumber.of(a, c).digits())).isFalse();
        // Each half depends only on one key: a's half appears in both numbers.
        assertThat(ab.digits()).contains(SafetyNumber.half(a));
        assertThat(SafetyNumber.of(a, c).digits()).contains(SafetyNumber.half(a));
    }

    @Test
    void keyChangeIsDetectedAndNeedsApproval() {
        IdentityKey k1 = IdentityKeyPair.generate(random).publicKey();
        IdentityKey k2 = IdentityKeyPair.generate(random).publicKey();
        IdentityTrust trust = new IdentityTrust();
        assertThat(trust.check("bob", k1)).isEqualTo(IdentityTrust.Decision.FIRST_USE);
        assertThat(trust.check("bob", k1)).isEqualTo(IdentityTrust.Decision.SAME);
        assertThat(trust.markVerified("bob", k1)).isTrue();
        assertThat(trust.check("bob", k2)).isEqualTo(IdentityTrust.Decision.CHANGED);
        assertThat(trust.check("bob", k2)).isEqualTo(IdentityTrust.Decision.CHANGED); // not taken silently
        assertThat(trust.entry("bob").orElseThrow().key()).isEqualTo(k1);
        trust.approve("bob", k2);
        assertThat(trust.check("bob", k2)).isEqualTo(IdentityTrust.Decision.SAME);
        assertThat(trust.entry("bob").orElseThrow().verified()).isFalse();
        assertThat(trust.markVerified("bob", k1)).isFalse();
        IdentityTrust reloaded = IdentityTrust.restore(trust.snapshot());
        assertThat(reloaded.check("bob", k2)).isEqualTo(IdentityTrust.Decision.SAME);
        assertThat(reloaded.check("bob", k1)).isEqualTo(IdentityTrust.Decision.CHANGED);
    }

    @Test
    void ed25519SignaturesOfIdentityVerifyOnlyForTheirMessage() {
        IdentityKeyPair id = IdentityKeyPair.generate(random);
        Bytes sig = id.sign(Bytes.wrap(new byte[]{1, 2, 3}));
        assertThat(id.publicKey().verify(Bytes.wrap(new byte[]{1, 2, 3}), sig)).isTrue();
        assertThat(id.publicKey().verify(Bytes.wrap(new byte[]{1, 2, 4}), sig)).isFalse();
        assertThat(id.publicKey().verify(Bytes.wrap(new byte[]{1, 2, 3}), Bytes.wrap(new byte[5]))).isFalse();
    }
}
