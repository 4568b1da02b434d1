package io.twinport.virtio;

import io.twinport.policy.VirtioNetFeatures;

/**
 * The feature bits this driver knows, as masks named after the spec (virtio 1.2, 5.1.3 "Feature bits" and 6
 * "Reserved Feature Bits"). bond-core's {@link io.twinport.port.VirtioNetFeature} names the bits the rest of twinport
 * looks at; this class has every bit the driver and its vhost-user device model negotiate.
 */
public final class VirtioNetFeatureBits {
    /** 0: device handles packets with partial checksum. Not negotiated. */
    public static final long VIRTIO_NET_F_CSUM = 1L << 0;
    /** 3: device maximum MTU reporting. Not negotiated. */
    public static final long VIRTIO_NET_F_MTU = 1L << 3;
    /** 5: device has given MAC address. */
    public static final long VIRTIO_NET_F_MAC = 1L << VirtioNetFeatures.VIRTIO_NET_F_MAC;
    /** 15: driver can merge receive buffers. */
    public static final long VIRTIO_NET_F_MRG_RXBUF = 1L << 15;
    /** 16: configuration status field is available. */
    public static final long VIRTIO_NET_F_STATUS = 1L << 16;
    /** 17: control channel is available. */
    public static final long VIRTIO_NET_F_CTRL_VQ = 1L << 17;
    /** 18: control channel RX mode support (promiscuous, all-multicast). Requires CTRL_VQ. */
    public static final long VIRTIO_NET_F_CTRL_RX = 1L << 18;
    /** 21: driver can send gratuitous packets. Requires CTRL_VQ. */
    public static final long VIRTIO_NET_F_GUEST_ANNOUNCE = 1L << 21;
    /** 22: device supports multiqueue with automatic receive steering. Requires CTRL_VQ. */
    public static final long VIRTIO_NET_F_MQ = 1L << 22;
    /** 23: set MAC address through the control channel. Requires CTRL_VQ. */
    public static final long VIRTIO_NET_F_CTRL_MAC_ADDR = 1L << 23;
    /** 28: indirect descriptors. Not negotiated. */
    public static final long VIRTIO_F_INDIRECT_DESC = 1L << 28;
    /** 29: used_event / avail_event notification suppression. */
    public static final long VIRTIO_F_EVENT_IDX = 1L << 29;
    /** 30: reused by vhost-user to announce protocol features; never a virtio-net driver feature. */
    public static final long VHOST_USER_F_PROTOCOL_FEATURES = 1L << 30;
    /** 32: compliance with virtio 1.x. Required: this driver has no legacy mode. */
    public static final long VIRTIO_F_VERSION_1 = 1L << 32;
    /** 34: packed virtqueues. Not negotiated: this driver uses split virtqueues. */
    public static final long VIRTIO_F_RING_PACKED = 1L << 34;
    /** 35: buffers are used in the order they were made available. Not negotiated. */
    public static final long VIRTIO_F_IN_ORDER = 1L << 35;
    /** 62: device may act as a standby for a primary device with the same MAC address. */
    public static final long VIRTIO_NET_F_STANDBY = 1L << VirtioNetFeatures.VIRTIO_NET_F_STANDBY;

    /** What this driver can use; MRG_RXBUF only where the port option allows it. */
    public static final long DRIVER_SUPPORTED = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS
            | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_CTRL_VQ | VIRTIO_NET_F_CTRL_RX | VIRTIO_NET_F_CTRL_MAC_ADDR
            | VIRTIO_NET_F_GUEST_ANNOUNCE | VIRTIO_NET_F_MQ | VIRTIO_F_EVENT_IDX | VIRTIO_NET_F_STANDBY;

    /** Features that need the control virtqueue (5.1.3.1). */
    public static final long NEEDS_CTRL_VQ = VIRTIO_NET_F_CTRL_RX | VIRTIO_NET_F_GUEST_ANNOUNCE | VIRTIO_NET_F_MQ
            | VIRTIO_NET_F_CTRL_MAC_ADDR;

    private VirtioNetFeatureBits() {
    }

    /**
     * The driver's side of feature negotiation (3.1.1 steps 4-5): what it accepts of what the device offers.
     * STANDBY is accepted only together with MAC (a standby is paired by its MAC; Linux's net_failover refuses it
     * too); features that need the control queue are dropped without it (5.1.3.1).
     *
     * @param offered   the device's features
     * @param mergeable true to accept MRG_RXBUF
     * @return the features the driver acknowledges
     */
    public static long negotiate(long offered, boolean mergeable) {
        long wanted = DRIVER_SUPPORTED & (mergeable ? -1L : ~VIRTIO_NET_F_MRG_RXBUF);
        long f = offered & wanted;
        if ((f & VIRTIO_NET_F_CTRL_VQ) == 0) {
            f &= ~NEEDS_CTRL_VQ;
        }
        if ((f & VIRTIO_NET_F_MAC) == 0) {
            f &= ~VIRTIO_NET_F_STANDBY;
        }
        return f;
    }

    /**
     * @param features a feature word
     * @return the names of its bits, e.g. {@code "MAC|STATUS|VERSION_1|STANDBY"}, unknown bits as {@code bitN}
     */
    public static String describe(long features) {
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < 64; b++) {
            if ((features & (1L << b)) != 0) {
                if (!sb.isEmpty()) {
                    sb.append('|');
                }
                sb.append(name(b));
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }

    private static String name(int bit) {
        return switch (bit) {
            case 0 -> "CSUM";
            case 1 -> "GUEST_CSUM";
            case 3 -> "MTU";
            case 5 -> "MAC";
            case 6 -> "GSO";
            case 7 -> "GUEST_TSO4";
            case 8 -> "GUEST_TSO6";
            case 10 -> "GUEST_UFO";
            case 11 -> "HOST_TSO4";
            case 12 -> "HOST_TSO6";
            case 14 -> "HOST_UFO";
            case 15 -> "MRG_RXBUF";
            case 16 -> "STATUS";
            case 17 -> "CTRL_VQ";
            case 18 -> "CTRL_RX";
            case 19 -> "CTRL_VLAN";
            case 21 -> "GUEST_ANNOUNCE";
            case 22 -> "MQ";
            case 23 -> "CTRL_MAC_ADDR";
            case 26 -> "LOG_ALL";
            case 27 -> "ANY_LAYOUT";
            case 28 -> "INDIRECT_DESC";
            case 29 -> "EVENT_IDX";
            case 30 -> "PROTOCOL_FEATURES";
            case 32 -> "VERSION_1";
            case 33 -> "ACCESS_PLATFORM";
            case 34 -> "RING_PACKED";
            case 35 -> "IN_ORDER";
            case 62 -> "STANDBY";
            default -> "bit" + bit;
        };
    }
}
