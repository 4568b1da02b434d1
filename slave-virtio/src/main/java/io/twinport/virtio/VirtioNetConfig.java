package io.twinport.virtio;

import io.twinport.policy.MacAddress;

import java.util.Objects;

/**
 * A snapshot of the virtio-net device configuration space (virtio 1.2, 5.1.4 "Device configuration layout"):
 *
 * <pre>
 *  struct virtio_net_config { u8 mac[6]; le16 status; le16 max_virtqueue_pairs; le16 mtu; ... }
 * </pre>
 *
 * @param mac               {@code mac}, valid with VIRTIO_NET_F_MAC
 * @param status            {@code status}, valid with VIRTIO_NET_F_STATUS: {@link #VIRTIO_NET_S_LINK_UP},
 *                          {@link #VIRTIO_NET_S_ANNOUNCE}
 * @param maxVirtqueuePairs {@code max_virtqueue_pairs}, valid with VIRTIO_NET_F_MQ, 1 to 0x8000
 */
public record VirtioNetConfig(MacAddress mac, int status, int maxVirtqueuePairs) {
    /** Offset of {@code mac}. */
    public static final int MAC_OFFSET = 0;
    /** Offset of {@code status}. */
    public static final int STATUS_OFFSET = 6;
    /** Offset of {@code max_virtqueue_pairs}. */
    public static final int MAX_VIRTQUEUE_PAIRS_OFFSET = 8;
    /** {@code status} bit: the link is up. */
    public static final int VIRTIO_NET_S_LINK_UP = 1;
    /** {@code status} bit: the device asks the driver to announce itself (GUEST_ANNOUNCE). */
    public static final int VIRTIO_NET_S_ANNOUNCE = 2;
    /** Largest {@code max_virtqueue_pairs} (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX). */
    public static final int VQ_PAIRS_MAX = 0x8000;

    /** Checks the fields. */
    public VirtioNetConfig {
        Objects.requireNonNull(mac, "mac");
        if (maxVirtqueuePairs < 1 || maxVirtqueuePairs > VQ_PAIRS_MAX) {
            throw new IllegalArgumentException("max_virtqueue_pairs " + maxVirtqueuePairs + " must be in [1, "
                    + VQ_PAIRS_MAX + "]");
        }
    }

    /** @return true if {@code status} has LINK_UP */
    public boolean linkUp() {
        return (status & VIRTIO_NET_S_LINK_UP) != 0;
    }

    /** @return true if {@code status} has ANNOUNCE */
    public boolean announce() {
        return (status & VIRTIO_NET_S_ANNOUNCE) != 0;
    }
}
