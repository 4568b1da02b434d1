package io.twinport.port;

import io.twinport.policy.VirtioNetFeatures;

/**
 * virtio-net feature bits (virtio 1.x specification, 5.1.3 "Feature bits", and 6 "Reserved Feature Bits") that
 * appear in a port's 64-bit feature word. Ports that are not virtio report the bits that describe them
 * (e.g. {@link #MAC}) so the failover logic sees every port the same way.
 */
public enum VirtioNetFeature {
    /** Device handles packets with partial checksum. */
    CSUM(0),
    /** Device has a given MAC address (config space {@code mac}). */
    MAC(VirtioNetFeatures.VIRTIO_NET_F_MAC),
    /** Driver can merge receive buffers. */
    MRG_RXBUF(15),
    /** Configuration status field ({@code VIRTIO_NET_S_LINK_UP}, {@code VIRTIO_NET_S_ANNOUNCE}) is available. */
    STATUS(16),
    /** Control channel is available. */
    CTRL_VQ(17),
    /** Driver can send gratuitous packets (announce). */
    GUEST_ANNOUNCE(21),
    /** Device supports multiqueue with automatic receive steering. */
    MQ(22),
    /** Event-index notification suppression ({@code VIRTIO_F_EVENT_IDX}). */
    EVENT_IDX(29),
    /** Compliance with virtio 1.x ({@code VIRTIO_F_VERSION_1}). */
    VERSION_1(32),
    /** Device may act as a standby for a primary device with the same MAC address. */
    STANDBY(VirtioNetFeatures.VIRTIO_NET_F_STANDBY);

    private final int bit;

    VirtioNetFeature(int bit) {
        this.bit = bit;
    }

    /** @return the bit number */
    public int bit() {
        return bit;
    }

    /** @return the mask {@code 1L << bit} */
    public long mask() {
        return 1L << bit;
    }

    /**
     * @param features a feature word
     * @return true if this bit is set in it
     */
    public boolean in(long features) {
        return (features & mask()) != 0;
    }
}
