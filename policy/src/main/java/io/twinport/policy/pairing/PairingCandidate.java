package io.twinport.policy.pairing;

import io.twinport.policy.MacAddress;
import io.twinport.policy.VirtioNetFeatures;

import java.util.Objects;

/**
 * What pairing needs to know about one port of the registry.
 *
 * @param name the port's name, unique in the registry; not blank
 * @param driver the driver kind, for reports only (pairing never looks at it); not null, may be empty
 * @param mac the port's MAC address, or null if it has none
 * @param features the 64-bit virtio-style feature word the port negotiated (0 for ports that are not virtio)
 * @param busAddress the device identity (e.g. a PCI address), for reports only; null if unknown
 * @param pairId a pair id supplied by the host, or null; when present it is not blank
 */
public record PairingCandidate(String name, String driver, MacAddress mac, long features, String busAddress,
                               String pairId) {

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if {@code name} is blank or {@code pairId} is present but blank
     * @throws NullPointerException if {@code name} or {@code driver} is null
     */
    public PairingCandidate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        if (name.isBlank()) {
            throw new IllegalArgumentException("port name must not be blank");
        }
        if (pairId != null && pairId.isBlank()) {
            throw new IllegalArgumentException("port " + name + ": pair id must be absent (null) or not blank");
        }
    }

    /**
     * Whether the port negotiated {@link VirtioNetFeatures#VIRTIO_NET_F_STANDBY}.
     *
     * @return true if bit 62 of the feature word is set
     */
    public boolean negotiatedStandby() {
        return VirtioNetFeatures.has(features, VirtioNetFeatures.VIRTIO_NET_F_STANDBY);
    }

    /**
     * Whether the port offers a MAC in the sense of the anchor rule: it negotiated
     * {@link VirtioNetFeatures#VIRTIO_NET_F_MAC} <em>and</em> it has a MAC that can be a station address (not zero,
     * not multicast). Linux's virtio_net clears STANDBY when the device does not offer VIRTIO_NET_F_MAC
     * ({@code virtnet_validate}); the value is needed as well because it becomes the failover port's MAC.
     *
     * @return true if the port offers a usable MAC
     */
    public boolean offersMac() {
        return VirtioNetFeatures.has(features, VirtioNetFeatures.VIRTIO_NET_F_MAC)
                && mac != null && mac.isStationAddress();
    }

    /**
     * Whether the port anchors a pair: it negotiated STANDBY and {@linkplain #offersMac() offers a MAC}.
     *
     * @return true for an anchor (a standby)
     */
    public boolean anchors() {
        return negotiatedStandby() && offersMac();
    }

    /**
     * Whether the port carries a host-supplied pair id.
     *
     * @return true if {@link #pairId()} is not null
     */
    public boolean hasPairId() {
        return pairId != null;
    }
}
