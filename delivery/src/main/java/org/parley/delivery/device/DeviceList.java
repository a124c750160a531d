package org.parley.delivery.device;

import org.parley.core.Bytes;
import org.parley.delivery.identity.IdentityKey;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An account: the primary's identity key and the devices it has signed, with a version that
 * grows with every change. Contacts keep the newest list they verified and refuse an older or
 * equal version (rollback), a list signed by another key, and a list that revives a removed
 * device (see {@link DeviceListVerifier}). Encoded by {@link DeviceListCodec}.
 */
public record DeviceList(IdentityKey primary, long version, List<Device> devices, Bytes signature) {
    public DeviceList {
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(signature, "signature");
        devices = List.copyOf(devices);
    }

    public List<Device> active() {
        return devices.stream().filter(Device::active).toList();
    }

    public Optional<Device> find(IdentityKey key) {
        return devices.stream().filter(d -> d.key().equals(key)).findFirst();
    }

    public boolean isActive(IdentityKey key) {
        return find(key).map(Device::active).orElse(false);
    }
}
