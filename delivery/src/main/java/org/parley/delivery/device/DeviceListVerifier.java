package org.parley.delivery.device;

import org.parley.core.ParleyException;
import org.parley.delivery.identity.IdentityKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rules a device list must meet before anyone acts on it (decode first, then this):
 * <ul>
 *   <li>signed by its primary; every device key's X25519 binding valid;</li>
 *   <li>against the newest list already accepted for the account: the same primary, a strictly
 *       higher version (an old list replayed or rolled back is refused), every earlier device still
 *       listed with the same key and added time, and a removed device still removed at the same time
 *       (a removal cannot be undone; a device comes back only by linking again with a new key).</li>
 * </ul>
 * Failures are PROTOCOL_VIOLATION.
 */
public final class DeviceListVerifier {
    private DeviceListVerifier() {}

    /** What a verified list changed against the previous one. */
    public record Change(List<Device> added, List<Device> removed) {
        public Change {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
        }

        public boolean isEmpty() {
            return added.isEmpty() && removed.isEmpty();
        }
    }

    public static Change verify(DeviceList next, Optional<DeviceList> previous) {
        DeviceListCodec.checkShape(next);
        if (!next.primary().verify(DeviceListCodec.signedBytes(next), next.signature())) {
            throw ParleyException.protocol("device list: signature by the primary invalid");
        }
        for (Device d : next.devices()) d.key().validate();
        List<Device> added = new ArrayList<>();
        List<Device> removed = new ArrayList<>();
        if (previous.isEmpty()) {
            added.addAll(next.active());
            return new Change(added, removed);
        }
        DeviceList prev = previous.get();
        if (!prev.primary().equals(next.primary())) throw ParleyException.protocol("device list: signed by another primary");
        if (next.version() <= prev.version()) {
            throw ParleyException.protocol("device list: version " + next.version() + " is not newer than " + prev.version());
        }
        for (Device old : prev.devices()) {
            Device now = next.find(old.key()).orElseThrow(() -> ParleyException.protocol("device list: a listed device vanished"));
            if (now.addedAtMillis() != old.addedAtMillis()) throw ParleyException.protocol("device list: a device's added time changed");
            if (!old.active() && (now.active() || now.removedAtMillis() != old.removedAtMillis())) {
                throw ParleyException.protocol("device list: a removed device came back");
            }
            if (old.active() && !now.active()) removed.add(now);
        }
        for (Device d : next.active()) {
            if (prev.find(d.key()).isEmpty()) added.add(d);
        }
        return new Change(added, removed);
    }

    /** {@code list} is verified; is {@code device} one of its active devices? */
    public static boolean vouchesFor(DeviceList list, IdentityKey device) {
        return list.isActive(device);
    }
}
