package org.parley.routing.crypto;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class CgoTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void polyvalMatchesRfc8452AppendixA() {
        Polyval p = new Polyval(HEX.parseHex("25629347589242761d31f826ba4b757b"), 0);
        byte[] x = HEX.parseHex("4f4f95668c83dfb6401762bb2d01a262d1a24ddd2721d006bbe45f20d3c9f362");
        p.update(x, 0, x.length);
        assertThat(HEX.formatHex(p.digest())).isEqualTo("f7a3b47b846119fae5b7866cf5e5b77e");
    }

    /** Reference: dot(a, H) by adding a·x^(i-128) for every set bit i of H, one bit at a time. */
    private static byte[] referencePolyval(byte[] h, byte[] data) {
        java.math.BigInteger p = java.math.BigInteger.ONE.shiftLeft(128).or(java.math.BigInteger.ONE.shiftLeft(127))
                .or(java.math.BigInteger.ONE.shiftLeft(126)).or(java.math.BigInteger.ONE.shiftLeft(121)).or(java.math.BigInteger.ONE);
        java.math.BigInteger hv = le(h, 0);
        java.math.BigInteger s = java.math.BigInteger.ZERO;
        for (int at = 0; at < data.length; at += 16) {
            java.math.BigInteger a = s.xor(le(data, at));
            java.math.BigInteger acc = java.math.BigInteger.ZERO;
            for (int i = 0; i < 128; i++) {
                if (hv.testBit(i)) acc = acc.xor(a);
                if (acc.testBit(0)) acc = acc.xor(p);
                acc = acc.shiftRight(1);
            }
            s = acc;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < 16; i++) out[i] = (byte) s.shiftRight(8 * i).intValue();
        return out;
    }

    private static java.math.BigInteger le(byte[] b, int off) {
        byte[] be = new byte[17];
        for (int i = 0; i < 16; i++) be[16 - i] = b[off + i];
        return new java.math.BigInteger(be);
    }

    @Test
    void polyvalAgreesWithABitwiseReferenceOnRandomInputs() {
        Random r = new Random(11);
        for (int t = 0; t < 300; t++) {
            byte[] h = new byte[16];
            // 1 to 12 blocks: the four-blocks-at-a-time path, its remainders, and (split) a state carried into it
            byte[] data = new byte[16 * (1 + r.nextInt(12))];
            r.nextBytes(h);
            r.nextBytes(data);
            if (t % 50 == 0) java.util.Arrays.fill(h, (byte) 0xff);
            Polyval p = new Polyval(h, 0);
            p.update(data, 0, data.length);
            assertThat(p.digest()).as("case %d", t).isEqualTo(referencePolyval(h, data));
            int split = 16 * r.nextInt(data.length / 16 + 1);
            p.reset();
            p.update(data, 0, split);
            p.update(data, split, data.length - split);
            assertThat(p.digest()).as("case %d split at %d", t, split).isEqualTo(referencePolyval(h, data));
        }
    }

    private static Cgo.State[] states(long seed, int hops) {
        Random r = new Random(seed);
        Cgo.State[] s = new Cgo.State[hops];
        for (int i = 0; i < hops; i++) {
            byte[] k = new byte[Cgo.STATE_SEED_LEN];
            r.nextBytes(k);
            s[i] = new Cgo.State(k, 0);
        }
        return s;
    }

    @Test
    void outboundCellsAreRecognizedExactlyAtTheirHopOverManyCells() {
        Cgo.State[] client = states(1, 3);
        Cgo.State[] relays = states(1, 3); // same seeds: each relay shares its hop's state
        Random r = new Random(2);
        for (int cell = 0; cell < 30; cell++) {
            int target = r.nextInt(3);
            byte[] payload = new byte[Cgo.PAYLOAD_LEN];
            r.nextBytes(payload);
            byte[] body = new byte[Cgo.BODY_LEN];
            System.arraycopy(payload, 0, body, Cgo.TAG_LEN, payload.length);
            client[target].clientOriginate(3, body);
            for (int i = target - 1; i >= 0; i--) client[i].clientEncryptOutbound(3, body);
            for (int hop = 0; hop <= target; hop++) {
                boolean mine = relays[hop].relayDecryptOutbound(3, body);
                assertThat(mine).as("cell %d at hop %d (target %d)", cell, hop, target).isEqualTo(hop == target);
            }
            byte[] got = new byte[Cgo.PAYLOAD_LEN];
            System.arraycopy(body, Cgo.TAG_LEN, got, 0, got.length);
            assertThat(got).isEqualTo(payload);
        }
    }

    @Test
    void inboundCellsFromHop2AreRecognizedByTheClientAndATamperedOneIsNot() {
        Cgo.State[] relays = states(3, 3);
        Cgo.State[] client = states(3, 3);
        byte[] body = new byte[Cgo.BODY_LEN];
        new Random(4).nextBytes(body);
        byte[] payload = java.util.Arrays.copyOfRange(body, Cgo.TAG_LEN, Cgo.BODY_LEN);
        relays[1].relayOriginate(3, body);
        relays[0].relayEncryptInbound(3, body);
        assertThat(client[0].clientDecryptInbound(3, body)).isFalse();
        assertThat(client[1].clientDecryptInbound(3, body)).isTrue();
        assertThat(java.util.Arrays.copyOfRange(body, Cgo.TAG_LEN, Cgo.BODY_LEN)).isEqualTo(payload);

        byte[] next = new byte[Cgo.BODY_LEN];
        relays[1].relayOriginate(3, next);
        relays[0].relayEncryptInbound(3, next);
        next[200] ^= 1;
        assertThat(client[0].clientDecryptInbound(3, next)).isFalse();
        assertThat(client[1].clientDecryptInbound(3, next)).isFalse();
    }
    /** The PRF stream is AES-CTR from the POLYVAL-derived IV, whatever the length, and one cipher object serves many streams. */
    @Test
    void prfStreamEqualsJdkAesCtrForEveryLengthAndBothOffsets() throws Exception {
        Random r = new Random(21);
        for (int t = 0; t < 60; t++) {
            byte[] seed = new byte[Cgo.HALF_KEY_LEN];
            r.nextBytes(seed);
            byte[] tweak = new byte[Cgo.BLOCK];
            r.nextBytes(tweak);
            if (t % 10 == 0) java.util.Arrays.fill(seed, 16, 32, (byte) 0); // POLYVAL key 0: IV all zero
            int len = t < 40 ? 1 + r.nextInt(700) : Cgo.PAYLOAD_LEN; // past one 512-byte chunk too
            byte[] data = new byte[len];
            r.nextBytes(data);
            byte[] expected = data.clone();
            Polyval h = new Polyval(seed, 16);
            h.update(tweak, 0, Cgo.BLOCK);
            byte[] iv = h.digest();
            iv[15] &= (byte) 0xC0;
            javax.crypto.Cipher ctr = javax.crypto.Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(seed, 0, 16, "AES"),
                    new javax.crypto.spec.IvParameterSpec(iv));
            byte[] ks = ctr.doFinal(new byte[len]);
            for (int i = 0; i < len; i++) expected[i] ^= ks[i];

            Cgo.Prf prf = new Cgo.Prf(seed, 0);
            prf.xorN0(tweak, 0, data, 0, len);
            assertThat(data).as("case %d, %d bytes", t, len).isEqualTo(expected);
            // a second call with the same cipher object gives the same stream (no state carried over)
            byte[] again = new byte[len];
            prf.xorN0(tweak, 0, again, 0, len);
            assertThat(again).isEqualTo(ks);
        }
    }

    @Test
    void polyvalOfAPartialLastBlockIsThatOfTheZeroPaddedBlock() {
        Random r = new Random(23);
        for (int t = 0; t < 100; t++) {
            byte[] h = new byte[16];
            r.nextBytes(h);
            int len = 1 + r.nextInt(60);
            byte[] data = new byte[len];
            r.nextBytes(data);
            byte[] padded = java.util.Arrays.copyOf(data, (len + 15) / 16 * 16);
            Polyval p = new Polyval(h, 0);
            p.update(data, 0, len);
            assertThat(p.digest()).as("case %d, %d bytes", t, len).isEqualTo(referencePolyval(h, padded));
        }
    }
}
