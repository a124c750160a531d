package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.delivery.identity.IdentityKey;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.internal.WireReader;
import org.parley.delivery.internal.WireWriter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Signed device lists:
 * <pre>
 *  format u8 = 1 | primary identity key (128) | version u64 | count u8
 *  | (device identity key (128) | name16 | addedAt u64 | removedAt u64)... | signature (64)
 * </pre>
 * The primary's Ed25519 signature covers {@code "parley-device-list-v1"} and every byte before
 * it. {@link #decode} checks only the layout and limits; {@link DeviceListVerifier} checks
 * signature and history. Stateless.
 */
public final class DeviceListCodec {
    public static final int FORMAT = 1;
    /** Entries in a list, removed ones included. */
    public static final int MAX_ENTRIES = 64;
    /** Active devices at once. */
    public static final int MAX_ACTIVE = 16;
    private static final Bytes CONTEXT = Bytes.wrap("parley-device-list-v1".getBytes(StandardCharsets.US_ASCII));

    private DeviceListCodec() {}

    /** Builds and signs a list (the primary's key pair signs; its key must be an active entry). */
    public static DeviceList sign(IdentityKeyPair primary, long version, List<Device> devices) {
        DeviceList unsigned = new DeviceList(primary.publicKey(), version, devices, Bytes.EMPTY);
        checkShape(unsigned);
        return new DeviceList(primary.publicKey(), version, devices, primary.sign(Bytes.concat(CONTEXT, Bytes.wrap(body(unsigned)))));
    }

    public static Bytes encode(DeviceList list) {
        byte[] body = body(list);
        return new WireWriter(body.length + 64).raw(body).raw(list.signature()).toBytes();
    }

    public static DeviceList decode(Bytes b) {
        return DeviceWire.decoding("device list", () -> {
            WireReader r = new WireReader(b.toArray(), "device list");
            int f = r.u8();
            if (f != FORMAT) throw ParleyException.malformed("device list format " + f);
            IdentityKey primary = IdentityKey.read(r);
            long version = r.u64();
            int n = r.u8();
            if (n == 0 || n > MAX_ENTRIES) throw ParleyException.malformed("device list with " + n + " entries (1.." + MAX_ENTRIES + ")");
            List<Device> devices = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                devices.add(new Device(IdentityKey.read(r), DeviceWire.name(r.bytes16(), "device name"), r.u64(), r.u64()));
            }
            Bytes sig = r.raw(64);
            r.expectEnd();
            DeviceList list = new DeviceList(primary, version, devices, sig);
            checkShape(list);
            return list;
        });
    }

    /** What the signature covers. */
    static Bytes signedBytes(DeviceList list) {
        return Bytes.concat(CONTEXT, Bytes.wrap(body(list)));
    }

    /** Limits that need no key: sizes, names, times, distinct keys, the primary active. MALFORMED_INPUT otherwise. */
    static void checkShape(DeviceList list) {
        if (list.version() < 1 || list.version() > Long.MAX_VALUE / 2) throw ParleyException.malformed("device list version out of range");
        if (list.devices().isEmpty() || list.devices().size() > MAX_ENTRIES) throw ParleyException.malformed("device list size");
        if (list.active().size() > MAX_ACTIVE) throw ParleyException.malformed("more than " + MAX_ACTIVE + " active devices");
        List<Bytes> seen = new ArrayList<>();
        for (Device d : list.devices()) {
            if (d.name().isBlank() || d.name().length() > Device.MAX_NAME) throw ParleyException.malformed("device name length");
            if (d.addedAtMillis() < 0 || d.removedAtMillis() < 0) throw ParleyException.malformed("negative device time");
            if (!d.active() && d.removedAtMillis() < d.addedAtMillis()) throw ParleyException.malformed("device removed before it was added");
            Bytes k = d.key().signingKey();
            if (seen.contains(k)) throw ParleyException.malformed("device listed twice");
            seen.add(k);
        }
        if (!list.isActive(list.primary())) throw ParleyException.malformed("the primary is not an active device of its list");
    }

    private static byte[] body(DeviceList list) {
        WireWriter w = new WireWriter(256 + 220 * list.devices().size()).u8(FORMAT);
        list.primary().write(w);
        w.u64(list.version()).u8(list.devices().size());
        for (Device d : list.devices()) {
            d.key().write(w);
            w.bytes16(DeviceWire.utf8(d.name())).u64(d.addedAtMillis()).u64(d.removedAtMillis());
        }
        return w.toArray();
    }
}
