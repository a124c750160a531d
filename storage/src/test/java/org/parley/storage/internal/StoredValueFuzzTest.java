package org.parley.storage.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for stored values read back from disk: the {@link Codec.Reader} value decoders of
 * {@link KvStore} (contact, session, conversation, message, inbox envelope, DHT record; private,
 * reached by reflection so production code stays as it is) and {@link AtRestCipher#open} of
 * tampered sealed values. A corrupt value must give a {@link ParleyException} (the store reports
 * corruption as INTERNAL), never another exception. Committed inputs:
 * {@code src/test/resources/org/parley/storage/internal/StoredValueFuzzTestInputs/<method>/}.
 */
class StoredValueFuzzTest {
    private static final byte[] KEY = "record-key".getBytes(StandardCharsets.US_ASCII);
    private static final AtRestCipher CIPHER = AtRestCipher.aes256(new byte[32]);
    private static final List<Method> DECODERS = decoders();

    private static List<Method> decoders() {
        try {
            Method contact = KvStore.class.getDeclaredMethod("decodeContact", byte[].class, byte[].class);
            Method conversation = KvStore.class.getDeclaredMethod("decodeConversation", byte[].class, byte[].class);
            Method message = KvStore.class.getDeclaredMethod("decodeMessage", byte[].class, byte[].class);
            Method dht = KvStore.class.getDeclaredMethod("decodeDht", byte[].class, byte[].class);
            Method envelope = Class.forName(KvStore.class.getName() + "$EnvelopeValue")
                    .getDeclaredMethod("decode", byte[].class);
            Method session = StoredValueFuzzTest.class.getDeclaredMethod("decodeSession", byte[].class, byte[].class);
            List<Method> all = List.of(contact, conversation, message, dht, envelope, session);
            for (Method m : all) m.setAccessible(true);
            return all;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("KvStore value decoders moved; update this fuzz test", e);
        }
    }

    /** The session value layout of KvStore's session repository (decoded inline there). */
    static Object decodeSession(byte[] key, byte[] plain) {
        Codec.Reader r = new Codec.Reader(plain);
        Object s = List.of(r.bytes(), r.i64());
        r.end();
        return s;
    }

    /** Runs decoder {@code which} (0..5) on {@code plain}; rethrows what it threw. */
    static Object decode(int which, byte[] plain) {
        Method m = DECODERS.get(which);
        try {
            return m.getParameterCount() == 1 ? m.invoke(null, (Object) plain) : m.invoke(null, KEY, plain);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new AssertionError(e.getCause());
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    /** Byte 0 picks the decoder; the rest is the stored (plaintext) value. */
    @FuzzTest
    void storedValueDecode(byte[] input) {
        if (input.length == 0) return;
        byte[] plain = Arrays.copyOfRange(input, 1, input.length);
        try {
            assertThat(decode((input[0] & 0xff) % DECODERS.size(), plain)).isNotNull();
        } catch (ParleyException e) {
            assertThat(e.kind()).isIn(ParleyException.Kind.INTERNAL, ParleyException.Kind.MALFORMED_INPUT);
        }
    }

    /** Byte 0 picks the column family; the rest is a sealed value as read from disk. */
    @FuzzTest
    void atRestOpen(byte[] input) {
        if (input.length == 0) return;
        Cf cf = Cf.values()[(input[0] & 0xff) % Cf.values().length];
        byte[] sealed = Arrays.copyOfRange(input, 1, input.length);
        try {
            byte[] plain = CIPHER.open(cf, KEY, sealed);
            if (cf.encrypted()) assertThat(plain.length).isEqualTo(sealed.length - AtRestCipher.OVERHEAD);
        } catch (ParleyException e) {
            assertThat(e.kind()).isEqualTo(ParleyException.Kind.INTERNAL);
        }
    }

    static Map<String, Map<String, byte[]>> seeds() {
        Bytes id = Bytes.wrap(new byte[]{1, 2, 3});
        Map<String, byte[]> values = new LinkedHashMap<>();
        values.put("contact", withSelector(0, new Codec.Writer().str("Alice").bytes(id).bytes(id).bytes(id).i64(5).toArray()));
        values.put("conversation", withSelector(1, new Codec.Writer().bytes(id).str("chat").i64(6).toArray()));
        values.put("message", withSelector(2, new Codec.Writer().bytes(id).bytes(id).u8(0).u8(0).bytes(id).i64(7).i64(8).toArray()));
        values.put("dht", withSelector(3, new Codec.Writer().bytes(id).i64(9).toArray()));
        values.put("envelope", withSelector(4, new Codec.Writer().bytes(id).i64(10).i64(11).toArray()));
        values.put("session", withSelector(5, new Codec.Writer().bytes(id).i64(12).toArray()));
        values.put("bad-message-direction", withSelector(2, new Codec.Writer().bytes(id).bytes(id).u8(9).u8(0).bytes(id).i64(7).i64(8).toArray()));
        values.put("bad-negative-length", withSelector(3, new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe, 1, 2}));
        values.put("bad-trailing", withSelector(5, new Codec.Writer().bytes(id).i64(12).u8(0).toArray()));

        Map<String, byte[]> sealed = new LinkedHashMap<>();
        byte[] contactValue = Arrays.copyOfRange(values.get("contact"), 1, values.get("contact").length);
        sealed.put("contacts", withSelector(Cf.CONTACTS.ordinal(), CIPHER.seal(Cf.CONTACTS, KEY, contactValue)));
        byte[] moved = CIPHER.seal(Cf.CONTACTS, KEY, contactValue);
        sealed.put("bad-moved-cf", withSelector(Cf.SESSIONS.ordinal(), moved));
        byte[] flipped = CIPHER.seal(Cf.CONTACTS, KEY, contactValue);
        flipped[flipped.length - 1] ^= 1;
        sealed.put("bad-tag", withSelector(Cf.CONTACTS.ordinal(), flipped));
        sealed.put("bad-short", withSelector(Cf.CONTACTS.ordinal(), new byte[]{1, 2, 3}));
        sealed.put("plain-cf", withSelector(Cf.SYS.ordinal(), new byte[]{4, 5}));

        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        all.put("storedValueDecode", values);
        all.put("atRestOpen", sealed);
        return all;
    }

    private static byte[] withSelector(int selector, byte[] b) {
        byte[] out = new byte[b.length + 1];
        out[0] = (byte) selector;
        System.arraycopy(b, 0, out, 1, b.length);
        return out;
    }

    @Test
    void seedsBehaveAsNamed() throws IOException {
        Map<String, Map<String, byte[]>> all = seeds();
        all.get("storedValueDecode").forEach((name, b) -> {
            byte[] plain = Arrays.copyOfRange(b, 1, b.length);
            if (name.startsWith("bad-")) {
                try {
                    decode(b[0], plain);
                    throw new AssertionError(name + " decoded");
                } catch (ParleyException e) {
                    assertThat(e.kind()).isEqualTo(ParleyException.Kind.INTERNAL);
                }
            } else {
                assertThat(decode(b[0], plain)).as(name).isNotNull();
            }
        });
        all.get("atRestOpen").forEach((name, b) -> {
            Cf cf = Cf.values()[b[0]];
            byte[] sealed = Arrays.copyOfRange(b, 1, b.length);
            if (name.startsWith("bad-")) {
                try {
                    CIPHER.open(cf, KEY, sealed);
                    throw new AssertionError(name + " opened");
                } catch (ParleyException e) {
                    assertThat(e.kind()).isEqualTo(ParleyException.Kind.INTERNAL);
                }
            } else {
                assertThat(CIPHER.open(cf, KEY, sealed)).isNotNull();
            }
        });
        if (!Boolean.getBoolean("parley.fuzz.writeSeeds")) return;
        for (var t : all.entrySet()) {
            Path d = Path.of("src/test/resources/org/parley/storage/internal/StoredValueFuzzTestInputs", t.getKey());
            Files.createDirectories(d);
            for (var e : t.getValue().entrySet()) Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
